"""Tests for the Elsys codec (ERS, EMS and ELT families).

Where the vectors come from:

* TTN - the example uplinks in the TTN Device Repository,
  TheThingsNetwork/lorawan-devices, ``vendor/elsys/<device>-codec.yaml``. Some of these
  files keep their example commented out (ERS VOC, ERS CO2 Lite, ELT-2, ELT Ultrasonic);
  the bytes and the documented output are used all the same. Elsys' decoder reports
  raw vendor values (``x: 1``, ``vdd`` in mV, ``waterleak: 17``); the expected values
  below are those same numbers converted to the canonical keys and units.
* TABLE - the Elsys type table in Elsys' own decoder, ``vendor/elsys/elsys.js`` in the
  same repository ("ELSYS simple payload decoder", links elsys.se/en/elsys-payload and
  Sensor_payload.pdf). For type codes without a published example uplink, the vectors
  are built from that table's documented size and range end points (for example
  "TYPE_VDD 2byte 0-65535mV" gives ``07 FFFF`` = 65.535 V).
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan.codecs import (
    MODELS,
    Skipped,
    decode as decode_any,
    decode_frame,
    elsys,
)
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings

# TTN examples use fPort 1; Elsys' default data port is 5 (configurable 1-254).
TTN_PORT = 1
DATA_PORT = 5

# Value sizes per type code, written down from the Elsys type table (TABLE) rather
# than read from the module, so a wrong size in the codec fails here.
SPEC_SIZES: dict[int, int] = {
    0x01: 2,  # TYPE_TEMP "temp 2 bytes"
    0x02: 1,  # TYPE_RH "Humidity 1 byte"
    0x03: 3,  # TYPE_ACC "acceleration 3 bytes X,Y,Z"
    0x04: 2,  # TYPE_LIGHT "Light 2 bytes"
    0x05: 1,  # TYPE_MOTION "No of motion 1 byte"
    0x06: 2,  # TYPE_CO2 "Co2 2 bytes"
    0x07: 2,  # TYPE_VDD "VDD 2byte"
    0x08: 2,  # TYPE_ANALOG1 "2byte ... mV"
    0x09: 6,  # TYPE_GPS "3bytes lat 3bytes long"
    0x0A: 2,  # TYPE_PULSE1 "2bytes relative pulse count"
    0x0B: 4,  # TYPE_PULSE1_ABS "4bytes"
    0x0C: 2,  # TYPE_EXT_TEMP1 "2bytes"
    0x0D: 1,  # TYPE_EXT_DIGITAL "1bytes value 1 or 0"
    0x0E: 2,  # TYPE_EXT_DISTANCE "2bytes distance in mm"
    0x0F: 1,  # TYPE_ACC_MOTION "1byte number of vibration/motion"
    0x10: 4,  # TYPE_IR_TEMP "2bytes internal temp 2bytes external temp"
    0x11: 1,  # TYPE_OCCUPANCY "1byte data"
    0x12: 1,  # TYPE_WATERLEAK "1byte data 0-255"
    0x13: 65,  # TYPE_GRIDEYE "65byte temperature data 1byte ref+64byte"
    0x14: 4,  # TYPE_PRESSURE "4byte pressure data (hPa)"
    0x15: 2,  # TYPE_SOUND "2byte sound data (peak/avg)"
    0x16: 2,  # TYPE_PULSE2 "2bytes"
    0x17: 4,  # TYPE_PULSE2_ABS "4bytes"
    0x18: 2,  # TYPE_ANALOG2 "2bytes voltage in mV"
    0x19: 2,  # TYPE_EXT_TEMP2 "2bytes"
    0x1A: 1,  # TYPE_EXT_DIGITAL2 "1bytes value 1 or 0"
    0x1B: 4,  # TYPE_EXT_ANALOG_UV "4 bytes signed int (uV)"
    0x1C: 2,  # TYPE_TVOC "2bytes 0-->65535 ppb"
    0x3D: 4,  # TYPE_DEBUG "4bytes debug"
}

EXPECTED_MODELS: dict[str, tuple[str, Category]] = {
    "elsys_ers": ("ERS", Category.CLIMATE),
    "elsys_ers_co2": ("ERS CO2", Category.CLIMATE),
    "elsys_ers_eye": ("ERS Eye", Category.PRESENCE),
    "elsys_ers_sound": ("ERS Sound", Category.SOUND),
    "elsys_ers_voc": ("ERS VOC", Category.CLIMATE),
    "elsys_ers_lite": ("ERS Lite", Category.CLIMATE),
    "elsys_ers_co2_lite": ("ERS CO2 Lite", Category.CLIMATE),
    "elsys_ems": ("EMS", Category.LEAK),
    "elsys_ems_door": ("EMS Door", Category.DOOR),
    "elsys_ems_desk": ("EMS Desk", Category.PRESENCE),
    "elsys_ems_lite": ("EMS Lite", Category.LEAK),
    "elsys_elt_2": ("ELT-2", Category.TEMPERATURE_PROBE),
    "elsys_elt_lite": ("ELT Lite", Category.TEMPERATURE_PROBE),
    "elsys_elt_ultrasonic": ("ELT Ultrasonic", Category.DISTANCE),
}


def _mg(raw: int) -> int:
    """Elsys acceleration steps to mg: the table says "+/-63=1G"."""
    return round(raw * 1000 / 63)


def decode(model_id: str, payload: str, f_port: int = TTN_PORT) -> Readings:
    return elsys.MODELS[model_id].decoder(f_port, bytes.fromhex(payload))


def assert_canonical(readings: Readings) -> None:
    """Every value has a canonical key and that key's Python type."""
    for key, value in readings.items():
        kind = QUANTITIES[key].kind
        if kind is bool:
            assert isinstance(value, bool), key
        else:
            assert isinstance(value, kind) and not isinstance(value, bool), key


# --- one vendor example per model --------------------------------------------------------

MODEL_VECTORS: list[tuple[str, str, Readings]] = [
    # TTN vendor/elsys/ers-codec.yaml "ERS temperature, humidity, light and motion":
    # temperature 22.6, humidity 41, light 39, motion 6.
    (
        "elsys_ers",
        "0100E202290400270506",
        {"temperature": 22.6, "humidity": 41.0, "illuminance": 39, "motion": 6},
    ),
    # TTN vendor/elsys/ers-co2-codec.yaml: temperature 22.6, humidity 41, light 39,
    # motion 6, co2 776.
    (
        "elsys_ers_co2",
        "0100E202290400270506060308",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "illuminance": 39,
            "motion": 6,
            "co2": 776,
        },
    ),
    # TTN vendor/elsys/ers-eye-codec.yaml: ... occupancy 1. Elsys occupancy 1 is
    # "pending" (someone entering or leaving): a person is in the room, so occupied.
    (
        "elsys_ers_eye",
        "0100E202290400270506" + "1101",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "illuminance": 39,
            "motion": 6,
            "occupancy": True,
        },
    ),
    # TTN vendor/elsys/ers-sound-codec.yaml: ... soundPeak 1, soundAvg 1.
    (
        "elsys_ers_sound",
        "0100E202290400270506" + "150101",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "illuminance": 39,
            "motion": 6,
            "sound_peak": 1,
            "sound_avg": 1,
        },
    ),
    # TTN vendor/elsys/ers-voc-codec.yaml (commented-out example): temperature 22.6,
    # humidity 41, light 39, motion 6.
    (
        "elsys_ers_voc",
        "0100E202290400270506",
        {"temperature": 22.6, "humidity": 41.0, "illuminance": 39, "motion": 6},
    ),
    # TTN vendor/elsys/ers-lite-codec.yaml: temperature 22.6, humidity 41.
    ("elsys_ers_lite", "0100E20229", {"temperature": 22.6, "humidity": 41.0}),
    # TTN vendor/elsys/ers-co2-lite-codec.yaml (commented-out example): temperature
    # 22.6, humidity 41, co2 776.
    (
        "elsys_ers_co2_lite",
        "0100E20229060308",
        {"temperature": 22.6, "humidity": 41.0, "co2": 776},
    ),
    # TTN vendor/elsys/ems-codec.yaml: temperature 22.6, humidity 41, x 1, y 39, z 5,
    # pulse1 8465 (relative count: dropped), waterleak 17 (non-zero: leak).
    (
        "elsys_ems",
        "0100E20229030127050A110112110A2111",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "acceleration_x": _mg(1),
            "acceleration_y": _mg(39),
            "acceleration_z": _mg(5),
            "water_leak": True,
        },
    ),
    # TTN vendor/elsys/ems-door-codec.yaml: x 1, y 39, z 5, pulse1 4353 (relative:
    # dropped), pulseAbs 655377.
    (
        "elsys_ems_door",
        "030127050A11010B000A0011",
        {
            "acceleration_x": _mg(1),
            "acceleration_y": _mg(39),
            "acceleration_z": _mg(5),
            "pulse_count": 655377,
        },
    ),
    # TTN vendor/elsys/ems-desk-codec.yaml: temperature 22.6, humidity 41, x 1, y 39,
    # z 5, occupancy 2 (occupied).
    (
        "elsys_ems_desk",
        "0100E2022903012705" + "1102",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "acceleration_x": _mg(1),
            "acceleration_y": _mg(39),
            "acceleration_z": _mg(5),
            "occupancy": True,
        },
    ),
    # TTN vendor/elsys/ems-lite-codec.yaml: temperature 22.6, humidity 41, waterleak 17.
    (
        "elsys_ems_lite",
        "0100E20229" + "1211",
        {"temperature": 22.6, "humidity": 41.0, "water_leak": True},
    ),
    # TTN vendor/elsys/elt-2-codec.yaml (commented-out example): temperature 22.6,
    # humidity 41, x 1, y 39, z 5, pressure 100729.105.
    (
        "elsys_elt_2",
        "0100E2022903012705" + "1406010111",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "acceleration_x": _mg(1),
            "acceleration_y": _mg(39),
            "acceleration_z": _mg(5),
            "pressure": 100729.105,
        },
    ),
    # vendor/elsys/elt-lite-codec.yaml has no example, so TABLE: channel-1 external
    # items at documented range ends - VDD 0-65535 mV, ANALOG1 0-65535 mV,
    # PULSE1_ABS 0-0xFFFFFFFF, EXT_TEMP1 "-3276.5C-->3276.5C", EXT_DIGITAL "1 or 0",
    # EXT_DISTANCE "2bytes distance in mm", WATERLEAK 0-255.
    (
        "elsys_elt_lite",
        "07FFFF" + "08FFFF" + "0BFFFFFFFF" + "0C7FFD" + "0D01" + "0EFFFF" + "12FF",
        {
            "battery_voltage": 65.535,
            "analog_input": 65.535,
            "pulse_count": 0xFFFFFFFF,
            "external_temperature": 3276.5,
            "digital_input": True,
            "distance": 65535,
            "water_leak": True,
        },
    ),
    # TTN vendor/elsys/elt-ultrasonic-codec.yaml (commented-out example): temperature
    # 22.6, humidity 41, x 1, y 39, z 5, pressure 100729.105, distance 8977.
    (
        "elsys_elt_ultrasonic",
        "0100E2022903012705" + "1406010111" + "0E2311",
        {
            "temperature": 22.6,
            "humidity": 41.0,
            "acceleration_x": _mg(1),
            "acceleration_y": _mg(39),
            "acceleration_z": _mg(5),
            "pressure": 100729.105,
            "distance": 8977,
        },
    ),
]


@pytest.mark.parametrize(
    ("model_id", "payload", "expected"),
    MODEL_VECTORS,
    ids=[vector[0] for vector in MODEL_VECTORS],
)
def test_model_example(model_id: str, payload: str, expected: Readings) -> None:
    readings = decode(model_id, payload)
    assert readings == expected
    assert_canonical(readings)
    assert set(readings) <= elsys.MODELS[model_id].keys


def test_every_model_has_a_vector() -> None:
    assert {vector[0] for vector in MODEL_VECTORS} == set(EXPECTED_MODELS)


def test_acceleration_in_mg() -> None:
    # TTN ems-desk-codec.yaml documents x 1, y 39, z 5; the canonical unit is mg and
    # the table says 63 steps are 1 g.
    readings = decode("elsys_ems_desk", "0100E2022903012705" + "1102")
    assert (readings["acceleration_x"], readings["acceleration_y"]) == (16, 619)
    assert readings["acceleration_z"] == 79


# --- every type code ----------------------------------------------------------------------

TYPE_VECTORS: list[tuple[str, str, Readings]] = [
    # TABLE "TYPE_TEMP ... -3276.8°C -->3276.7°C": both ends, signed 0.1 °C.
    ("0x01 min", "018000", {"temperature": -3276.8}),
    ("0x01 max", "017FFF", {"temperature": 3276.7}),
    # TTN ers-lite-codec.yaml: temperature 22.6, humidity 41.
    ("0x01/0x02 TTN", "0100E20229", {"temperature": 22.6, "humidity": 41.0}),
    # TABLE "TYPE_RH Humidity 1 byte 0-100%".
    ("0x02 max", "0264", {"humidity": 100.0}),
    # TABLE "TYPE_ACC ... -128 --> 127 +/-63=1G": +1 g, -1 g, 0 g.
    (
        "0x03 1g",
        "033FC100",
        {"acceleration_x": 1000, "acceleration_y": -1000, "acceleration_z": 0},
    ),
    # TABLE "TYPE_LIGHT Light 2 bytes 0-->65535 Lux".
    ("0x04 max", "04FFFF", {"illuminance": 65535}),
    # TABLE "TYPE_MOTION No of motion 1 byte 0-255".
    ("0x05 max", "05FF", {"motion": 255}),
    # TABLE "TYPE_CO2 Co2 2 bytes 0-65535 ppm".
    ("0x06 max", "06FFFF", {"co2": 65535}),
    # TABLE "TYPE_VDD VDD 2byte 0-65535mV" -> volts.
    ("0x07 max", "07FFFF", {"battery_voltage": 65.535}),
    ("0x07 min", "070000", {"battery_voltage": 0.0}),
    # TABLE "TYPE_ANALOG1 2byte 0-65535mV" -> volts.
    ("0x08 max", "08FFFF", {"analog_input": 65.535}),
    # TABLE "TYPE_GPS 3bytes lat 3bytes long": no canonical key, 6 bytes skipped,
    # the following humidity item is still read.
    ("0x09 dropped", "09FFFFFFFFFFFF" + "0229", {"humidity": 41.0}),
    # TTN ems-door-codec.yaml: pulse1 4353 is a relative count - dropped.
    ("0x0A dropped", "0A1101", {}),
    # TTN ems-door-codec.yaml: pulseAbs 655377; TABLE "4bytes no 0->0xFFFFFFFF".
    ("0x0B TTN", "0B000A0011", {"pulse_count": 655377}),
    ("0x0B max", "0BFFFFFFFF", {"pulse_count": 4294967295}),
    # TABLE "TYPE_EXT_TEMP1 2bytes -3276.5C-->3276.5C": both ends, signed 0.1 °C.
    ("0x0C min", "0C8003", {"external_temperature": -3276.5}),
    ("0x0C max", "0C7FFD", {"external_temperature": 3276.5}),
    # TABLE "TYPE_EXT_DIGITAL 1bytes value 1 or 0".
    ("0x0D 1", "0D01", {"digital_input": True}),
    ("0x0D 0", "0D00", {"digital_input": False}),
    # TTN elt-ultrasonic-codec.yaml: distance 8977.
    ("0x0E TTN", "0E2311", {"distance": 8977}),
    # TABLE "TYPE_ACC_MOTION 1byte number of vibration/motion": no canonical key.
    ("0x0F dropped", "0FFF", {}),
    # TABLE "TYPE_IR_TEMP 2bytes internal temp 2bytes external temp": no canonical key.
    ("0x10 dropped", "107FFF8000", {}),
    # TABLE "TYPE_OCCUPANCY 1byte data": 0 = nobody.
    ("0x11 free", "1100", {"occupancy": False}),
    # TTN ers-eye-codec.yaml: occupancy 1 (pending: entering or leaving) - occupied.
    ("0x11 pending", "1101", {"occupancy": True}),
    # TABLE defines 0-2 only: 3 gives no reading.
    ("0x11 undefined", "1103", {}),
    # TTN ems-desk-codec.yaml: occupancy 2 (occupied).
    ("0x11 occupied", "1102", {"occupancy": True}),
    # TTN ems-lite-codec.yaml: waterleak 17 -> leak; TABLE "0-255": 0 -> dry.
    ("0x12 TTN", "1211", {"water_leak": True}),
    ("0x12 dry", "1200", {"water_leak": False}),
    # TABLE "TYPE_GRIDEYE 65byte ... 1byte ref+64byte external temp": no canonical key.
    ("0x13 dropped", "13" + "14" + "05" * 64 + "0229", {"humidity": 41.0}),
    # TTN elt-2-codec.yaml: pressure 100729.105.
    ("0x14 TTN", "1406010111", {"pressure": 100729.105}),
    # TTN ers-sound-codec.yaml: soundPeak 1, soundAvg 1.
    ("0x15 TTN", "150101", {"sound_peak": 1, "sound_avg": 1}),
    # TABLE "TYPE_SOUND 2byte sound data (peak/avg)": peak first.
    ("0x15 order", "155A32", {"sound_peak": 90, "sound_avg": 50}),
    # TABLE channel-2 items (PULSE2 2 bytes, PULSE2_ABS 4, ANALOG2 2, EXT_TEMP2 2,
    # EXT_DIGITAL2 1): no canonical key of their own, skipped by size.
    ("0x16 dropped", "16FFFF" + "0229", {"humidity": 41.0}),
    ("0x17 dropped", "17FFFFFFFF" + "0229", {"humidity": 41.0}),
    ("0x18 dropped", "18FFFF" + "0229", {"humidity": 41.0}),
    ("0x19 dropped", "197FFD" + "0229", {"humidity": 41.0}),
    ("0x1A dropped", "1A01" + "0229", {"humidity": 41.0}),
    # TABLE "TYPE_EXT_ANALOG_UV 4 bytes signed int (uV)": no canonical key.
    ("0x1B dropped", "1BFFFFFFFF" + "0229", {"humidity": 41.0}),
    # TABLE "TYPE_TVOC 2bytes 0-->65535 ppb".
    ("0x1C max", "1CFFFF", {"tvoc": 65535}),
    # TABLE "TYPE_DEBUG 4bytes debug": not a reading.
    ("0x3D debug", "3D01020304" + "0229", {"humidity": 41.0}),
]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [vector[1:] for vector in TYPE_VECTORS],
    ids=[vector[0] for vector in TYPE_VECTORS],
)
def test_type_code(payload: str, expected: Readings) -> None:
    readings = elsys.decode_payload(DATA_PORT, bytes.fromhex(payload))
    assert readings == expected
    assert_canonical(readings)


def test_every_type_code_has_a_vector() -> None:
    covered = {int(vector[0][2:4], 16) for vector in TYPE_VECTORS}
    assert covered == set(SPEC_SIZES)


def test_repeated_type_last_wins() -> None:
    # TTN ems-codec.yaml carries 0x0A twice and documents the second value (8465);
    # likewise the last of two temperatures is the one kept.
    readings = elsys.decode_payload(DATA_PORT, bytes.fromhex("0100E2" + "018000"))
    assert readings == {"temperature": -3276.8}


# --- door contact -------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", ["elsys_ems", "elsys_ems_door"])
@pytest.mark.parametrize(("raw", "door_open"), [("01", False), ("00", True)])
def test_reed_switch_is_door(model_id: str, raw: str, door_open: bool) -> None:
    # TABLE "TYPE_EXT_DIGITAL 1bytes value 1 or 0": on the EMS / EMS Door this is the
    # reed switch; 1 = magnet present = door closed.
    readings = decode(model_id, "0D" + raw)
    assert readings == {"door_open": door_open}


def test_digital_input_stays_digital_on_elt() -> None:
    assert decode("elsys_elt_2", "0D01") == {"digital_input": True}


# --- settings, debug and ports ------------------------------------------------------------


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize(
    "payload",
    [
        # Elsys settings reply: 0x3E, length 5, one 5-byte setting (0x14 + 4 bytes).
        "3E05140000003C",
        # Settings reply with no settings.
        "3E00",
        # TABLE "TYPE_DEBUG 4bytes debug" on its own.
        "3D00000000",
    ],
)
def test_settings_and_debug_only_frames_are_empty(model_id: str, payload: str) -> None:
    assert decode(model_id, payload, f_port=6) == {}


@pytest.mark.parametrize("f_port", [0, 255, -1, 256])
def test_port_outside_elsys_range(f_port: int) -> None:
    # Elsys NFC settings: "Port integer (1-254) LoRaWAN port".
    with pytest.raises(CodecError, match="fPort"):
        decode("elsys_ers", "0100E20229", f_port=f_port)


@pytest.mark.parametrize("f_port", [1, 5, 6, 254])
def test_any_configurable_port_is_accepted(f_port: int) -> None:
    assert decode("elsys_ers_lite", "0100E20229", f_port=f_port) == {
        "temperature": 22.6,
        "humidity": 41.0,
    }


# --- errors -------------------------------------------------------------------------------


def test_empty_payload() -> None:
    with pytest.raises(CodecError, match="empty"):
        decode("elsys_ers", "")


@pytest.mark.parametrize("code", sorted(SPEC_SIZES))
def test_each_type_cut_short(code: int) -> None:
    size = SPEC_SIZES[code]
    whole = bytes([code]) + b"\x00" * size
    elsys.decode_payload(DATA_PORT, whole)  # the full item decodes
    for cut in range(1, size + 1):
        with pytest.raises(CodecError, match=f"0x{code:02X}"):
            elsys.decode_payload(DATA_PORT, whole[:-cut])


@pytest.mark.parametrize(("model_id", "payload", "expected"), MODEL_VECTORS)
def test_vendor_examples_cut_short(
    model_id: str, payload: str, expected: Readings
) -> None:
    del expected
    with pytest.raises(CodecError, match="only"):
        decode(model_id, payload[:-2])


@pytest.mark.parametrize("payload", ["3E", "3E05140000", "3EFF"])
def test_settings_cut_short(payload: str) -> None:
    with pytest.raises(CodecError, match="0x3E"):
        elsys.decode_payload(6, bytes.fromhex(payload))


@pytest.mark.parametrize("code", [0x00, 0x1D, 0x20, 0x3C, 0x3F, 0x80, 0xFF])
def test_unknown_type_code(code: int) -> None:
    # An unknown code's size cannot be known: the frame is cut there, not rejected.
    result = elsys.decode_items(DATA_PORT, bytes([code, 0, 0, 0, 0]))
    assert result.readings == {}
    assert result.skipped == (Skipped(f"type code 0x{code:02X}", 0, truncated=True),)


def test_unknown_type_code_after_valid_items() -> None:
    # TTN ers-lite-codec.yaml example followed by an unknown type code and two bytes
    # of its value: the readings before it are kept, the rest is reported truncated.
    result = decode_frame("elsys_ers_lite", TTN_PORT, bytes.fromhex("0100E20229FF0102"))
    assert result.readings == {"temperature": 22.6, "humidity": 41.0}
    assert result.skipped == (Skipped("type code 0xFF", 5, truncated=True),)
    assert decode("elsys_ers_lite", "0100E20229FF0102") == result.readings


@pytest.mark.parametrize("payload", ["0100E20229", 1234, None, [1, 0, 226]])
def test_only_codec_error_for_bad_arguments(payload: object) -> None:
    with pytest.raises(CodecError):
        elsys.decode_payload(DATA_PORT, payload)  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        elsys.decode_payload("5", b"\x02\x29")  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        elsys.decode_payload(True, b"\x02\x29")


# --- model registry -----------------------------------------------------------------------


def test_model_ids_names_and_categories() -> None:
    assert set(elsys.MODELS) == set(EXPECTED_MODELS)
    for model_id, info in elsys.MODELS.items():
        name, category = EXPECTED_MODELS[model_id]
        assert info.model_id == model_id
        assert info.manufacturer == "Elsys"
        assert info.name == name
        assert info.title == f"Elsys {name}"
        assert info.category is category
        assert info.keys <= set(QUANTITIES)


@pytest.mark.parametrize(
    ("device_id", "model_id"),
    [
        # Device ids as listed in vendor/elsys/ of the TTN Device Repository.
        ("ers", "elsys_ers"),
        ("ers-co2", "elsys_ers_co2"),
        ("ers-eye", "elsys_ers_eye"),
        ("ers-sound", "elsys_ers_sound"),
        ("ers-voc", "elsys_ers_voc"),
        ("ers-lite", "elsys_ers_lite"),
        ("ers-co2-lite", "elsys_ers_co2_lite"),
        ("ems", "elsys_ems"),
        ("ems-door", "elsys_ems_door"),
        ("ems-desk", "elsys_ems_desk"),
        ("ems-lite", "elsys_ems_lite"),
        ("elt-2", "elsys_elt_2"),
        ("elt-lite", "elsys_elt_lite"),
        ("elt-ultrasonic", "elsys_elt_ultrasonic"),
    ],
)
def test_model_ids_follow_device_repository(device_id: str, model_id: str) -> None:
    version_ids = {"brand_id": "elsys", "model_id": device_id}
    assert model_id_from_version_ids(version_ids) == model_id
    assert model_id in elsys.MODELS


def _every_type_frame() -> bytes:
    """One frame with every data type code, each with a non-zero value."""
    frame = bytearray()
    for code, size in SPEC_SIZES.items():
        value = b"\x02" if code == 0x11 else b"\x01" * size  # occupancy 2 = occupied
        frame += bytes([code]) + value
    return bytes(frame)


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
def test_keys_are_exactly_what_the_model_produces(model_id: str) -> None:
    info = elsys.MODELS[model_id]
    readings = info.decoder(DATA_PORT, _every_type_frame())
    assert set(readings) == info.keys
    assert_canonical(readings)


def test_package_registry_includes_elsys() -> None:
    assert set(EXPECTED_MODELS) <= set(MODELS)
    assert decode_any("elsys_ers_lite", DATA_PORT, bytes.fromhex("0100E20229")) == {
        "temperature": 22.6,
        "humidity": 41.0,
    }
