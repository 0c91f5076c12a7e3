"""Axioma Qalcosonic W1 ultrasonic water meter (LoRaWAN).

The meter sends three kinds of frame on fPort 100, told apart only by their length;
multi-byte numbers are little-endian and volumes are whole litres:

* short, 9 bytes: meter time (uint32, Unix), status byte, current volume (uint32 L);
* extended ("Lora Payload (Long) Extended"), 47 bytes: the same 9 bytes, then a log
  time, the volume at that log time and 15 hourly delta volumes (uint16 L). A firmware
  variant puts a water temperature (uint16) after the current volume and carries 14
  deltas instead, so its first 9 bytes are laid out the same way;
* enhanced 24-hour, 51 bytes: frame version 0x01, meter time, status byte, the volume
  logged at 01:00 the day before and 23 packed 14-bit hourly deltas. It carries no
  current volume.

Only the current volume register and the status byte are read. The log volumes and
hourly deltas describe past hours; a Readings dict has no timestamp, so passing them on
as ``volume`` would present an old register value as the current one, and the meter
register would appear to run backwards (a meter reset to Home Assistant's statistics)
whenever a 24-hour frame followed a short or extended one. The enhanced 24-hour frame
therefore yields the status only, never a volume. Any other length on fPort 100 is
rejected: a guessed layout could put a wrong number on a water bill.

The status byte (the same in every fPort 100 frame):

* bit 2 (0x04) power low -> ``battery_low``; bit 3 (0x08) permanent error and bit 4
  (0x10) temporary error have no canonical key of their own;
* bits 7-5 name the condition: 001 (0x20) leakage, 011 (0x60) backflow, 100 (0x80)
  freeze / low temperature, 101 (0xA0) burst, 110 (0xC0) manipulation. With none of
  them and bit 4 set, the temporary error is a dry (empty) pipe;
* freeze has no canonical key and is dropped. 010 and 111 are not documented: the five
  condition alarms are then left out rather than guessed, while ``battery_low`` is
  still given.

fPort 103 carries a 5-byte alarm frame (meter time + alarm byte). Published decoders
disagree on its bit layout (one reads it like the status byte above, others as a
separate bitmap: 0x01 leakage, 0x02 burst, 0x04 freeze, 0x08 tamper, 0x10 no
consumption, 0x20 backflow), so it yields no readings; the next fPort 100 frame carries
the status. fPort 101 answers configuration requests and holds no measurements.

Sources (facts only, no code taken): Axioma Metering "Ultrasonic water meter Qalcosonic
W1, Lora Payload (Long) Extended" (V01.7/V01.8, D. Matulis) and "W1 F1 V2.0" payload
documents, as used by the decoders in ZennerIoT/element-parsers
(``lib/axioma_qalcosonic.ex``, written to the V01.7 PDF), diwise/iot-agent
(``internal/pkg/application/decoders/qalcosonic``), tago-io/decoders
(``decoders/connector/axioma/water-meter-qalcosonic-w1``) and the Node-RED decoder of
gist Alkarex/4b5d1fef2ff84d483e2793ed009ef607 (status values 0x10 dry, 0x30 leakage,
0x70 backflow, 0x90 low temperature, 0xB0 burst, 0xD0 manipulation); the TTN Device
Repository ``vendor/axioma/`` for the device id and the 24-hour frame
(``qalcosonic-w1-codec.yaml``).
"""

from __future__ import annotations

from typing import Final

from ..errors import CodecError
from ..quantities import Readings
from .model import Category, Decoder, ModelInfo

_MANUFACTURER: Final = "Axioma"
_MODEL_ID: Final = "axioma_qalcosonic_w1"

_DATA_PORT: Final = 100
_CONFIG_PORT: Final = 101
_ALARM_PORT: Final = 103

_SHORT: Final = 9
_EXTENDED: Final = 47
_ENHANCED_24H: Final = 51
_ALARM: Final = 5

_ENHANCED_VERSION: Final = 0x01
"""The only frame version of the 24-hour frame that is documented."""

_POWER_LOW: Final = 0x04
_TEMPORARY_ERROR: Final = 0x10

# Bits 7-5 of the status byte -> which condition alarm they raise. None marks a
# documented code that raises no alarm with a canonical key (none, freeze).
_CONDITIONS: Final[dict[int, str | None]] = {
    0b000: None,
    0b001: "meter_alarm_leak",
    0b011: "meter_alarm_backflow",
    0b100: None,
    0b101: "meter_alarm_burst",
    0b110: "meter_alarm_tamper",
}
_CONDITION_KEYS: Final = (
    "meter_alarm_leak",
    "meter_alarm_burst",
    "meter_alarm_backflow",
    "meter_alarm_tamper",
    "meter_alarm_dry",
)

KEYS: Final = frozenset({"volume", "battery_low", *_CONDITION_KEYS})


def _status(status: int) -> Readings:
    readings: Readings = {"battery_low": bool(status & _POWER_LOW)}
    code = status >> 5
    if code not in _CONDITIONS:
        return readings
    raised = _CONDITIONS[code]
    for key in _CONDITION_KEYS:
        readings[key] = key == raised
    readings["meter_alarm_dry"] = code == 0 and bool(status & _TEMPORARY_ERROR)
    return readings


def _litres_to_m3(raw: bytes) -> float:
    # Integer litres divided once: the nearest float to the exact decimal, so the
    # register reads back to the litre.
    return int.from_bytes(raw, "little") / 1000


def _data_frame(payload: bytes) -> Readings:
    size = len(payload)
    if size in (_SHORT, _EXTENDED):
        readings = _status(payload[4])
        readings["volume"] = _litres_to_m3(payload[5:9])
        return readings
    if size == _ENHANCED_24H:
        if payload[0] != _ENHANCED_VERSION:
            raise CodecError(
                f"Axioma W1: 24-hour frame version 0x{payload[0]:02X} is not documented"
            )
        return _status(payload[5])
    raise CodecError(
        f"Axioma W1: no documented fPort {_DATA_PORT} frame is {size} bytes long "
        f"(short {_SHORT}, extended {_EXTENDED}, 24-hour {_ENHANCED_24H})"
    )


def decode_payload(f_port: int, payload: bytes) -> Readings:
    """Decode one Qalcosonic W1 uplink. Raises CodecError, and nothing else."""
    if isinstance(f_port, bool) or not isinstance(f_port, int):
        raise CodecError(f"Axioma W1: fPort must be an integer, not {f_port!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise CodecError(f"Axioma W1: payload must be bytes, not {type(payload).__name__}")
    data = bytes(payload)
    if not data:
        raise CodecError("Axioma W1: empty payload")
    if f_port == _DATA_PORT:
        return _data_frame(data)
    if f_port == _ALARM_PORT:
        if len(data) != _ALARM:
            raise CodecError(f"Axioma W1: alarm frame must be {_ALARM} bytes, not {len(data)}")
        return {}
    if f_port == _CONFIG_PORT:
        return {}
    raise CodecError(
        f"Axioma W1 sends on fPort {_DATA_PORT}, {_CONFIG_PORT} and {_ALARM_PORT}, not {f_port}"
    )


_DECODER: Final[Decoder] = decode_payload

MODELS: Final[dict[str, ModelInfo]] = {
    _MODEL_ID: ModelInfo(
        model_id=_MODEL_ID,
        manufacturer=_MANUFACTURER,
        name="Qalcosonic W1",
        category=Category.WATER_METER,
        keys=KEYS,
        decoder=_DECODER,
    )
}
"""Axioma models, keyed by model id (TTN Device Repository ``axioma/qalcosonic-w1``)."""
