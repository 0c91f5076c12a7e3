"""Tests for the Browan Tabs codec (TBHH100, TBDW100, TBWL100, TBPB100).

Where the vectors come from:

* TTN - the example uplinks in the TTN Device Repository,
  TheThingsNetwork/lorawan-devices, ``vendor/browan/<device>-codec.yaml``. Browan's
  decoder reports raw vendor names (``status``, ``battery`` in V, ``temperatureBoard``);
  the expected values below are those same numbers under the canonical keys.
* MANUAL - the bit tables of the Browan reference manuals, chapter 4 "Messages"
  (TBDW100 and TBWL100, 2019, as on manualshive.com), which the repository's older
  ``doorwindowsensor-codec.yaml``, ``waterleaksensor-codec.yaml`` and
  ``temperaturehumiditysensor-codec.yaml`` copy. Where no example uplink covers a field,
  the vectors are a TTN example with only that field's byte changed to a documented
  value or range end ("battery ... range 1 - 14", "temperature ... range 0 - 127",
  "the value 127 indicates measurement error").
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan import codecs
from custom_components.ange_iot.lorawan.codecs import browan
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings, is_known_key

# model id -> (name, category, data fPort from the TTN decoder)
EXPECTED_MODELS: dict[str, tuple[str, Category, int]] = {
    "browan_tbhh100": ("TBHH100", Category.CLIMATE, 103),
    "browan_tbdw100": ("TBDW100", Category.DOOR, 100),
    "browan_tbwl100": ("TBWL100", Category.LEAK, 106),
    "browan_tbpb100": ("TBPB100", Category.BUTTON, 147),
}

# TTN vendor/browan/tbhh100-codec.yaml "Temperature & Humidity": status 1,
# temperature 21, humidity 34, battery 3.6.
TBHH100 = "08AB3522FFFFFFFF"
# TTN vendor/browan/tbdw100-codec.yaml "Door closed": status 0, battery 3.6,
# temperatureBoard 21, time 0, count 14986.
TBDW100 = "00CB3500008A3A00"
# TTN vendor/browan/tbwl100-codec.yaml "Water leakage detected": status 1, battery 3.6,
# temperatureBoard 22, humidity 40, temperature 22.
TBWL100 = "110B362836"
# TTN vendor/browan/tbpb100-codec.yaml "Button I pressed": status 1, battery 3.9,
# temperatureBoard 23.
TBPB100 = "01FE370000040000"

EXAMPLES: dict[str, str] = {
    "browan_tbhh100": TBHH100,
    "browan_tbdw100": TBDW100,
    "browan_tbwl100": TBWL100,
    "browan_tbpb100": TBPB100,
}


def decode(model_id: str, hex_payload: str, f_port: int | None = None) -> Readings:
    port = EXPECTED_MODELS[model_id][2] if f_port is None else f_port
    return browan.MODELS[model_id].decoder(port, bytes.fromhex(hex_payload))


def with_byte(hex_payload: str, index: int, value: int) -> str:
    """A documented payload with one byte replaced."""
    data = bytearray.fromhex(hex_payload)
    data[index] = value
    return data.hex()


def assert_canonical(readings: Readings) -> None:
    for key, value in readings.items():
        assert is_known_key(key), key
        if key in QUANTITIES:
            assert isinstance(value, QUANTITIES[key].kind), (key, value)


# --- vendor examples ----------------------------------------------------------------------

VENDOR_VECTORS: list[tuple[str, str, Readings]] = [
    (
        "browan_tbhh100",
        TBHH100,
        {"temperature": 21.0, "humidity": 34.0, "battery_voltage": 3.6},
    ),
    (
        "browan_tbdw100",
        TBDW100,
        {"door_open": False, "temperature": 21.0, "battery_voltage": 3.6},
    ),
    (
        "browan_tbwl100",
        TBWL100,
        {"water_leak": True, "humidity": 40.0, "temperature": 22.0, "battery_voltage": 3.6},
    ),
    (
        "browan_tbpb100",
        TBPB100,
        {"button": "press", "temperature": 23.0, "battery_voltage": 3.9},
    ),
]


@pytest.mark.parametrize(
    ("model_id", "payload", "expected"),
    VENDOR_VECTORS,
    ids=[vector[0] for vector in VENDOR_VECTORS],
)
def test_vendor_example(model_id: str, payload: str, expected: Readings) -> None:
    readings = decode(model_id, payload)
    assert readings == expected
    assert_canonical(readings)
    assert set(readings) <= browan.MODELS[model_id].keys


def test_every_model_has_a_vendor_example() -> None:
    assert {vector[0] for vector in VENDOR_VECTORS} == set(EXPECTED_MODELS)


# --- status bits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "door_open"),
    [
        # MANUAL TBDW100 "Bit [0] 1 - open, 0 - closed; Bits [7:1] RFU".
        (0x01, True),
        (0x00, False),
        (0xFE, False),
        (0xFF, True),
    ],
)
def test_door_status_bit(status: int, door_open: bool) -> None:
    readings = decode("browan_tbdw100", with_byte(TBDW100, 0, status))
    assert readings["door_open"] is door_open


@pytest.mark.parametrize(
    ("status", "leak"),
    [
        # MANUAL TBWL100 "Bit [0] 1 - Water leakage detected, 0 - Dry"; bit 4 is the
        # leakage interrupt, bits 5/6 "temperature/RH status is changed".
        (0x11, True),
        (0x01, True),
        (0x10, False),
        (0x60, False),
        (0x00, False),
    ],
)
def test_leak_status_bit(status: int, leak: bool) -> None:
    readings = decode("browan_tbwl100", with_byte(TBWL100, 0, status))
    assert readings["water_leak"] is leak


def test_button_status_report_is_not_a_press() -> None:
    # TTN tbpb100.js reads status bit 0; with it clear the frame is a status report.
    readings = decode("browan_tbpb100", with_byte(TBPB100, 0, 0x00))
    assert readings == {"temperature": 23.0, "battery_voltage": 3.9}


def test_button_only_ever_reports_a_single_press() -> None:
    for status in range(256):
        readings = decode("browan_tbpb100", with_byte(TBPB100, 0, status))
        assert readings.get("button") == ("press" if status & 1 else None)


# --- battery, temperature, humidity -------------------------------------------------------


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize(
    ("battery", "volts"),
    [
        # MANUAL "Bits [3:0] unsigned value v, range 1 - 14; battery voltage in V =
        # (25 + v) / 10. Bits [7:4] RFU."
        (0x01, 2.6),
        (0x0E, 3.9),
        (0x0B, 3.6),
        (0xFB, 3.6),
    ],
)
def test_battery_voltage(model_id: str, battery: int, volts: float) -> None:
    readings = decode(model_id, with_byte(EXAMPLES[model_id], 1, battery))
    assert readings["battery_voltage"] == volts


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize("battery", [0x00, 0x0F, 0xF0])
def test_battery_outside_documented_range_is_no_reading(model_id: str, battery: int) -> None:
    readings = decode(model_id, with_byte(EXAMPLES[model_id], 1, battery))
    assert "battery_voltage" not in readings
    assert readings  # the rest of the frame is still read


@pytest.mark.parametrize(
    ("model_id", "index"),
    [
        # TBDW100/TBPB100: board NTC in byte 2; TBWL100: environment sensor in byte 4.
        ("browan_tbdw100", 2),
        ("browan_tbpb100", 2),
        ("browan_tbwl100", 4),
        ("browan_tbhh100", 2),
    ],
)
@pytest.mark.parametrize(
    ("raw", "celsius"),
    [
        # MANUAL "unsigned value t, range 0 - 127; temperature in C = t - 32";
        # bit 7 RFU.
        (0x7F, 95.0),
        (0x01, -31.0),
        (0x20, 0.0),
        (0x0E, -18.0),
        (0xB5, 21.0),
    ],
)
def test_temperature(model_id: str, index: int, raw: int, celsius: float) -> None:
    readings = decode(model_id, with_byte(EXAMPLES[model_id], index, raw))
    assert readings["temperature"] == celsius


def test_leak_sensor_reports_environment_not_board_temperature() -> None:
    # TBWL100: byte 2 is the PCB temperature, byte 4 the temperature sensor.
    payload = with_byte(with_byte(TBWL100, 2, 0x3F), 4, 0x28)
    assert decode("browan_tbwl100", payload)["temperature"] == 8.0


def test_door_and_button_board_temperature_at_range_bottom() -> None:
    # MANUAL: t = 0 is -32 C; only an all-zero frame is "empty" on these models.
    assert decode("browan_tbdw100", with_byte(TBDW100, 2, 0x00))["temperature"] == -32.0
    assert decode("browan_tbpb100", with_byte(TBPB100, 2, 0x80))["temperature"] == -32.0


@pytest.mark.parametrize(("model_id", "index"), [("browan_tbhh100", 3), ("browan_tbwl100", 3)])
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # MANUAL "unsigned value in %, range 0-100. The value 127 indicates measurement
        # error. Bit [7] RFU."
        (0x00, {"humidity": 0.0}),
        (0x64, {"humidity": 100.0}),
        (0xA8, {"humidity": 40.0}),
        (0x7F, {"humidity_invalid": True}),
        (0xFF, {"humidity_invalid": True}),
        (0x65, {"humidity_invalid": True}),
    ],
)
def test_humidity(model_id: str, index: int, raw: int, expected: Readings) -> None:
    readings = decode(model_id, with_byte(EXAMPLES[model_id], index, raw))
    humidity = {key: value for key, value in readings.items() if key.startswith("humidity")}
    assert humidity == expected


def test_humidity_error_keeps_the_other_readings() -> None:
    readings = decode("browan_tbhh100", with_byte(TBHH100, 3, 0x7F))
    assert readings == {"temperature": 21.0, "humidity_invalid": True, "battery_voltage": 3.6}


# --- empty frames -------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize("size", [0, 1, 5, 8])
def test_empty_or_all_zero_frame_has_no_readings(model_id: str, size: int) -> None:
    # TTN tbdw100.js / tbwl100.js: "Return an empty object if the payload is empty"
    # (no bytes, or every byte 0); the vendor checks this before anything else.
    assert decode(model_id, "00" * size) == {}


def test_climate_frame_without_temperature_is_absent() -> None:
    # TTN tbhh100.js: a temperature byte of 0 means "payload is absent".
    assert decode("browan_tbhh100", with_byte(TBHH100, 2, 0x00)) == {}
    assert decode("browan_tbhh100", with_byte(TBHH100, 2, 0x80)) == {}


# --- errors -------------------------------------------------------------------------------


OTHER_PORTS = [42, 0, 1, 100, 102, 103, 106, 136, 147, 204, 255]


@pytest.mark.parametrize(
    ("model_id", "f_port"),
    [
        (model_id, f_port)
        for model_id, (_name, _category, port) in EXPECTED_MODELS.items()
        for f_port in OTHER_PORTS
        if f_port != port
    ],
)
def test_wrong_port(model_id: str, f_port: int) -> None:
    # TTN <device>-codec.yaml "Unknown FPort" example: fPort 42, bytes [0x01]. Each
    # model also rejects the other Tabs models' data ports.
    with pytest.raises(CodecError, match=f"fPort {EXPECTED_MODELS[model_id][2]}, not {f_port}"):
        decode(model_id, "01", f_port=f_port)
    with pytest.raises(CodecError, match="fPort"):
        decode(model_id, EXAMPLES[model_id], f_port=f_port)


@pytest.mark.parametrize(
    ("model_id", "shortest"),
    [
        # Bytes each layout needs: TBHH100 status..humidity (4); TBDW100 the manual's
        # 8-byte frame; TBWL100 the manual's 5-byte frame; TBPB100 status..temperature.
        ("browan_tbhh100", 4),
        ("browan_tbdw100", 8),
        ("browan_tbwl100", 5),
        ("browan_tbpb100", 3),
    ],
)
def test_vendor_examples_cut_short(model_id: str, shortest: int) -> None:
    whole = EXAMPLES[model_id]
    assert decode(model_id, whole[: shortest * 2])  # still a complete frame
    for size in range(1, shortest):
        cut = whole[: size * 2]
        if not any(bytes.fromhex(cut)):
            # The TBDW100 example starts with 0x00: one byte of it is all zero, which
            # Browan's decoders treat as an empty payload, not as a broken one.
            assert decode(model_id, cut) == {}
            continue
        with pytest.raises(CodecError, match="truncated"):
            decode(model_id, cut)


@pytest.mark.parametrize(
    ("model_id", "longest"),
    [
        # TBHH100: 4 data bytes + 4 reserved; TBDW100 8 and TBWL100 5 per the manual;
        # TBPB100: the 8 bytes of its TTN example.
        ("browan_tbhh100", 8),
        ("browan_tbdw100", 8),
        ("browan_tbwl100", 5),
        ("browan_tbpb100", 8),
    ],
)
def test_frame_longer_than_layout(model_id: str, longest: int) -> None:
    whole = EXAMPLES[model_id]
    assert len(whole) == longest * 2
    with pytest.raises(CodecError, match=f"at most {longest}"):
        decode(model_id, whole + "01")


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
def test_only_codec_error_for_bad_arguments(model_id: str) -> None:
    decoder = browan.MODELS[model_id].decoder
    port = EXPECTED_MODELS[model_id][2]
    for payload in (EXAMPLES[model_id], 1234, None, [1, 2, 3]):
        with pytest.raises(CodecError, match="payload must be bytes"):
            decoder(port, payload)  # type: ignore[arg-type]
    for bad_port in (str(port), True, None, float(port)):
        with pytest.raises(CodecError, match="fPort"):
            decoder(bad_port, bytes.fromhex(EXAMPLES[model_id]))  # type: ignore[arg-type]


# --- model registry -----------------------------------------------------------------------


def test_model_ids_names_and_categories() -> None:
    assert set(browan.MODELS) == set(EXPECTED_MODELS)
    for model_id, info in browan.MODELS.items():
        name, category, _port = EXPECTED_MODELS[model_id]
        assert info.model_id == model_id
        assert info.manufacturer == "Browan"
        assert info.name == name
        assert info.title == f"Browan {name}"
        assert info.category is category
        assert all(is_known_key(key) for key in info.keys)


@pytest.mark.parametrize(
    ("device_id", "model_id"),
    [
        # Device ids as listed in vendor/browan/index.yaml of the TTN Device Repository.
        ("tbhh100", "browan_tbhh100"),
        ("tbdw100", "browan_tbdw100"),
        ("tbwl100", "browan_tbwl100"),
        ("tbpb100", "browan_tbpb100"),
    ],
)
def test_model_ids_follow_device_repository(device_id: str, model_id: str) -> None:
    assert model_id_from_version_ids({"brand_id": "browan", "model_id": device_id}) == model_id
    assert model_id in browan.MODELS


# Frames that together bring out every key a model lists: the vendor example plus the
# MANUAL humidity error (and, for the button, nothing else is needed).
KEY_FRAMES: dict[str, list[str]] = {
    "browan_tbhh100": [TBHH100, with_byte(TBHH100, 3, 0x7F)],
    "browan_tbdw100": [TBDW100],
    "browan_tbwl100": [TBWL100, with_byte(TBWL100, 3, 0x7F)],
    "browan_tbpb100": [TBPB100],
}


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
def test_keys_are_exactly_what_the_model_produces(model_id: str) -> None:
    produced: set[str] = set()
    for frame in KEY_FRAMES[model_id]:
        readings = decode(model_id, frame)
        assert_canonical(readings)
        produced |= set(readings)
    assert produced == browan.MODELS[model_id].keys


@pytest.mark.skipif(
    not set(EXPECTED_MODELS) <= set(codecs.MODELS),
    reason="browan.MODELS is not registered in codecs/__init__.py yet",
)
def test_package_registry_decodes_browan() -> None:
    assert codecs.decode("browan_tbwl100", 106, bytes.fromhex(TBWL100)) == {
        "water_leak": True,
        "humidity": 40.0,
        "temperature": 22.0,
        "battery_voltage": 3.6,
    }
    with pytest.raises(CodecError, match="fPort"):
        codecs.decode("browan_tbwl100", 42, b"\x01")
