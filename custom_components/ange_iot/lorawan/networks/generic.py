"""A generic JSON uplink envelope, plus the field readers the other envelope parsers share.

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

The readers below turn wrong JSON types, bad encodings and out-of-range numbers into an
EnvelopeError naming the field (and the DevEUI once it is known); nothing else escapes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import math
import re
from typing import Any, Final

from ..errors import EnvelopeError
from ..uplink import GatewayRx, Uplink, UplinkKind, normalize_dev_eui

__all__ = ["parse"]

NETWORK: Final = "generic"

U32_MAX: Final = 0xFFFF_FFFF
_HEX: Final = re.compile(r"^[0-9a-fA-F]*$")
_NUMERIC: Final = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


# --------------------------------------------------------------------------------------
# Shared readers (also used by the chirpstack and tts modules)
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Context:
    """Where a field is being read, so every error names the message and the device."""

    network: str
    event: str | None = None
    dev_eui: str | None = None

    def error(self, message: str) -> EnvelopeError:
        where = self.network + (f" {self.event} event" if self.event else " message")
        if self.dev_eui:
            where += f" from device {self.dev_eui}"
        return EnvelopeError(f"{where}: {message}")


def json_kind(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def present(obj: Mapping[str, Any], key: str) -> bool:
    """True when ``key`` is in ``obj`` and not null (JSON null means "not set")."""
    return obj.get(key) is not None


def read_mapping(
    ctx: Context, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise ctx.error(f"missing required field {path}")
        return None
    if not isinstance(value, Mapping):
        raise ctx.error(f"{path} must be an object, not {json_kind(value)}")
    return value


def require_mapping(ctx: Context, obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = read_mapping(ctx, obj, key, path, required=True)
    if value is None:  # pragma: no cover - read_mapping raised already
        raise ctx.error(f"missing required field {path}")
    return value


def read_str(
    ctx: Context, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
) -> str | None:
    """A string field; an empty string counts as not set."""
    value = obj.get(key)
    if value is None:
        if required:
            raise ctx.error(f"missing required field {path}")
        return None
    if not isinstance(value, str):
        raise ctx.error(f"{path} must be a string, not {json_kind(value)}")
    if not value and required:
        raise ctx.error(f"required field {path} is empty")
    return value or None


def read_list(ctx: Context, obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    """An array field; missing or null gives []."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(f"{path} must be an array, not {json_kind(value)}")
    return value


def read_bool(ctx: Context, obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ctx.error(f"{path} must be true or false, not {json_kind(value)} {value!r}")
    return value


def read_int(
    ctx: Context,
    obj: Mapping[str, Any],
    key: str,
    path: str,
    *,
    minimum: int,
    maximum: int,
    required: bool = False,
) -> int | None:
    """An integer field in [minimum, maximum]; strings, booleans and floats are refused."""
    value = obj.get(key)
    if value is None:
        if required:
            raise ctx.error(f"missing required field {path}")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(f"{path} must be an integer, not {json_kind(value)} {value!r}")
    if not minimum <= value <= maximum:
        raise ctx.error(f"{path} {value} is outside {minimum}..{maximum}")
    return int(value)


def read_f_port(
    ctx: Context, obj: Mapping[str, Any], key: str, *, required: bool = False
) -> int | None:
    """LoRaWAN FPort: 0 (MAC commands only) to 255."""
    return read_int(ctx, obj, key, key, minimum=0, maximum=255, required=required)


def read_f_cnt(
    ctx: Context, obj: Mapping[str, Any], key: str, *, required: bool = False
) -> int | None:
    """LoRaWAN uplink frame counter: a 32-bit unsigned integer."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ctx.error(f"{key} must not be negative, not {value}")
    return read_int(ctx, obj, key, key, minimum=0, maximum=U32_MAX, required=required)


def read_number(ctx: Context, obj: Mapping[str, Any], key: str, path: str) -> float | None:
    """A finite JSON number as a float; missing or null gives None."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.error(f"{path} must be a number, not {json_kind(value)} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ctx.error(f"{path} must be a finite number, not {value!r}")
    return number


def read_dev_eui(ctx: Context, obj: Mapping[str, Any], key: str, path: str) -> str:
    """The DevEUI, normalized to 16 lowercase hex digits; also recorded in ``ctx``."""
    value = obj.get(key)
    if value is None:
        raise ctx.error(f"missing required field {path}")
    try:
        dev_eui = normalize_dev_eui(value)
    except ValueError as err:
        raise ctx.error(f"{path}: {err}") from None
    ctx.dev_eui = dev_eui
    return dev_eui


def decode_base64(ctx: Context, value: object, path: str) -> bytes:
    """Strict standard base64 (RFC 4648 alphabet, padding required)."""
    if not isinstance(value, str):
        raise ctx.error(f"{path} must be a base64 string, not {json_kind(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ctx.error(f"{path} is not valid base64 ({err}): {_clip(value)!r}") from None


def decode_hex(ctx: Context, value: object, path: str) -> bytes:
    if not isinstance(value, str):
        raise ctx.error(f"{path} must be a hex string, not {json_kind(value)}")
    if not _HEX.match(value) or len(value) % 2:
        raise ctx.error(
            f"{path} is not valid hex (an even number of 0-9a-f digits): {_clip(value)!r}"
        )
    return bytes.fromhex(value)


def _clip(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[:size] + "..."


def parse_time(ctx: Context, value: object, path: str, *, allow_epoch: bool = False) -> datetime:
    """An ISO 8601 timestamp (or, if allowed, epoch seconds) as an aware UTC datetime.

    Timestamps without an offset are taken to be UTC. Fractions finer than microseconds
    (ChirpStack and TTS send nanoseconds) are truncated.
    """
    if allow_epoch and isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            if not math.isfinite(value):
                raise ValueError("not a finite number")
            return datetime.fromtimestamp(value, tz=UTC)
        except (ValueError, OverflowError, OSError) as err:
            raise ctx.error(
                f"{path} {value!r} is not a usable epoch time in seconds ({err})"
            ) from None
    if not isinstance(value, str):
        expected = "an ISO 8601 string or epoch seconds" if allow_epoch else "an ISO 8601 string"
        raise ctx.error(f"{path} must be {expected}, not {json_kind(value)} {value!r}")
    if _NUMERIC.match(value):
        # "20240501" is an ISO 8601 basic date *and* looks like epoch seconds: refuse to guess.
        raise ctx.error(
            f"{path} {value!r} is a number in a string; send an ISO 8601 timestamp"
            + (" or epoch seconds as a JSON number" if allow_epoch else "")
        )
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ctx.error(f"{path} {_clip(value)!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as err:
        raise ctx.error(f"{path} {_clip(value)!r} cannot be converted to UTC ({err})") from None


def now_utc() -> datetime:
    return datetime.now(UTC)


def decoded_object(value: object) -> Mapping[str, Any] | None:
    """The network server's decoded payload, when it is a JSON object; else None."""
    if isinstance(value, Mapping):
        return dict(value)
    return None


@dataclass(slots=True, frozen=True)
class GatewayReading:
    """One receiving gateway (or antenna) of an uplink."""

    # A gateway id or EUI; None when the metadata does not say (counted as a gateway apart).
    key: str | None
    rssi: float | None
    snr: float | None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(slots=True, frozen=True)
class BestGateway:
    rssi: float | None
    snr: float | None
    key: str | None
    count: int


def gateway_location(item: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """A gateway's position from its ``location`` object; (None, None) when absent or odd.

    Only informational, so a malformed location is ignored rather than rejecting the uplink.
    """
    location = item.get("location")
    if not isinstance(location, Mapping):
        return None, None
    lat, lon = location.get("latitude"), location.get("longitude")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None, None
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return float(lat), float(lon)


def gateways_of(readings: Sequence[GatewayReading]) -> tuple[GatewayRx, ...]:
    """One entry per identified gateway: its strongest antenna, and its position if known."""
    if len(readings) == 1 and (only := readings[0]).key is not None:
        # Most uplinks: one gateway, one antenna. Nothing to choose between or merge.
        has_position = only.latitude is not None and only.longitude is not None
        return (
            GatewayRx(
                gateway_id=only.key,
                rssi=only.rssi,
                snr=only.snr,
                latitude=only.latitude if has_position else None,
                longitude=only.longitude if has_position else None,
            ),
        )
    best: dict[str, GatewayReading] = {}
    located: dict[str, tuple[float, float]] = {}
    for reading in readings:
        if reading.key is None:
            continue
        if reading.latitude is not None and reading.longitude is not None:
            located.setdefault(reading.key, (reading.latitude, reading.longitude))
        current = best.get(reading.key)
        if current is None or (reading.rssi or -math.inf) > (current.rssi or -math.inf):
            best[reading.key] = reading
    return tuple(
        GatewayRx(
            gateway_id=key,
            rssi=reading.rssi,
            snr=reading.snr,
            latitude=located.get(key, (None, None))[0],
            longitude=located.get(key, (None, None))[1],
        )
        for key, reading in best.items()
    )


def best_gateway(readings: Iterable[GatewayReading]) -> BestGateway:
    """The reception with the highest RSSI (SNR breaks ties), and the number of gateways.

    Gateways are counted once however many antennas (metadata entries) they report. When no
    entry has an RSSI, the best SNR is reported with no RSSI.
    """
    entries = list(readings)
    keys = {r.key for r in entries if r.key is not None}
    count = len(keys) + sum(1 for r in entries if r.key is None)
    with_rssi = [r for r in entries if r.rssi is not None]
    if with_rssi:
        best = max(
            with_rssi,
            key=lambda r: (r.rssi, -math.inf if r.snr is None else r.snr),
        )
        return BestGateway(best.rssi, best.snr, best.key, count)
    with_snr = [r for r in entries if r.snr is not None]
    if with_snr:
        best = max(with_snr, key=lambda r: r.snr if r.snr is not None else -math.inf)
        return BestGateway(None, best.snr, best.key, count)
    return BestGateway(None, None, None, count)


def event_name(event: str | None) -> str | None:
    """The event name in lower case; None or blank means "infer it from the body"."""
    if event is None:
        return None
    if not isinstance(event, str):
        raise EnvelopeError(f"event must be a string or None, not {type(event).__name__}")
    name = event.strip().lower()
    return name or None


# --------------------------------------------------------------------------------------
# The generic envelope
# --------------------------------------------------------------------------------------

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
