"""Milesight channel/type payloads: AM103(L), AM307(L), AM319, EM300-TH, WS202, WS203.

Every Milesight uplink is a run of items, each ``channel id (1 byte) + channel type
(1 byte) + value``; multi-byte values are little-endian. The (channel, type) pair alone
says how long the value is, so an unknown pair cannot be skipped: decoding stops with a
CodecError rather than guessing where the next item starts.

Sources (facts only, no code taken): the payload tables in Milesight-IoT/SensorDecoders
(``am-series/<model>/README.md``, ``em-series/em300-th/README.md``,
``ws-series/ws202|ws203/README.md`` and the decoders next to them) and the TTN Device
Repository (``vendor/milesight-iot/``) for the device ids.

What is deliberately not turned into readings:

* channel 0xFF "attribute" items (IPSO/hardware/firmware/TSL version, power-on/device
  status, serial number, LoRaWAN class, reset event) and 0xFF/0xFE replies to
  configuration downlinks: skipped by their documented length;
* history records (type 0xCE): timestamped values from the past. A Readings dict has no
  timestamp, so passing them on would present old data as current: skipped;
* the AM3xx buzzer status (0x0E 0x01): not a measurement;
* TVOC (channel 0x08): the canonical ``tvoc`` key is ppb, but the AM307/AM319 report
  either a unitless IAQ index (type 0x7D, uint16/100; older decoders printed the raw
  uint16) or a mass concentration in µg/m³ (type 0xE6). Neither converts to ppb without
  knowing the gas mixture, so both are skipped rather than published in the wrong unit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import Reading, Readings
from .model import Category, Decoder, ModelInfo

_MANUFACTURER: Final = "Milesight"

type _Convert = Callable[[bytes], Reading]
"""Turn one item's value bytes into a reading."""

type _Length = Callable[[bytes], int | None]
"""Length of a variable-size value, given the bytes from its start; None if too short."""


@dataclass(slots=True, frozen=True)
class _Item:
    """One (channel id, channel type) pair: what it is, its value size, what it yields."""

    name: str
    size: int | _Length
    key: str | None = None
    convert: _Convert | None = None


# --- value converters --------------------------------------------------------------------


def _uint8(value: bytes) -> int:
    return value[0]


def _uint16(value: bytes) -> int:
    return int.from_bytes(value[:2], "little")


def _int16_tenths(value: bytes) -> float:
    return int.from_bytes(value[:2], "little", signed=True) / 10


def _uint8_halves(value: bytes) -> float:
    return value[0] / 2


def _uint16_tenths(value: bytes) -> float:
    return _uint16(value) / 10


def _uint16_hundredths(value: bytes) -> float:
    return _uint16(value) / 100


def _flag(what: str, off: str, on: str) -> _Convert:
    """A 0/1 status byte as a bool; any other value is not documented, so it is an error."""

    def convert(value: bytes) -> bool:
        if value[0] == 0:
            return False
        if value[0] == 1:
            return True
        raise CodecError(f"{what} must be 0 ({off}) or 1 ({on}), not {value[0]}")

    return convert


def _level(what: str, off: str, on: str) -> _Convert:
    """A 0/1 two-state sensor byte as a level (0 or 1); other values are errors."""
    as_flag = _flag(what, off, on)

    def convert(value: bytes) -> int:
        return int(as_flag(value))

    return convert


# --- item builders -----------------------------------------------------------------------


def _reading(name: str, size: int, key: str, convert: _Convert) -> _Item:
    return _Item(name=name, size=size, key=key, convert=convert)


def _skip(name: str, size: int | _Length) -> _Item:
    return _Item(name=name, size=size)


def _co2_calibration_length(value: bytes) -> int | None:
    # Reply to "CO2 calibration": mode (1 byte), plus a uint16 target only in mode 2
    # (manual calibration).
    if not value:
        return None
    return 3 if value[0] == 2 else 1


def _report_schedule_length(value: bytes) -> int | None:
    # AM103(L) reply to "report schedule": a count, then 6 bytes per schedule entry.
    if not value:
        return None
    return 1 + 6 * value[0]


def _merge(*tables: Mapping[tuple[int, int], _Item]) -> dict[tuple[int, int], _Item]:
    merged: dict[tuple[int, int], _Item] = {}
    for table in tables:
        for pair, item in table.items():
            if pair in merged:
                raise RuntimeError(
                    f"channel 0x{pair[0]:02x} type 0x{pair[1]:02x} defined twice"
                )
            merged[pair] = item
    return merged


def _config_replies(sizes: Mapping[int, int | _Length]) -> dict[tuple[int, int], _Item]:
    """Replies to configuration downlinks: channel 0xFF or 0xFE, the command as the type."""
    table: dict[tuple[int, int], _Item] = {}
    for kind, size in sizes.items():
        for channel in (0xFF, 0xFE):
            table[channel, kind] = _skip(f"reply to config command 0x{kind:02x}", size)
    return table


# --- shared tables -----------------------------------------------------------------------

# Attribute items on channel 0xFF, sent after joining and on request. Not readings.
_ATTRIBUTES: Final[dict[tuple[int, int], _Item]] = {
    (0xFF, 0x01): _skip("IPSO version", 1),
    (0xFF, 0x09): _skip("hardware version", 2),
    (0xFF, 0x0A): _skip("firmware version", 2),
    (0xFF, 0x0B): _skip("device status / power on", 1),
    (0xFF, 0x0F): _skip("LoRaWAN class", 1),
    (0xFF, 0xFE): _skip("reset event", 1),
    (0xFF, 0xFF): _skip("TSL version", 2),
}
_SERIAL_8: Final = {(0xFF, 0x16): _skip("serial number", 8)}
# WS202 sends the short, 6-byte serial number form.
_SERIAL_6: Final = {(0xFF, 0x08): _skip("serial number", 6)}

_BATTERY: Final = {(0x01, 0x75): _reading("battery", 1, "battery", _uint8)}
_TEMPERATURE: Final = {
    (0x03, 0x67): _reading("temperature", 2, "temperature", _int16_tenths)
}
_HUMIDITY: Final = {(0x04, 0x68): _reading("humidity", 1, "humidity", _uint8_halves)}
_CO2: Final = {(0x07, 0x7D): _reading("CO2", 2, "co2", _uint16)}

# AM307(L) and AM319 share channels 0x05-0x09 and the buzzer.
_AM300_COMMON: Final = {
    (0x05, 0x00): _reading(
        "PIR", 1, "occupancy", _flag("PIR status", "idle", "trigger")
    ),
    # Light as a level (0-5 on the display), not lux.
    (0x06, 0xCB): _reading("light level", 1, "light_level", _uint8),
    # TVOC: IAQ index or µg/m³, neither of which is the canonical ppb (see module doc).
    (0x08, 0x7D): _skip("TVOC as IAQ index", 2),
    (0x08, 0xE6): _skip("TVOC in µg/m³", 2),
    (0x09, 0x73): _reading("barometric pressure", 2, "pressure", _uint16_tenths),
    (0x0E, 0x01): _skip("buzzer status", 1),
}

# Configuration replies, per the vendor decoders of each model. The AM307(L) and AM319
# decoders disagree on the 0x39 reply (5 vs 1 byte); each model follows its own decoder.
_AM103_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x06: 9, 0x10: 1, 0x11: 4, 0x17: 2, 0x1A: _co2_calibration_length,
    0x27: 1, 0x2D: 1, 0x2F: 1, 0x39: 5, 0x3A: _report_schedule_length, 0x3B: 1,
    0x54: 5, 0x56: 1, 0x57: 1, 0x59: 1, 0x5A: 2, 0x68: 1, 0x69: 1, 0x6A: 3, 0x75: 7,
    0x85: 1, 0x86: 1, 0x87: 3, 0xF0: 4,
}  # fmt: skip
_AM103L_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x06: 9, 0x10: 1, 0x11: 4, 0x17: 2, 0x1A: _co2_calibration_length,
    0x27: 1, 0x2F: 1, 0x39: 5, 0x3A: _report_schedule_length, 0x3B: 1, 0x54: 5,
    0x57: 1, 0x59: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x87: 3,
}  # fmt: skip
_AM307_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x10: 1, 0x17: 2, 0x1A: _co2_calibration_length, 0x25: 1, 0x27: 1,
    0x2C: 1, 0x2D: 1, 0x2E: 1, 0x39: 5, 0x3A: 2, 0x3B: 1, 0x3C: 1, 0x3D: 1, 0x3E: 1,
    0x66: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x6D: 1, 0xEB: 1, 0xF0: 4, 0xF4: 1,
}  # fmt: skip
_AM307L_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x10: 1, 0x17: 2, 0x1A: _co2_calibration_length, 0x25: 1, 0x27: 1,
    0x2C: 1, 0x2E: 1, 0x39: 5, 0x3A: 2, 0x3B: 1, 0x3D: 1, 0x3E: 1, 0x68: 1, 0x69: 1,
    0x6A: 3, 0x6D: 1, 0xEB: 1, 0xF4: 1,
}  # fmt: skip
_AM319_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x10: 1, 0x17: 2, 0x1A: _co2_calibration_length, 0x25: 1, 0x27: 1,
    0x2C: 1, 0x2D: 1, 0x2E: 1, 0x39: 1, 0x3A: 2, 0x3B: 1, 0x3C: 1, 0x3D: 1, 0x3E: 1,
    0x65: 2, 0x66: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x6D: 1, 0xEB: 1, 0xF0: 4, 0xF4: 1,
}  # fmt: skip
_EM300_TH_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x27: 1, 0x28: 1, 0x68: 1, 0x69: 1, 0x6A: 3,
    0x6D: 1, 0x79: 6, 0xD6: 6, 0xD7: 1, 0xEA: 3,
}  # fmt: skip
_WS202_CONFIG: Final[dict[int, int | _Length]] = {0x03: 2, 0x06: 9, 0x10: 1}
_WS203_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x06: 9, 0x10: 1, 0x17: 2, 0x27: 1, 0x28: 1, 0x2F: 1, 0x35: 8, 0x4A: 1,
    0x68: 1, 0x69: 1, 0x6A: 3, 0x84: 1, 0x8E: 3, 0x95: 2, 0x96: 8,
}  # fmt: skip


# --- per-model tables ---------------------------------------------------------------------

# AM103 and AM103L send the same items; only their configuration replies differ.
_AM103_ITEMS: Final = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    _CO2,
    {
        # timestamp(4) + temperature(2) + humidity(1) + co2(2)
        (0x20, 0xCE): _skip("history record", 9),
        # Sensor-enable attribute: one reserved byte, then a bit mask.
        (0xFF, 0x18): _skip("sensor enable", 2),
    },
)
_AM103 = _merge(_AM103_ITEMS, _config_replies(_AM103_CONFIG))
_AM103L = _merge(_AM103_ITEMS, _config_replies(_AM103L_CONFIG))

# AM307 and AM307L send the same items; only their configuration replies differ.
_AM307_ITEMS: Final = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    _CO2,
    _AM300_COMMON,
    {
        # timestamp(4) + temperature(2) + humidity(2) + pir(1) + light(1) + co2(2)
        # + tvoc(2) + pressure(2); 0x20 carries TVOC as IAQ, 0x21 in µg/m³.
        (0x20, 0xCE): _skip("history record", 16),
        (0x21, 0xCE): _skip("history record", 16),
    },
)
_AM307 = _merge(_AM307_ITEMS, _config_replies(_AM307_CONFIG))
_AM307L = _merge(_AM307_ITEMS, _config_replies(_AM307L_CONFIG))

# One model id covers both AM319 variants: HCHO (channel 0x0A) and O3 (channel 0x0D).
_AM319 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    _CO2,
    _AM300_COMMON,
    {
        (0x0A, 0x7D): _reading("HCHO", 2, "hcho", _uint16_hundredths),  # mg/m³
        (0x0B, 0x7D): _reading("PM2.5", 2, "pm2_5", _uint16),  # µg/m³
        (0x0C, 0x7D): _reading("PM10", 2, "pm10", _uint16),  # µg/m³
        (0x0D, 0x7D): _reading("O3", 2, "o3", _uint16_hundredths),  # ppm
        # The AM307 record plus pm2.5(2) + pm10(2) + hcho or o3(2).
        (0x20, 0xCE): _skip("history record", 22),
        (0x21, 0xCE): _skip("history record", 22),
    },
    _config_replies(_AM319_CONFIG),
)

_EM300_TH = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    # timestamp(4) + temperature(2) + humidity(1) + reserved(1)
    {(0x20, 0xCE): _skip("history record", 8)},
    _config_replies(_EM300_TH_CONFIG),
)

_WS202 = _merge(
    _ATTRIBUTES,
    _SERIAL_6,
    _BATTERY,
    {
        (0x03, 0x00): _reading(
            "PIR", 1, "occupancy", _flag("PIR status", "normal", "trigger")
        ),
        # A two-state light sensor; as a light level it is 0 (dark) or 1 (light).
        (0x04, 0x00): _reading(
            "daylight", 1, "light_level", _level("daylight", "dark", "light")
        ),
    },
    _config_replies(_WS202_CONFIG),
)

_WS203 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    _HUMIDITY,
    {
        (0x05, 0x00): _reading(
            "occupancy", 1, "occupancy", _flag("occupancy", "vacant", "occupied")
        ),
        # Sent when a temperature threshold alarm starts or ends: temperature(2) + alarm
        # flag(1). The temperature is current, so it is a reading; the flag has no key.
        (0x83, 0x67): _reading(
            "temperature with alarm", 3, "temperature", _int16_tenths
        ),
        # timestamp(4) + report type(1) + occupancy(1) + temperature(2) + humidity(1)
        (0x20, 0xCE): _skip("history record", 9),
    },
    _config_replies(_WS203_CONFIG),
)


# --- decoding -------------------------------------------------------------------------------


def _check_port(name: str, f_port: int) -> None:
    # Milesight sends on application port 85 by default, but the port is a device setting
    # (the TTN Device Repository's EM300-TH example uses fPort 1), so any application
    # port is accepted. Port 0 carries only MAC commands and 224-255 are reserved by
    # LoRaWAN: nothing there is a Milesight payload.
    if not 1 <= f_port <= 223:
        raise CodecError(f"{name}: fPort {f_port} is not an application port (1-223)")


def _decode(
    name: str, items: Mapping[tuple[int, int], _Item], f_port: int, payload: bytes
) -> Readings:
    _check_port(name, f_port)
    if not payload:
        raise CodecError(f"{name}: empty payload")
    readings: Readings = {}
    offset = 0
    while offset < len(payload):
        if offset + 2 > len(payload):
            raise CodecError(f"{name}: truncated item header at byte {offset}")
        channel, kind = payload[offset], payload[offset + 1]
        item = items.get((channel, kind))
        if item is None:
            raise CodecError(
                f"{name}: unknown channel 0x{channel:02x} type 0x{kind:02x} at byte {offset}"
            )
        start = offset + 2
        size = item.size if isinstance(item.size, int) else item.size(payload[start:])
        if size is None or start + size > len(payload):
            raise CodecError(
                f"{name}: truncated {item.name} (channel 0x{channel:02x} type 0x{kind:02x}) "
                f"at byte {offset}"
            )
        if item.key is not None and item.convert is not None:
            try:
                readings[item.key] = item.convert(payload[start : start + size])
            except CodecError as err:
                raise CodecError(f"{name}: {err}") from None
        offset = start + size
    return readings


def _decoder(name: str, items: Mapping[tuple[int, int], _Item]) -> Decoder:
    def decode(f_port: int, payload: bytes) -> Readings:
        return _decode(name, items, f_port, payload)

    decode.__name__ = decode.__qualname__ = f"decode_{name.lower().replace('-', '_')}"
    return decode


def _model(
    model_id: str, name: str, category: Category, items: Mapping[tuple[int, int], _Item]
) -> ModelInfo:
    return ModelInfo(
        model_id=model_id,
        manufacturer=_MANUFACTURER,
        name=name,
        category=category,
        keys=frozenset(item.key for item in items.values() if item.key is not None),
        decoder=_decoder(name, items),
    )


# Model ids: TTN Device Repository vendor "milesight-iot" (shortened to "milesight") and
# its device ids am103, am103l, am307, am307l, am319, em300-th, ws202, ws203.
MODELS: Final[dict[str, ModelInfo]] = {
    info.model_id: info
    for info in (
        _model("milesight_am103", "AM103", Category.CLIMATE, _AM103),
        _model("milesight_am103l", "AM103L", Category.CLIMATE, _AM103L),
        _model("milesight_am307", "AM307", Category.CLIMATE, _AM307),
        _model("milesight_am307l", "AM307L", Category.CLIMATE, _AM307L),
        _model("milesight_am319", "AM319", Category.CLIMATE, _AM319),
        _model("milesight_em300_th", "EM300-TH", Category.CLIMATE, _EM300_TH),
        _model("milesight_ws202", "WS202", Category.PRESENCE, _WS202),
        _model("milesight_ws203", "WS203", Category.PRESENCE, _WS203),
    )
}
"""Supported Milesight models keyed by model id."""
