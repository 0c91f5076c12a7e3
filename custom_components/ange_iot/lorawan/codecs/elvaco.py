"""Elvaco CMi4110, CMi4140 and CMi4160: LoRaWAN modules that read a meter over M-Bus.

Every uplink (fPort 2) is one message-format byte followed, in every format but JSON,
by M-Bus data records as EN 13757-3 defines them: a DIF (data field coding, function,
storage number) with optional DIFEs, a VIF with optional VIFEs, then the data. The DIF
alone fixes the data length (or, for variable length, the LVAR byte after the VIF), so
a small record walker skips every record it does not need, whatever the format, and
stops with a CodecError when a record runs past the end of the payload.

A few codings give no length this walker can trust: special DIFs other than idle
filler and manufacturer data, the plain-text VIF and reserved LVAR values. Such a
record is where decoding stops, as for an unknown Elsys type code: the records before
it are used, and ``decode_frame`` reports the rest of the frame as a truncated skip,
rather than rejecting a frame whose volume record (normally the first) was read.

Only the volume register becomes a reading: the record with a plain volume VIF
(0x10-0x17, m³ x 10^(n-6); 0x13 is litres), storage number 0, tariff 0, subunit 0 and
function "instantaneous". Integers are signed little-endian, BCD may carry a 0xF sign
nibble, and the value is scaled once from the integer so it stays exact to the litre.

What is deliberately not turned into readings:

* energy (heat, cooling, tariffs), power, flow and forward/return temperatures of the
  heat meters behind CMi4110/CMi4140/CMi4160: quantities.py has no canonical key for
  energy, power or heat-meter temperatures, and on this project the modules sit on
  water meters;
* flow (VIF 0x38-0x3F): it has a canonical key, but these modules are read here for
  the billing register only, and an instantaneous flow sampled once an hour says
  little; it is not published;
* volume records with VIF extensions (e.g. backward-flow volume), storage numbers
  above 0 (logged values such as the daily values of the scheduled formats), tariffs,
  subunits, minimum/maximum values: none of them is the current register;
* a volume record whose function is "value during error state" gives
  ``volume_invalid`` (when no normal volume record is present), so the meter's own
  error flag is not turned into a billing value;
* the "error flags"/"info bits" record (VIF 0xFD 0x17) is skipped. Elvaco documents it
  only as "error and warning flags ... please refer to the meter's manual": the bits
  belong to the host meter (Landis+Gyr, Kamstrup, Diehl ...) and are not the same
  across meters or firmware, so no bit maps cleanly onto the meter_alarm_* keys (the
  Landis+Gyr UH50 flags behind CMi4110, for one, are sensor and electronics faults
  F0-F9, none of them a leak, burst, backflow or tamper alarm);
* meter ID, fabrication number, date/time and manufacturer-specific records.

Message formats per module (the first byte); JSON and any format not listed are
rejected with a CodecError naming the format:

* CMi4110: 0x00 Standard, 0x01 Compact, 0x03 Scheduled-daily redundant,
  0x04 Scheduled-extended (0x02 JSON);
* CMi4140: 0x15 Standard, 0x16 Compact, 0x18 Scheduled-daily redundant,
  0x19 Scheduled-extended, 0x1A Combined heat/cooling (0x17 JSON, 0x1B Heat
  Intelligence not supported);
* CMi4160: 0x1E Standard, 0x1F Compact, 0x21 Scheduled-daily redundant,
  0x22 Scheduled-extended, 0x23 Combined heat/cooling (0x20 JSON).

Sources (facts only, no code taken): the Elvaco user manuals (CMi4110 v1.3 table 5,
CMi4140 v1.1 tables 5-6, CMi4160 v1.3 table 4: message formats and DIF/VIF payload
tables); EN 13757-3 for DIF, DIFE, VIF, VIFE and LVAR coding; ZennerIoT/element-parsers
``lib/elvaco_cmi4110.ex`` for the UH50 error-flag bits; the TTN Device Repository
``vendor/elvaco/`` for the device ids and example uplinks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import math
import struct
from typing import Final

from ..errors import CodecError
from ..quantities import invalid_key
from .model import Category, ModelInfo, by_model_id, readings_only
from .result import DecodeResult, FrameDecoder, Skipped

_MANUFACTURER: Final = "Elvaco"
_DATA_PORT: Final = 2

_EXTENSION: Final = 0x80
_MAX_EXTENSIONS: Final = 10
"""EN 13757-3 allows at most ten DIFEs and ten VIFEs per record."""

# Data field (low nibble of the DIF) -> data length in bytes, for fixed-length codings.
_LENGTHS: Final[dict[int, int]] = {
    0x0: 0,  # no data
    0x1: 1,  # 8-bit integer
    0x2: 2,  # 16-bit integer
    0x3: 3,  # 24-bit integer
    0x4: 4,  # 32-bit integer
    0x5: 4,  # 32-bit real
    0x6: 6,  # 48-bit integer
    0x7: 8,  # 64-bit integer
    0x8: 0,  # selection for readout
    0x9: 1,  # 2-digit BCD
    0xA: 2,  # 4-digit BCD
    0xB: 3,  # 6-digit BCD
    0xC: 4,  # 8-digit BCD
    0xE: 6,  # 12-digit BCD
}
_INTEGERS: Final = frozenset({0x1, 0x2, 0x3, 0x4, 0x6, 0x7})
_BCD: Final = frozenset({0x9, 0xA, 0xB, 0xC, 0xE})
_REAL: Final = 0x5
_VARIABLE: Final = 0xD

_MANUFACTURER_DATA: Final = frozenset({0x0F, 0x1F})
"""Special DIFs: the rest of the payload is manufacturer-specific data."""
_IDLE_FILLER: Final = 0x2F

_PLAIN_TEXT_VIF: Final = 0x7C

_INSTANTANEOUS: Final = 0b00
_ERROR_STATE: Final = 0b11


@dataclass(slots=True, frozen=True)
class _Record:
    """One M-Bus data record: where it starts, its coding and its raw data."""

    offset: int
    data_field: int
    function: int
    storage: int
    tariff: int
    subunit: int
    vifs: tuple[int, ...]
    data: bytes


class _Unreadable(CodecError):
    """A record whose length cannot be known: decoding stops before it."""

    def __init__(self, item: str, offset: int) -> None:
        super().__init__(f"Elvaco: {item} at byte {offset}")
        self.item = item
        self.offset = offset


def _variable_length(lvar: int, offset: int) -> int:
    # EN 13757-3 LVAR: text, positive/negative BCD, binary or real of a given size.
    if lvar <= 0xBF:
        return lvar
    if 0xC0 <= lvar <= 0xC9:
        return lvar - 0xC0
    if 0xD0 <= lvar <= 0xD9:
        return lvar - 0xD0
    if 0xE0 <= lvar <= 0xEF:
        return lvar - 0xE0
    if 0xF0 <= lvar <= 0xFA:
        return lvar - 0xF0
    raise _Unreadable(f"reserved LVAR 0x{lvar:02X}", offset)


def _byte(payload: bytes, pos: int, offset: int, what: str) -> int:
    if pos >= len(payload):
        raise CodecError(f"Elvaco: record at byte {offset} is truncated: no {what}")
    return payload[pos]


def _records(payload: bytes, pos: int) -> Iterator[_Record]:
    """Walk the M-Bus data records from ``pos`` to the end of ``payload``."""
    while pos < len(payload):
        offset = pos
        dif = payload[pos]
        pos += 1
        if dif == _IDLE_FILLER:
            continue
        if dif in _MANUFACTURER_DATA:
            return
        data_field = dif & 0x0F
        if data_field == 0x0F:
            raise _Unreadable(f"special DIF 0x{dif:02X}", offset)

        storage = (dif >> 6) & 0x01
        tariff = 0
        subunit = 0
        extension = dif
        for index in range(_MAX_EXTENSIONS + 1):
            if not extension & _EXTENSION:
                break
            if index == _MAX_EXTENSIONS:
                raise CodecError(f"Elvaco: more than {_MAX_EXTENSIONS} DIFEs at byte {offset}")
            extension = _byte(payload, pos, offset, "DIFE")
            pos += 1
            storage |= (extension & 0x0F) << (1 + 4 * index)
            tariff |= ((extension >> 4) & 0x03) << (2 * index)
            subunit |= ((extension >> 6) & 0x01) << index

        vifs = [_byte(payload, pos, offset, "VIF")]
        pos += 1
        if vifs[0] & 0x7F == _PLAIN_TEXT_VIF:
            raise _Unreadable(f"plain-text VIF 0x{vifs[0]:02X}", offset)
        while vifs[-1] & _EXTENSION:
            if len(vifs) > _MAX_EXTENSIONS:
                raise CodecError(f"Elvaco: more than {_MAX_EXTENSIONS} VIFEs at byte {offset}")
            vifs.append(_byte(payload, pos, offset, "VIFE"))
            pos += 1

        if data_field == _VARIABLE:
            length = _variable_length(_byte(payload, pos, offset, "LVAR"), offset)
            pos += 1
        else:
            length = _LENGTHS[data_field]
        end = pos + length
        if end > len(payload):
            raise CodecError(
                f"Elvaco: record at byte {offset} needs {length} data bytes, "
                f"only {len(payload) - pos} left"
            )
        yield _Record(
            offset=offset,
            data_field=data_field,
            function=(dif >> 4) & 0x03,
            storage=storage,
            tariff=tariff,
            subunit=subunit,
            vifs=tuple(vifs),
            data=payload[pos:end],
        )
        pos = end


def _bcd(data: bytes, offset: int) -> int:
    digits = [nibble for byte in reversed(data) for nibble in (byte >> 4, byte & 0x0F)]
    sign = 1
    if digits[0] == 0x0F:
        # EN 13757-3: an F in the most significant digit marks a negative number.
        sign = -1
        digits[0] = 0
    if any(digit > 9 for digit in digits):
        raise CodecError(f"Elvaco: invalid BCD {data[::-1].hex().upper()} at byte {offset}")
    value = 0
    for digit in digits:
        value = value * 10 + digit
    return sign * value


def _scaled(raw: int, exponent: int) -> float:
    # One division of the exact integer gives the float nearest the decimal value.
    power: int = 10 ** abs(exponent)
    if exponent < 0:
        return raw / power
    return float(raw * power)


def _volume_m3(record: _Record) -> float:
    exponent = (record.vifs[0] & 0x07) - 6
    if record.data_field in _INTEGERS:
        return _scaled(int.from_bytes(record.data, "little", signed=True), exponent)
    if record.data_field in _BCD:
        return _scaled(_bcd(record.data, record.offset), exponent)
    if record.data_field == _REAL:
        real = float(struct.unpack("<f", record.data)[0])
        if not math.isfinite(real):
            raise CodecError(f"Elvaco: volume at byte {record.offset} is not a number")
        return real * 10.0**exponent
    raise CodecError(
        f"Elvaco: volume at byte {record.offset} uses data field 0x{record.data_field:X}, "
        "which holds no number"
    )


def _is_current_volume(record: _Record) -> bool:
    # A plain volume VIF without extensions; VIFEs change the meaning (backward flow,
    # per time unit, ...) and the register must be the present one, not a logged value.
    return (
        len(record.vifs) == 1
        and 0x10 <= record.vifs[0] <= 0x17
        and record.storage == 0
        and record.tariff == 0
        and record.subunit == 0
    )


def _readings(payload: bytes) -> DecodeResult:
    volumes: list[float] = []
    error_state = False
    skipped: tuple[Skipped, ...] = ()
    try:
        for record in _records(payload, 1):
            if not _is_current_volume(record):
                continue
            if record.function == _INSTANTANEOUS:
                volumes.append(_volume_m3(record))
            elif record.function == _ERROR_STATE:
                error_state = True
    except _Unreadable as err:
        # Its length is unknown: the records before it stand (module doc).
        skipped = (Skipped(err.item, err.offset, truncated=True),)
    if len(set(volumes)) > 1:
        raise CodecError(f"Elvaco: conflicting volume records {volumes}")
    if volumes:
        return DecodeResult({"volume": volumes[0]}, skipped)
    if error_state:
        return DecodeResult({invalid_key("volume"): True}, skipped)
    return DecodeResult({}, skipped)


@dataclass(slots=True, frozen=True)
class _Module:
    """One Elvaco module: its name and which message formats are M-Bus records."""

    name: str
    formats: dict[int, str]
    unsupported: dict[int, str]


def _module_decoder(module: _Module) -> FrameDecoder:
    def decode(f_port: int, payload: bytes) -> DecodeResult:
        if isinstance(f_port, bool) or not isinstance(f_port, int):
            raise CodecError(f"Elvaco: fPort must be an integer, not {f_port!r}")
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise CodecError(f"Elvaco: payload must be bytes, not {type(payload).__name__}")
        if f_port != _DATA_PORT:
            raise CodecError(f"Elvaco {module.name} sends on fPort {_DATA_PORT}, not {f_port}")
        data = bytes(payload)
        if not data:
            raise CodecError(f"Elvaco {module.name}: empty payload")
        message_format = data[0]
        if message_format in module.unsupported:
            raise CodecError(
                f"Elvaco {module.name}: message format 0x{message_format:02X} "
                f"({module.unsupported[message_format]}) is not supported"
            )
        if message_format not in module.formats:
            raise CodecError(f"Elvaco {module.name}: unknown message format 0x{message_format:02X}")
        return _readings(data)

    return decode


_KEYS: Final = frozenset({"volume", invalid_key("volume")})

# device id in vendor/elvaco/ of the TTN Device Repository -> module
_MODULES: Final[dict[str, _Module]] = {
    "cmi4110": _Module(
        name="CMi4110",
        formats={
            0x00: "Standard",
            0x01: "Compact",
            0x03: "Scheduled-daily redundant",
            0x04: "Scheduled-extended",
        },
        unsupported={0x02: "JSON"},
    ),
    "cmi4140": _Module(
        name="CMi4140",
        formats={
            0x15: "Standard",
            0x16: "Compact",
            0x18: "Scheduled-daily redundant",
            0x19: "Scheduled-extended",
            0x1A: "Combined heat/cooling",
        },
        unsupported={0x17: "JSON", 0x1B: "Heat Intelligence"},
    ),
    "cmi4160": _Module(
        name="CMi4160",
        formats={
            0x1E: "Standard",
            0x1F: "Compact",
            0x21: "Scheduled-daily redundant",
            0x22: "Scheduled-extended",
            0x23: "Combined heat/cooling",
        },
        unsupported={0x20: "JSON"},
    ),
}


MODELS: Final[dict[str, ModelInfo]] = by_model_id(
    ModelInfo.of(
        "elvaco",
        device_id,
        manufacturer=_MANUFACTURER,
        name=module.name,
        category=Category.WATER_METER,
        keys=_KEYS,
        decoder=readings_only(frame_decoder),
        frame_decoder=frame_decoder,
    )
    for device_id, module in _MODULES.items()
    for frame_decoder in (_module_decoder(module),)
)
"""Every Elvaco model, keyed by model id."""
