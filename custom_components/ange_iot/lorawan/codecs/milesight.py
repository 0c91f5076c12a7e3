"""Milesight channel/type payloads: the AM, EM, TS, VS and WS models listed in MODELS.

Every Milesight uplink is a run of items, each ``channel id (1 byte) + channel type
(1 byte) + value``; multi-byte values are little-endian. The (channel, type) pair alone
says how long the value is. The type byte follows IPSO object ids (0x67 temperature,
0x68 humidity, 0x7D concentration, ...), but it does not fix the size: the same type
is 2 bytes on one channel and 3 or 5 on its alarm channel (0x83 0x67, 0x93 0xD7), and
channels 0xFF/0xFE reuse type bytes for attributes and replies of any size.

Unknown items (a newer firmware's channel, a variant's extra sensor) are skipped, and
every known item in the frame is still decoded; ``decode_frame`` names what was
skipped so the glue can count and log it. Since only the pair gives the size, an
unknown item's size is inferred from the frame: the smallest size after which the rest
of the frame is a run of known items ending exactly at its last byte, or, when there
is none, the rest of the frame (the unknown item is the last one). Every known item is
thus kept, unlike with Elsys, whose one-byte type codes make such a search unreliable;
Milesight's own decoders stop at an unknown item and lose everything after it. When
the rest of the frame is longer than any value the model defines, it is no plausible
single item (several unknown items, or junk): it is dropped all the same, and reported
as truncated. A known item that runs past the end of the frame is a truncated payload
and still raises CodecError.

The one wrong guess this rule can make: the unknown item's own value bytes, from some
point to their end, spell a run of known items (a specific channel and type pair with
its exact value length) followed by the real known items. The real items after it are
still decoded correctly, and most known pairs that could appear by chance are
configuration replies that yield no reading; this small risk is accepted as the price
of keeping every known channel in frames from newer firmware.

Sources (facts only, no code taken): the payload tables in Milesight-IoT/SensorDecoders
(``<series>/<model>/README.md`` and the decoders next to them, which also list the
configuration replies), the Milesight user guides' "Device Payload" chapters, and the TTN
Device Repository (``vendor/milesight-iot/``) for the device ids and example payloads.

One item may yield several canonical keys (VS133 period counts: ``people_in`` and
``people_out``), or an invalid marker instead of its value: the item's reader returns a
Readings dict. When a frame carries the same quantity twice, the later item wins, and a
valid value and its ``<key>_invalid`` marker never come out together.

Invalid measurements (returned as ``<key>_invalid``, never as a number). Each raw value
below lies outside the sensor's measuring range, so no real reading is lost, except
where noted:

* EM310-UDL distance 0: reported when no echo comes back (beyond range); a real echo
  is never 0 mm, as the ultrasonic sensor has a blind zone in front of it;
* EM400-UDL/-TLD distance 65000 (0xFDE8): reported when the target is out of range or
  the device is tilted;
* EM500 series (EM500-UDL distance, EM500-PT100 temperature) 0xFFFF (collection
  failed) and 0xFFFD (out of range). For the PT100 these raw values read as -0.1 °C
  and -0.3 °C, which the device therefore cannot report as measurements.

These sentinel values come from summaries of the Milesight user guides (EM400: from
field reports); the README tables do not list them.

What is deliberately not turned into readings:

* channel 0xFF "attribute" items (IPSO/hardware/firmware/TSL version, power-on/device
  status, serial number, LoRaWAN class, reset event) and 0xFF/0xFE replies to
  configuration downlinks: skipped by their documented length;
* history records (type 0xCE): timestamped values from the past. A Readings dict has no
  timestamp, so passing them on would present old data as current: skipped;
* the AM3xx buzzer status (0x0E 0x01): not a measurement;
* threshold/mutation alarm flags sent with a value (EM400 0x84 0x82, EM500-PT100 0x83
  0xD7, TS101 0x83 0x67 and 0x93 0xD7, WS203 0x83 0x67): the value is current and is
  decoded; the alarm state and the mutation amount have no canonical key;
* EM310-UDL/EM400 position (tilt), EM400-TLD disassembly alarm, WS301 tamper
  (installed/uninstalled) status, and EM400 NB-IoT location: no canonical key;
* EM500-UDL distance alarm (0x83 0xE9): the README gives no unit and the vendor
  decoder divides this distance by 10 while the periodic one (0x03 0x82) is plain mm;
  rather than publish a value that may be off by a factor of ten, it is skipped;
* VS121 per-region occupancy, region counts, region-to-region flow, dwell times, the
  maximum count and the (firmware 7.0.85) line in/out item; VS133 lines 2-4, the
  "child" counts, region counts, dwell times and occlusion alarms. The canonical
  people keys name one counter each: they are given to VS133 line 1 (the line every
  installation has) and to the VS121's whole-area counts. Summing lines would count
  one person twice where lines overlap;
* VS133 "total out" and VS121 "total out": ``people_total`` is one running counter,
  and the entrance count is the one visitor statistics use;
* TVOC (channel 0x08): the canonical ``tvoc`` key is ppb, but the AM307/AM319 report
  either a unitless IAQ index (type 0x7D, uint16/100; older decoders printed the raw
  uint16) or a mass concentration in µg/m³ (type 0xE6). Neither converts to ppb without
  knowing the gas mixture, so both are skipped rather than published in the wrong unit.

Counter resets: ``people_total`` (VS133 line 1 "total in", uint32; VS121 "total in",
uint16) is the device's own cumulative counter. It goes back to 0 when it is cleared
by downlink (command 0x51 in both decoders) or on the reset schedule the installer can
set (VS133 user guide v1.2, "cumulative count reset schedule"), and the VS121's 16-bit
counter wraps after 65535. The decoder passes the raw value through and never tries
to stitch cycles together: a total_increasing sensor treats the drop as a new cycle.
The period counts (``people_in``/``people_out``) are counts since the previous report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from ..errors import CodecError
from ..quantities import INVALID_SUFFIX, Reading, Readings, invalid_key
from .model import Category, ModelInfo, readings_only
from .result import DecodeResult, FrameDecoder, Skipped

_MANUFACTURER: Final = "Milesight"

type _Convert = Callable[[bytes], Reading]
"""Turn one item's value bytes into a reading."""

type _Read = Callable[[bytes], Readings]
"""Turn one item's value bytes into readings (one or more keys, or an invalid marker)."""

type _Length = Callable[[bytes], int | None]
"""Length of a variable-size value, given the bytes from its start; None if too short.
Raises CodecError when the bytes say the value is of a kind the vendor never defined."""


@dataclass(slots=True, frozen=True)
class _Item:
    """One (channel id, channel type) pair: what it is, its value size, what it yields.

    ``keys`` lists every key ``read`` can return, invalid markers included, so a
    model's key set is known without decoding anything.
    """

    name: str
    size: int | _Length
    keys: frozenset[str] = frozenset()
    read: _Read | None = None


# --- value converters --------------------------------------------------------------------


def _uint8(value: bytes) -> int:
    return value[0]


def _uint16(value: bytes) -> int:
    return int.from_bytes(value[:2], "little")


def _int16_tenths(value: bytes) -> float:
    return int.from_bytes(value[:2], "little", signed=True) / 10


def _uint8_halves(value: bytes) -> float:
    return value[0] / 2


def _uint32(value: bytes) -> int:
    return int.from_bytes(value[:4], "little")


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


def _choice(what: str, values: Mapping[int, Reading]) -> _Convert:
    """A status byte with a documented set of values; any other value is an error."""

    def convert(value: bytes) -> Reading:
        if value[0] not in values:
            raise CodecError(f"{what} value {value[0]} is not documented")
        return values[value[0]]

    return convert


def _level(what: str, off: str, on: str) -> _Convert:
    """A 0/1 two-state sensor byte as a level (0 or 1); other values are errors."""
    as_flag = _flag(what, off, on)

    def convert(value: bytes) -> int:
        return int(as_flag(value))

    return convert


# --- item builders -----------------------------------------------------------------------


def _reading(name: str, size: int, key: str, convert: _Convert) -> _Item:
    def read(value: bytes) -> Readings:
        return {key: convert(value)}

    return _Item(name=name, size=size, keys=frozenset({key}), read=read)


def _readings(name: str, size: int, keys: Iterable[str], read: _Read) -> _Item:
    """An item whose value holds several readings."""
    return _Item(name=name, size=size, keys=frozenset(keys), read=read)


def _guarded(
    name: str, size: int, key: str, convert: _Convert, sentinels: frozenset[int]
) -> _Item:
    """A reading that the device may replace by a sentinel value.

    The sentinel is compared with the value's first two bytes (uint16 LE) and yields
    the key's invalid marker instead of a made-up number.
    """
    marker = invalid_key(key)

    def read(value: bytes) -> Readings:
        if _uint16(value) in sentinels:
            return {marker: True}
        return {key: convert(value)}

    return _Item(name=name, size=size, keys=frozenset({key, marker}), read=read)


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


def _plus_one(size: int | _Length) -> int | _Length:
    if isinstance(size, int):
        return size + 1

    def length(value: bytes) -> int | None:
        inner = size(value)
        return None if inner is None else inner + 1

    return length


def _ext_config_replies(sizes: Mapping[int, int]) -> dict[tuple[int, int], _Item]:
    """Replies to extended configuration downlinks (VS series).

    Channel 0xF9 echoes the setting; channel 0xF8 echoes it followed by a one-byte
    result code.
    """
    table: dict[tuple[int, int], _Item] = {}
    for kind, size in sizes.items():
        name = f"reply to extended config command 0x{kind:02x}"
        table[0xF9, kind] = _skip(name, size)
        table[0xF8, kind] = _skip(name, _plus_one(size))
    return table


def _history_length(what: str, sizes: Mapping[int, int]) -> _Length:
    """Length of a VS-series history record.

    A record is a timestamp (4 bytes), a data type byte, then a value whose size
    depends on the data type.
    """

    def length(value: bytes) -> int | None:
        if len(value) < 5:
            return None
        data_type = value[4]
        if data_type not in sizes:
            raise CodecError(f"{what} history data type 0x{data_type:02x} is not documented")
        return 5 + sizes[data_type]

    return length


def _vs121_serial_length(value: bytes) -> int | None:
    # The VS121 README documents a 6-byte serial number, newer units send 8 bytes. The
    # serial number is BCD digit pairs, so 0xFF never occurs inside it, while the item
    # that follows in a device-information frame starts with channel 0xFF.
    if len(value) < 6:
        return None
    if len(value) > 6 and value[6] != 0xFF and (len(value) == 8 or value[8] == 0xFF):
        return 8
    return 6


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
    # Older firmware (the TTN Device Repository's AM307/AM307L example 1) reports the
    # PIR as an activity count (uint16), as the AM100 series does: the number of PIR
    # triggers in the report period, which is what the canonical ``motion`` counts.
    (0x05, 0x6A): _reading("PIR activity", 2, "motion", _uint16),
    # Light as a level (0-5 on the display), not lux.
    (0x06, 0xCB): _reading("light level", 1, "light_level", _uint8),
    # Older firmware, AM100 layout: illuminance in lux(2) + infrared and visible(2) +
    # infrared(2) (the TTN AM307 codec's commented-out example 2); only lux is a reading.
    (0x06, 0x65): _reading("illuminance", 6, "illuminance", _uint16),
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


# --- distance sensors ---------------------------------------------------------------------

# Raw distance values that stand for "no measurement" (see the module docstring).
_EM310_NO_ECHO: Final = frozenset({0})
_EM400_OUT_OF_RANGE: Final = frozenset({65000})
# EM500 series: 0xFFFF collection failed, 0xFFFD out of range.
_EM500_NO_VALUE: Final = frozenset({0xFFFF, 0xFFFD})

_EM310_UDL_CONFIG: Final[dict[int, int | _Length]] = {0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1}
_EM310_UDL = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x82): _guarded("distance", 2, "distance", _uint16, _EM310_NO_ECHO),
        (0x04, 0x00): _skip("position (normal/tilt)", 1),
    },
    _config_replies(_EM310_UDL_CONFIG),
)

_EM400_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x13: 1, 0x1C: 2, 0x28: 1, 0x3E: 1, 0x4A: 1,
    0x56: 1, 0x70: 2, 0x71: 1,
}  # fmt: skip
# The EM400-TLD decoder knows more settings; its calibration replies (0xA5, 0xA6) echo
# the command alone, without a value.
_EM400_TLD_CONFIG: Final[dict[int, int | _Length]] = {
    **_EM400_CONFIG, 0x77: 2, 0xA1: 1, 0xA2: 2, 0xA3: 1, 0xA4: 1, 0xA5: 0, 0xA6: 0,
}  # fmt: skip
# EM400-UDL and EM400-TLD send the same items (ultrasonic and laser ranging).
_EM400_ITEMS: Final = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    _TEMPERATURE,
    {
        (0x04, 0x82): _guarded("distance", 2, "distance", _uint16, _EM400_OUT_OF_RANGE),
        (0x05, 0x00): _skip("position (normal/tilt)", 1),
        # NB-IoT variants only: longitude(4) + latitude(4) + motion status(1).
        (0x06, 0x88): _skip("location", 9),
        # Threshold alarm packets: the current value plus an alarm status byte.
        (0x83, 0x67): _reading("temperature with alarm", 3, "temperature", _int16_tenths),
        (0x84, 0x82): _guarded(
            "distance with alarm", 3, "distance", _uint16, _EM400_OUT_OF_RANGE
        ),
    },
)
_EM400_UDL = _merge(_EM400_ITEMS, _config_replies(_EM400_CONFIG))
_EM400_TLD = _merge(
    _EM400_ITEMS,
    {(0x88, 0x00): _skip("disassembly alarm", 1)},
    _config_replies(_EM400_TLD_CONFIG),
)

# EM500-UDL and EM500-PT100 answer the same configuration commands.
_EM500_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x11: 4, 0x17: 2, 0x1C: 2, 0x27: 1, 0x28: 1,
    0x35: 8, 0x3B: 1, 0x4A: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x84: 1, 0x96: 8, 0xF1: 4,
    0xF2: 2, 0xF5: 1,
}  # fmt: skip
_EM500_UDL = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x82): _guarded("distance", 2, "distance", _uint16, _EM500_NO_VALUE),
        # distance(2) + distance change(2) + alarm type(1); unit unclear (module doc).
        (0x83, 0xE9): _skip("distance alarm", 5),
        # timestamp(4) + distance(2)
        (0x20, 0xCE): _skip("history record", 6),
    },
    _config_replies(_EM500_CONFIG),
)


# --- temperature probes ---------------------------------------------------------------------

_EM500_PT100 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x67): _guarded(
            "PT100 temperature", 2, "external_temperature", _int16_tenths, _EM500_NO_VALUE
        ),
        # temperature(2) + temperature change(2) + alarm type(1)
        (0x83, 0xD7): _guarded(
            "PT100 temperature with alarm",
            5,
            "external_temperature",
            _int16_tenths,
            _EM500_NO_VALUE,
        ),
        # rate(1) + range max(2) + range min(2) of the measuring equipment.
        (0xFF, 0x1B): _skip("measuring equipment", 5),
        # timestamp(4) + temperature(2)
        (0x20, 0xCE): _skip("history record", 6),
    },
    _config_replies(_EM500_CONFIG),
)

_TS101_CONFIG: Final[dict[int, int | _Length]] = {
    0x02: 2, 0x03: 2, 0x06: 9, 0x10: 1, 0x17: 2, 0x27: 1, 0x28: 1, 0x4A: 1, 0x68: 1,
    0x69: 1, 0x6A: 3, 0xAB: 3,
}  # fmt: skip
# The TS101 is an insertion probe: its temperature is the medium's, not the air's.
_TS101 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _BATTERY,
    {
        (0x03, 0x67): _reading(
            "probe temperature", 2, "external_temperature", _int16_tenths
        ),
        # temperature(2) + alarm type(1)
        (0x83, 0x67): _reading(
            "probe temperature with alarm", 3, "external_temperature", _int16_tenths
        ),
        # temperature(2) + temperature change(2) + alarm type(1)
        (0x93, 0xD7): _reading(
            "probe temperature with mutation alarm",
            5,
            "external_temperature",
            _int16_tenths,
        ),
        # timestamp(4) + temperature(2)
        (0x20, 0xCE): _skip("history record", 6),
    },
    _config_replies(_TS101_CONFIG),
)


# --- people counting ------------------------------------------------------------------------


def _people_present(value: bytes) -> Readings:
    # people in the whole area(1) + region count(1) + occupied-region bit mask(2)
    return {"people_count": value[0], "occupancy": value[0] > 0}


def _period_in_out(value: bytes) -> Readings:
    return {"people_in": _uint16(value[:2]), "people_out": _uint16(value[2:4])}


def _total_in(value: bytes) -> Readings:
    # total in(2) + total out(2); only the entrance counter is kept (module doc).
    return {"people_total": _uint16(value[:2])}


_VS_FIRMWARE: Final = {(0xFF, 0x1F): _skip("firmware version", 4)}

_VS121_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 3, 0x04: 1, 0x05: 3, 0x10: 1, 0x11: 4, 0x35: 8, 0x40: 1, 0x41: 1, 0x42: 1,
    0x43: 1, 0x44: 1, 0x45: 1, 0x46: 3, 0x48: 1, 0x50: 1, 0x51: 1, 0x69: 1, 0x6A: 3,
    0x84: 1,
}  # fmt: skip
_VS121_EXT_CONFIG: Final[dict[int, int]] = {
    0x10: 1, 0x11: 1, 0x3D: 1, 0x85: 2, 0x86: 1, 0x87: 1, 0x88: 2, 0x89: 2, 0x8B: 1,
    0x8C: 1, 0x8D: 4, 0x8E: 4, 0x90: 6, 0x91: 5, 0x92: 3, 0x93: 1, 0x94: 1, 0x95: 6,
    0x96: 3, 0x97: 2, 0x98: 1, 0x99: 7, 0xB7: 3, 0xBA: 1, 0xCD: 1, 0xCF: 1, 0xD0: 1,
    0xD1: 1, 0xD2: 1, 0xD3: 1, 0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 7, 0xD8: 1, 0xDC: 1,
    0xDD: 1,
}  # fmt: skip
# History data types and their value sizes, per the VS121 decoder.
_VS121_HISTORY: Final[dict[int, int]] = {
    0x01: 4, 0x02: 4, 0x03: 1, **dict.fromkeys(range(0x04, 0x11), 4), 0x11: 5, 0x12: 4,
}  # fmt: skip
_VS121 = _merge(
    _ATTRIBUTES,
    _VS_FIRMWARE,
    {
        (0xFF, 0x08): _skip("serial number", _vs121_serial_length),
        (0x04, 0xC9): _readings(
            "people count", 4, ("people_count", "occupancy"), _people_present
        ),
        (0x05, 0xCC): _readings(
            "people in/out", 4, ("people_in", "people_out"), _period_in_out
        ),
        (0x0D, 0xCC): _readings("people total in/out", 4, ("people_total",), _total_in),
        (0x06, 0xCD): _skip("maximum people count", 1),
        (0x07, 0xD5): _skip("region counts 1-8", 8),
        (0x08, 0xD5): _skip("region counts 9-16", 8),
        (0x09, 0xDA): _skip("flow from A", 8),
        (0x0A, 0xDA): _skip("flow from B", 8),
        (0x0B, 0xDA): _skip("flow from C", 8),
        (0x0C, 0xDA): _skip("flow from D", 8),
        (0x0E, 0xE4): _skip("dwell time", 5),
        (0x0F, 0x85): _skip("timestamp", 4),
        (0x10, 0xF7): _skip("line in/out", 4),
        (0x20, 0xCE): _skip(
            "history record", _history_length("VS121", _VS121_HISTORY)
        ),
    },
    _config_replies(_VS121_CONFIG),
    _ext_config_replies(_VS121_EXT_CONFIG),
)

_VS133_CONFIG: Final[dict[int, int | _Length]] = {
    0x03: 2, 0x04: 1, 0x10: 1, 0x11: 4, 0x27: 1, 0x40: 1, 0x42: 1, 0x43: 1, 0x44: 1,
    0x51: 1, 0x68: 1, 0x69: 1, 0x6A: 3, 0x6D: 1,
}  # fmt: skip
_VS133_EXT_CONFIG: Final[dict[int, int]] = {0x84: 3, 0x85: 2, 0x86: 1, 0x87: 1, 0x88: 2}
# History data types: totals, period counts and region counts carry 4 value bytes,
# dwell times (region(1) + seconds(2)) carry 3.
_VS133_HISTORY: Final[dict[int, int]] = {
    **dict.fromkeys(range(0x03, 0x10), 4),
    **dict.fromkeys(range(0x11, 0x1E), 4),
    0x10: 3, 0x20: 3, 0x1E: 3, 0x3C: 3,
}  # fmt: skip


def _vs133_lines() -> dict[tuple[int, int], _Item]:
    # Each of the four lines has a total-in, a total-out and a period channel, three
    # channel ids apart; the "child" counts repeat the pattern from channel 0x11.
    table: dict[tuple[int, int], _Item] = {}
    for line in range(4):
        for base, child in ((0x03, ""), (0x11, "child ")):
            first = base + 3 * line
            table[first, 0xD2] = _skip(f"line {line + 1} {child}total in", 4)
            table[first + 1, 0xD2] = _skip(f"line {line + 1} {child}total out", 4)
            table[first + 2, 0xCC] = _skip(f"line {line + 1} {child}period in/out", 4)
    return table


# Line 1 carries the canonical people keys; everything else is skipped (module doc).
_VS133_LINE_1: Final = {
    (0x03, 0xD2): _reading("line 1 total in", 4, "people_total", _uint32),
    (0x05, 0xCC): _readings(
        "line 1 period in/out", 4, ("people_in", "people_out"), _period_in_out
    ),
}
_VS133 = _merge(
    _ATTRIBUTES,
    _SERIAL_8,
    _VS_FIRMWARE,
    _VS133_LINE_1,
    {pair: item for pair, item in _vs133_lines().items() if pair not in _VS133_LINE_1},
    {
        (0x0F, 0xE3): _skip("region counts", 4),
        (0x1D, 0xE3): _skip("child region counts", 4),
        (0x10, 0xE4): _skip("dwell time", 5),
        (0x1E, 0xE4): _skip("child dwell time", 5),
        (0x50, 0xFC): _skip("occlusion alarm", 3),
        (0x20, 0xCE): _skip(
            "history record", _history_length("VS133", _VS133_HISTORY)
        ),
    },
    _config_replies(_VS133_CONFIG),
    _ext_config_replies(_VS133_EXT_CONFIG),
)


# --- door contact and button ------------------------------------------------------------------

_WS301 = _merge(
    _ATTRIBUTES,
    _SERIAL_6,
    _BATTERY,
    {
        (0x03, 0x00): _reading(
            "magnet status", 1, "door_open", _flag("magnet status", "close", "open")
        ),
        (0x04, 0x00): _skip("tamper status", 1),
    },
    _config_replies({0x03: 2, 0x10: 1, 0x28: 1}),
)

_WS101_PRESS: Final[dict[int, Reading]] = {1: "press", 2: "long_press", 3: "double_press"}
_WS101 = _merge(
    _ATTRIBUTES,
    _SERIAL_6,
    _BATTERY,
    {
        (0xFF, 0x2E): _reading(
            "button press", 1, "button", _choice("button press", _WS101_PRESS)
        ),
    },
    _config_replies({0x03: 2, 0x10: 1, 0x28: 1, 0x2F: 1, 0x3E: 1, 0x74: 1}),
)


# --- decoding -------------------------------------------------------------------------------


def _check_port(name: str, f_port: int) -> None:
    # Milesight sends on application port 85 by default, but the port is a device setting
    # (the TTN Device Repository's EM300-TH example uses fPort 1), so any application
    # port is accepted. Port 0 carries only MAC commands and 224-255 are reserved by
    # LoRaWAN: nothing there is a Milesight payload.
    if not 1 <= f_port <= 223:
        raise CodecError(f"{name}: fPort {f_port} is not an application port (1-223)")


def _item_size(
    name: str, item: _Item, payload: bytes, offset: int
) -> int:
    """The value size of a known item at ``offset``; CodecError if it runs past the end."""
    start = offset + 2
    try:
        size = item.size if isinstance(item.size, int) else item.size(payload[start:])
    except CodecError as err:
        raise CodecError(f"{name}: {err} at byte {offset}") from None
    if size is None or start + size > len(payload):
        raise CodecError(
            f"{name}: truncated {item.name} (channel 0x{payload[offset]:02x} "
            f"type 0x{payload[offset + 1]:02x}) at byte {offset}"
        )
    return size


def _known_to_the_end(
    name: str, items: Mapping[tuple[int, int], _Item], payload: bytes, offset: int
) -> bool:
    """Whether ``payload[offset:]`` is a run of known items that ends with the frame."""
    while offset < len(payload):
        if offset + 2 > len(payload):
            return False
        item = items.get((payload[offset], payload[offset + 1]))
        if item is None:
            return False
        try:
            size = _item_size(name, item, payload, offset)
            if item.read is not None:
                item.read(payload[offset + 2 : offset + 2 + size])
        except CodecError:
            return False
        offset += 2 + size
    return True


def _unknown_size(
    name: str, items: Mapping[tuple[int, int], _Item], payload: bytes, offset: int
) -> int:
    """The value size of the unknown item at ``offset``, inferred from what follows it.

    Only the (channel, type) pair gives a value's size. A size fits when the rest of
    the frame after it is a run of known items ending exactly at the frame's last
    byte. Every item boundary after the unknown item fits, so the smallest fitting
    size is the one where the known items start; when none fits, the unknown item is
    the last one and takes the remaining bytes. The rest after this size is all known,
    so a frame needs this search at most once.
    """
    start = offset + 2
    remaining = len(payload) - start
    for size in range(remaining):
        if _known_to_the_end(name, items, payload, start + size):
            return size
    return remaining


def _longest_value(items: Mapping[tuple[int, int], _Item]) -> int:
    """The longest fixed value size among a model's items."""
    return max(item.size for item in items.values() if isinstance(item.size, int))


def _decode(
    name: str, items: Mapping[tuple[int, int], _Item], f_port: int, raw: bytes
) -> DecodeResult:
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"{name}: fPort must be an integer, not {f_port!r}")
    _check_port(name, f_port)
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise CodecError(f"{name}: payload must be bytes, not {type(raw).__name__}")
    payload = bytes(raw)
    if not payload:
        raise CodecError(f"{name}: empty payload")
    readings: Readings = {}
    skipped: list[Skipped] = []
    offset = 0
    while offset < len(payload):
        if offset + 2 > len(payload):
            raise CodecError(f"{name}: truncated item header at byte {offset}")
        channel, kind = payload[offset], payload[offset + 1]
        item = items.get((channel, kind))
        if item is None:
            # Skipped, not rejected: the items around it are good (module doc).
            what = f"channel 0x{channel:02x} type 0x{kind:02x}"
            size = _unknown_size(name, items, payload, offset)
            # Taking the rest of the frame is a guess when that is longer than any value
            # this model defines: it may be several unknown items, or junk. The result
            # is the same (the rest is dropped), and it is reported as a truncation.
            rest = offset + 2 + size == len(payload)
            truncated = rest and size > _longest_value(items)
            skipped.append(Skipped(what, offset, truncated=truncated))
            offset += 2 + size
            continue
        size = _item_size(name, item, payload, offset)
        start = offset + 2
        if item.read is not None:
            try:
                _merge_readings(readings, item.read(payload[start : start + size]))
            except CodecError as err:
                raise CodecError(f"{name}: {err}") from None
        offset = start + size
    return DecodeResult(readings, tuple(skipped))


def _merge_readings(readings: Readings, new: Readings) -> None:
    # The later item about a quantity wins, whether it is a value or an invalid marker;
    # the two never stand side by side.
    for key, value in new.items():
        readings.pop(invalid_key(key), None)
        if key.endswith(INVALID_SUFFIX):
            readings.pop(key.removesuffix(INVALID_SUFFIX), None)
        readings[key] = value


def _decoder(name: str, items: Mapping[tuple[int, int], _Item]) -> FrameDecoder:
    def decode(f_port: int, payload: bytes) -> DecodeResult:
        return _decode(name, items, f_port, payload)

    decode.__name__ = decode.__qualname__ = f"decode_{name.lower().replace('-', '_')}"
    return decode


def _model(
    model_id: str, name: str, category: Category, items: Mapping[tuple[int, int], _Item]
) -> ModelInfo:
    frame_decoder = _decoder(name, items)
    return ModelInfo(
        model_id=model_id,
        manufacturer=_MANUFACTURER,
        name=name,
        category=category,
        keys=frozenset().union(*(item.keys for item in items.values())),
        decoder=readings_only(frame_decoder),
        frame_decoder=frame_decoder,
    )


# Model ids: TTN Device Repository vendor "milesight-iot" (shortened to "milesight") and
# its device ids am103, am103l, am307, am307l, am319, em300-th, em310-udl, em400-tld,
# em400-udl, em500-pt100, em500-udl, ts101, vs121, vs133, ws101, ws202, ws203, ws301.
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
        _model("milesight_em310_udl", "EM310-UDL", Category.DISTANCE, _EM310_UDL),
        _model("milesight_em400_udl", "EM400-UDL", Category.DISTANCE, _EM400_UDL),
        _model("milesight_em400_tld", "EM400-TLD", Category.DISTANCE, _EM400_TLD),
        _model("milesight_em500_udl", "EM500-UDL", Category.DISTANCE, _EM500_UDL),
        _model(
            "milesight_em500_pt100",
            "EM500-PT100",
            Category.TEMPERATURE_PROBE,
            _EM500_PT100,
        ),
        _model("milesight_ts101", "TS101", Category.TEMPERATURE_PROBE, _TS101),
        _model("milesight_vs121", "VS121", Category.PEOPLE_COUNTER, _VS121),
        _model("milesight_vs133", "VS133", Category.PEOPLE_COUNTER, _VS133),
        _model("milesight_ws301", "WS301", Category.DOOR, _WS301),
        _model("milesight_ws101", "WS101", Category.BUTTON, _WS101),
    )
}
"""Supported Milesight models keyed by model id."""
