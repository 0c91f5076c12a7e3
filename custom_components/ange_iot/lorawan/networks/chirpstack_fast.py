"""The common ChirpStack ``up`` event, parsed in one pass: the ingest path's hot spot.

The full parser (chirpstack.py) reads every field through a validating reader that
names the field in its error; that is right for anything unusual but costs most of the
integration's own time per uplink. Nearly every event is the same well-formed shape, so
this reads that shape directly and gives the very same Uplink. Anything it is not sure
of (a missing time, a mixed-case DevEUI, a wrong type, no RSSI) makes it return None, and
the full parser takes the event, with its exact error messages.
tests/lorawan/test_chirpstack_fast.py checks that both give equal Uplinks.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
import math
import re
from typing import Any, Final

from ..uplink import Uplink, UplinkKind
from .gateways import GatewayReading, gateway_location, gateways_of

_LOWER_EUI: Final = re.compile(r"[0-9a-f]{16}")
_U32_MAX: Final = 0xFFFF_FFFF
_NO_SNR: Final = -math.inf


def _opt_str(obj: Mapping[str, Any], key: str) -> tuple[bool, str | None]:
    """(ok, value): a string or absent; an empty string counts as absent."""
    value = obj.get(key)
    if value is None:
        return True, None
    if type(value) is not str:
        return False, None
    return True, value or None


def _number(value: object) -> float | None:
    """A finite JSON number as float; None for anything else."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int:
        return float(value)
    return None


def fast_up(body: Mapping[str, Any], extra_of: Any) -> Uplink | None:
    """The Uplink of a well-formed ``up`` event, or None to leave it to the full parser.

    ``extra_of`` is chirpstack's own deviceInfo reader, so both agree on ``extra``.
    """
    info = body.get("deviceInfo")
    if type(info) is not dict:
        return None
    dev_eui = info.get("devEui")
    if type(dev_eui) is not str or _LOWER_EUI.fullmatch(dev_eui) is None:
        return None
    time = body.get("time")
    # A number in a string is refused by the full parser; an ISO date has "-" at [4].
    if type(time) is not str or len(time) < 20 or time[4] != "-":
        return None
    try:
        received_at = datetime.fromisoformat(time)
        if received_at.tzinfo is None:
            return None
        received_at = received_at.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    # proto3 defaults: an absent (or null) fPort or fCnt is 0.
    f_port = body.get("fPort")
    if f_port is None:
        f_port = 0
    f_cnt = body.get("fCnt")
    if f_cnt is None:
        f_cnt = 0
    data = body.get("data")
    if (
        type(f_port) is not int
        or not 0 <= f_port <= 255
        or type(f_cnt) is not int
        or not 0 <= f_cnt <= _U32_MAX
        or type(data) is not str
    ):
        return None
    try:
        payload = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        return None

    tx_info = body.get("txInfo")
    is_lora = False
    if tx_info is not None:
        if type(tx_info) is not dict:
            return None
        modulation = tx_info.get("modulation")
        if modulation is not None:
            if type(modulation) is not dict:
                return None
            is_lora = modulation.get("lora") is not None
    rx_info = body.get("rxInfo")
    if type(rx_info) is not list or not rx_info:
        return None
    best_rssi = best_snr = _NO_SNR
    best_key: str | None = None
    keys: set[str] = set()
    anonymous = 0
    readings: list[GatewayReading] = []
    for item in rx_info:
        if type(item) is not dict:
            return None
        ok, key = _opt_str(item, "gatewayId")
        rssi = _number(item.get("rssi"))
        raw_snr = item.get("snr")
        snr = _number(raw_snr)
        if not ok or rssi is None or (snr is None and raw_snr is not None):
            return None
        if snr is None:
            if not is_lora:
                return None  # an SNR of None would rank differently: leave it to the parser
            snr = 0.0  # omitted at its default value
        if key is None:
            anonymous += 1
        else:
            keys.add(key)
            latitude, longitude = gateway_location(item)
            readings.append(GatewayReading(key=key, rssi=rssi, snr=snr, latitude=latitude, longitude=longitude))
        if rssi > best_rssi or (rssi == best_rssi and snr > best_snr):
            best_rssi, best_snr, best_key = rssi, snr, key

    ok_name, device_name = _opt_str(info, "deviceName")
    ok_profile, profile_name = _opt_str(info, "deviceProfileName")
    ok_app, application_id = _opt_str(info, "applicationId")
    ok_dedup, dedup_id = _opt_str(body, "deduplicationId")
    ok_addr, dev_addr = _opt_str(body, "devAddr")
    dr = body.get("dr")
    adr = body.get("adr")
    confirmed = body.get("confirmed")
    if not (ok_name and ok_profile and ok_app and ok_dedup and ok_addr):
        return None
    if dr is not None and (type(dr) is not int or not 0 <= dr <= 15):
        return None
    if (adr is not None and type(adr) is not bool) or (
        confirmed is not None and type(confirmed) is not bool
    ):
        return None

    extra: dict[str, Any] = extra_of(info)
    if dev_addr is not None:
        extra["dev_addr"] = dev_addr
    extra["dr"] = dr if dr is not None else 0
    extra["adr"] = bool(adr)
    extra["confirmed"] = bool(confirmed)
    if best_key is not None:
        extra["gateway_id"] = best_key
    decoded = body.get("object")
    if decoded is not None:
        decoded = dict(decoded) if isinstance(decoded, Mapping) else None
    return Uplink(
        network="chirpstack",
        dev_eui=dev_eui,
        kind=UplinkKind.UPLINK,
        f_port=f_port,
        f_cnt=f_cnt,
        payload=payload,
        decoded=decoded,
        rssi=best_rssi,
        snr=best_snr,
        gateway_count=len(keys) + anonymous,
        gateways=gateways_of(readings),
        received_at=received_at,
        device_name=device_name,
        profile_name=profile_name,
        application_id=application_id,
        dedup_id=dedup_id,
        extra=extra,
    )
