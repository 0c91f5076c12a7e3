"""The JSON field readers the envelope parsers share.

The readers below turn wrong JSON types, bad encodings and out-of-range numbers into an
EnvelopeError naming the field (and the DevEUI once it is known); nothing else escapes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import math
import re
from typing import Any, Final

from ..errors import EnvelopeError
from ..uplink import normalize_dev_eui

U32_MAX: Final = 0xFFFF_FFFF
_HEX: Final = re.compile(r"^[0-9a-fA-F]*$")
_NUMERIC: Final = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


@dataclass(slots=True)
class Context:
    """Where a field is being read, so every error names the message and the device."""

    network: str
    event: str | None = None
    dev_eui: str | None = None

    def error(self, message: str) -> EnvelopeError:
        """An EnvelopeError for ``message`` that names the message and the device."""
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
    """An object field; missing or null gives None (an error when ``required``)."""
    value = obj.get(key)
    if value is None:
        if required:
            raise ctx.error(f"missing required field {path}")
        return None
    if not isinstance(value, Mapping):
        raise ctx.error(f"{path} must be an object, not {json_kind(value)}")
    return value


def require_mapping(ctx: Context, obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    """An object field that must be present."""
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
    """A true/false field; missing or null gives None."""
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
    """A string of hex digit pairs (either case) as bytes."""
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
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def decoded_object(value: object) -> Mapping[str, Any] | None:
    """The network server's decoded payload, when it is a JSON object; else None."""
    if isinstance(value, Mapping):
        return dict(value)
    return None


def event_name(event: str | None) -> str | None:
    """The event name in lower case; None or blank means "infer it from the body"."""
    if event is None:
        return None
    if not isinstance(event, str):
        raise EnvelopeError(f"event must be a string or None, not {type(event).__name__}")
    name = event.strip().lower()
    return name or None
