"""A generic JSON uplink envelope.

The generic envelope is this project's own format, for sources that are neither ChirpStack
nor The Things Stack (a Node-RED flow, a script, another network server behind a bridge)::

    {
      "devEui": "a84041000181c03b",   # required, 16 hex digits ("-" and ":" allowed)
      "fPort": 2,                     # required, 0-255 (0 carries MAC commands only)
      "fCnt": 42,                     # optional, >= 0
      "data": "CBYBHAEtAA==",         # required, base64 or hex ("" for no payload)
      "encoding": "base64",           # optional: "base64" or "hex"; see _payload below
      "time": "2024-05-01T12:00:00Z", # optional: ISO 8601, or epoch seconds as a number
      "rssi": -97, "snr": 7.5,        # optional, of the (best) receiving gateway
      "object": {...},                # optional, a payload already decoded upstream
      "deviceName": "Kitchen",        # optional
      "model": "elsys_ers_co2"        # optional model id hint
    }

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..errors import EnvelopeError
from ..uplink import Uplink, UplinkKind
from .field_readers import (
    _HEX,
    Context,
    decode_base64,
    decode_hex,
    decoded_object,
    event_name,
    json_kind,
    now_utc,
    parse_time,
    present,
    read_dev_eui,
    read_f_cnt,
    read_f_port,
    read_number,
    read_str,
)

__all__ = ["parse"]

NETWORK: Final = "generic"

_UPLINK_EVENTS: Final = frozenset({"up", "uplink"})
_JOIN_EVENTS: Final = frozenset({"join"})


def parse(body: Mapping[str, Any], event: str | None) -> list[Uplink]:
    """Parse a generic JSON envelope.

    ``event`` may be None, "up" or "uplink" (a data uplink) or "join" (the device joined:
    only ``devEui``, ``time`` and ``deviceName`` are read). Anything else is an error.
    """
    name = event_name(event)
    if name is not None and name not in _UPLINK_EVENTS | _JOIN_EVENTS:
        raise EnvelopeError(
            f"generic message: unknown event {event!r}; expected 'up', 'uplink' or 'join'"
        )
    kind = UplinkKind.JOIN if name in _JOIN_EVENTS else UplinkKind.UPLINK
    ctx = Context(NETWORK, kind.value)
    dev_eui = read_dev_eui(ctx, body, "devEui", "devEui")
    received_at = (
        parse_time(ctx, body["time"], "time", allow_epoch=True)
        if present(body, "time")
        else now_utc()
    )
    device_name = read_str(ctx, body, "deviceName", "deviceName")
    model_hint = read_str(ctx, body, "model", "model")
    if kind is UplinkKind.JOIN:
        return [
            Uplink(
                network=NETWORK,
                dev_eui=dev_eui,
                kind=kind,
                received_at=received_at,
                device_name=device_name,
                model_hint=model_hint,
            )
        ]

    f_port = read_f_port(ctx, body, "fPort", required=True)
    f_cnt = read_f_cnt(ctx, body, "fCnt")
    payload = _payload(ctx, body)
    rssi = read_number(ctx, body, "rssi", "rssi")
    snr = read_number(ctx, body, "snr", "snr")
    return [
        Uplink(
            network=NETWORK,
            dev_eui=dev_eui,
            kind=kind,
            f_port=f_port,
            f_cnt=f_cnt,
            payload=payload,
            decoded=decoded_object(body.get("object")),
            rssi=rssi,
            snr=snr,
            # The generic envelope reports one reception; with no radio data, none is known.
            gateway_count=1 if rssi is not None or snr is not None else 0,
            received_at=received_at,
            device_name=device_name,
            model_hint=model_hint,
        )
    ]


def _payload(ctx: Context, body: Mapping[str, Any]) -> bytes:
    """Decode ``data``, as hex or base64.

    Every even-length hex string is also valid base64 ("AAAA" is 0xAAAA in hex but
    00 00 00 in base64), so the encoding cannot always be told from the data. An explicit
    ``encoding`` ("hex" or "base64") always wins. Without one, data that is an even number
    of hex digits is read as hex, anything else as strict base64. Senders of base64 that
    might happen to look like hex (short payloads of digits and A-F only) must say
    ``"encoding": "base64"``.
    """
    if "data" not in body or body["data"] is None:
        raise ctx.error("missing required field data")
    data = body["data"]
    if not isinstance(data, str):
        raise ctx.error(f"data must be a string (base64 or hex), not {json_kind(data)}")
    encoding = read_str(ctx, body, "encoding", "encoding")
    if encoding is not None:
        encoding = encoding.strip().lower()
        if encoding == "hex":
            return decode_hex(ctx, data, "data")
        if encoding == "base64":
            return decode_base64(ctx, data, "data")
        raise ctx.error(f"encoding must be 'hex' or 'base64', not {encoding!r}")
    if len(data) % 2 == 0 and _HEX.match(data):
        return bytes.fromhex(data)
    return decode_base64(ctx, data, "data")
