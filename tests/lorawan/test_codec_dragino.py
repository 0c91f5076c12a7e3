"""Tests for the Dragino codec (LDDS75, LDDS20, LLDS12, LDS01, LDS02, LWL02).

Where the vectors come from, abbreviated in the comments below:

  TTN    TheThingsNetwork/lorawan-devices, ``vendor/dragino/<file>``: the example uplinks
         in the ``-codec.yaml`` files and the decoders they name.
  DEC    dragino/dragino-end-node-decoder, Dragino's own decoders (named per test).
  LLDS12 Dragino LLDS12 LoRaWAN LiDAR ToF Distance Sensor User Manual, 2.3 "Uplink
         Payload" (battery, DS18B20 and distance examples).
  LLDS40 Dragino LLDS40 user manual, 2.3.4 "Distance signal strength": "01D7(H)=471(D),
         471>100, 471≠65535, the measured value of Dist is considered credible".

Dragino's decoders report vendor values (``Bat`` in V, ``Lidar_distance`` in cm,
``DOOR_OPEN_STATUS`` 0/1); the expected values below are the same numbers in canonical
keys and units. Vectors marked "derived" are a published frame with one documented field
replaced by another documented value of that field, never made-up bytes.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan import codecs
from custom_components.ange_iot.lorawan.codecs import dragino
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import Readings, is_known_key

EXPECTED_MODELS: dict[str, tuple[str, Category]] = {
    "dragino_ldds75": ("LDDS75", Category.DISTANCE),
    "dragino_ldds20": ("LDDS20", Category.DISTANCE),
    "dragino_llds12": ("LLDS12", Category.DISTANCE),
    "dragino_lds01": ("LDS01", Category.DOOR),
    "dragino_lds02": ("LDS02", Category.DOOR),
    "dragino_lwl02": ("LWL02", Category.LEAK),
}
LDDS = ("dragino_ldds75", "dragino_ldds20")
CONTACT = ("dragino_lds01", "dragino_lds02", "dragino_lwl02")

# TTN ldds75-114-codec.yaml and ldds20-114-codec.yaml (fPort 2): Bat 3.387,
# Distance "2799 mm", Interrupt_flag 0, TempC_DS18B20 "0.00", Sensor_flag 1.
LDDS_TTN = "0D3B" + "0AEF" + "00" + "0000" + "01"
# TTN llds12-codec.yaml (fPort 2): Bat 3.42, TempC_DS18B20 "0.00", Lidar_distance 284
# (cm), Lidar_signal 433, Interrupt_flag 0, Lidar_temp 30, Message_type 1.
LLDS12_TTN = "0D5C" + "0000" + "0B18" + "01B1" + "00" + "1E" + "01"
# TTN lds01-codec.yaml, lds02-codec.yaml (fPort 10): BAT_V 2.952, MOD 1,
# DOOR_OPEN_STATUS 0 (the counters it also shows have no canonical key).
CONTACT_TTN = "0B88" + "01" + "002500" + "01"


def decode(model_id: str, hex_payload: str, f_port: int) -> Readings:
    return dragino.MODELS[model_id].decoder(f_port, bytes.fromhex(hex_payload))


def assert_known(model_id: str, readings: Readings) -> None:
    assert all(is_known_key(key) for key in readings)
    assert set(readings) <= dragino.MODELS[model_id].keys


def ldds_with(*, distance: str = "0AEF", probe: str = "0000") -> str:
    """The TTN LDDS frame with its distance or DS18B20 field replaced (derived)."""
    return "0D3B" + distance + "00" + probe + "01"


def llds12_with(*, probe: str = "0000", distance: str = "0B18", signal: str = "01B1") -> str:
    """The TTN LLDS12 frame with one documented field replaced (derived)."""
    return "0D5C" + probe + distance + signal + "00" + "1E" + "01"


# --- LDDS75 / LDDS20 -----------------------------------------------------------------------


@pytest.mark.parametrize("model_id", LDDS)
def test_ldds_vendor_example(model_id: str) -> None:
    readings = decode(model_id, LDDS_TTN, 2)
    # The example has no DS18B20 probe (0x0000): no water temperature is invented.
    assert readings == {"battery_voltage": 3.387, "distance": 2799}
    assert_known(model_id, readings)


@pytest.mark.parametrize("model_id", LDDS)
@pytest.mark.parametrize(
    "distance",
    [
        "0000",  # TTN ldds20-114.js: 0 -> "No Sensor"
        "0014",  # TTN ldds20-114.js: 20 -> "Invalid Reading"
        "0013",  # TTN ldds75.js: below 20 -> "Invalid Reading"
    ],
)
def test_ldds_invalid_distance_is_flagged_not_reported(model_id: str, distance: str) -> None:
    readings = decode(model_id, ldds_with(distance=distance), 2)
    assert readings == {"battery_voltage": 3.387, "distance_invalid": True}
    assert "distance" not in readings


@pytest.mark.parametrize("model_id", LDDS)
def test_ldds_smallest_valid_distance(model_id: str) -> None:
    # Derived: 21 mm is the first value above Dragino's "Invalid Reading" marker.
    assert decode(model_id, ldds_with(distance="0015"), 2)["distance"] == 21


@pytest.mark.parametrize("model_id", LDDS)
@pytest.mark.parametrize(
    ("probe", "celsius"),
    [
        ("0105", 26.1),  # LLDS12 2.3.2: 0105H -> 26.1 degree
        ("FF3F", -19.3),  # LLDS12 2.3.2: FF3FH -> -19.3 degrees
    ],
)
def test_ldds_probe_temperature(model_id: str, probe: str, celsius: float) -> None:
    # Derived: the DS18B20 field of the LDDS frame (DEC LDDS75_Decoder_V1.1.4.js decodes
    # bytes 5-6 as signed /10, the same encoding the LLDS12 manual documents).
    readings = decode(model_id, ldds_with(probe=probe), 2)
    assert readings["external_temperature"] == pytest.approx(celsius)
    assert readings["distance"] == 2799


@pytest.mark.parametrize("model_id", LDDS)
def test_ldds_battery_ignores_status_bits(model_id: str) -> None:
    # LDDS04 manual 2.4.1 for the same battery word: 0x8D41 & 0x3FFF = 3393 mV.
    readings = decode(model_id, "8D41" + LDDS_TTN[4:], 2)
    assert readings["battery_voltage"] == 3.393


@pytest.mark.parametrize("model_id", LDDS)
def test_ldds_old_firmware_frame(model_id: str) -> None:
    # TTN ldds75-codec.yaml "Distance Detection": the 4-byte frame of older firmware,
    # battery 0x0E1C & 0x3FFF = 3612 mV and distance 0x0B05 = 2821 mm (Dragino's older
    # decoder reads exactly these two words). It has no probe field.
    readings = decode(model_id, "0E1C0B05", 2)
    assert readings == {"battery_voltage": 3.612, "distance": 2821}
    assert_known(model_id, readings)


@pytest.mark.parametrize("model_id", LDDS)
def test_ldds_old_firmware_frame_with_interrupt_flag(model_id: str) -> None:
    # Derived: the TTN 4-byte frame plus an interrupt flag, the 5-byte frame TTN
    # ldds75.js takes as a distance frame. The flag is not a reading.
    assert decode(model_id, "0E1C0B0501", 2) == {"battery_voltage": 3.612, "distance": 2821}
    # Derived: no echo in the old frame is the same "No Sensor" as in the new one.
    assert decode(model_id, "0E1C0000", 2) == {
        "battery_voltage": 3.612,
        "distance_invalid": True,
    }




# --- LLDS12 ----------------------------------------------------------------------------------


def test_llds12_vendor_example() -> None:
    readings = decode("dragino_llds12", LLDS12_TTN, 2)
    # Lidar_distance 284 cm is 2840 mm; no probe, so no temperature.
    assert readings == {"battery_voltage": 3.42, "distance": 2840}
    assert_known("dragino_llds12", readings)


def test_llds12_manual_distance_and_probe() -> None:
    # Derived: LLDS12 2.3.3 "0x0B 0xEA ... = 3050 (D)/10 = 305cm" and 2.3.2 "0105H ->
    # 26.1 degree", with LLDS40's credible signal strength 01D7 = 471.
    readings = decode(
        "dragino_llds12", llds12_with(probe="0105", distance="0BEA", signal="01D7"), 2
    )
    assert readings == {
        "battery_voltage": 3.42,
        "external_temperature": 26.1,
        "distance": 3050,
    }


@pytest.mark.parametrize(
    ("distance", "signal"),
    [
        ("0B18", "0064"),  # strength 100: not above 100, unreliable
        ("0B18", "0000"),  # no return at all
        ("0B18", "FFFF"),  # strength 65535: saturated, unreliable
        ("0000", "01B1"),  # distance 0: nothing measured
    ],
)
def test_llds12_unreliable_distance_is_flagged(distance: str, signal: str) -> None:
    readings = decode("dragino_llds12", llds12_with(distance=distance, signal=signal), 2)
    assert readings == {"battery_voltage": 3.42, "distance_invalid": True}


def test_llds12_just_credible_signal() -> None:
    # Derived: 101 is the smallest strength the LLDS40 rule (>100, ≠65535) accepts.
    readings = decode("dragino_llds12", llds12_with(signal="0065"), 2)
    assert readings["distance"] == 2840


def test_llds12_negative_probe() -> None:
    readings = decode("dragino_llds12", llds12_with(probe="FF3F"), 2)
    assert readings["external_temperature"] == pytest.approx(-19.3)


@pytest.mark.parametrize(
    "payload",
    [
        # DEC LLDS12_Decode_TTN.txt decodes nothing for message type 0x02 ...
        LLDS12_TTN[:-2] + "02",
        # ... or for a frame starting with 0x03.
        "03" + LLDS12_TTN[2:],
    ],
)
def test_llds12_frames_dragino_leaves_undecoded(payload: str) -> None:
    assert decode("dragino_llds12", payload, 2) == {}


# --- LDS01 / LDS02 / LWL02 -------------------------------------------------------------------


@pytest.mark.parametrize("model_id", ["dragino_lds01", "dragino_lds02"])
def test_door_vendor_example(model_id: str) -> None:
    readings = decode(model_id, CONTACT_TTN, 10)
    assert readings == {"battery_voltage": 2.952, "door_open": False}
    assert_known(model_id, readings)


@pytest.mark.parametrize("model_id", ["dragino_lds01", "dragino_lds02"])
def test_door_open_bit(model_id: str) -> None:
    # Derived: DEC lds01_02_Decoder_ttn_v1.5.txt, bit 7 of byte 0 is "1:open,0:close";
    # the battery is the low 14 bits, unchanged.
    readings = decode(model_id, "8B88" + CONTACT_TTN[4:], 10)
    assert readings == {"battery_voltage": 2.952, "door_open": True}


@pytest.mark.parametrize(
    ("status", "leak"),
    [("0B88", False), ("4B88", True)],  # bit 6 of byte 0: water leak status
)
def test_lwl02_leak(status: str, leak: bool) -> None:
    # Derived: the TTN frame in MOD 2 (water leak), DEC lwl02 decoder v1.5.
    readings = decode("dragino_lwl02", status + "02" + "002500" + "01", 10)
    assert readings == {"battery_voltage": 2.952, "water_leak": leak}
    assert_known("dragino_lwl02", readings)


def test_full_ten_byte_frame_with_alarm() -> None:
    # Derived: the TTN frame completed to Dragino's 10-byte layout (duration 0x010000
    # min as TTN decodes it, alarm bit set). The alarm and counters give no readings.
    readings = decode("dragino_lds02", "8B88" + "01" + "002500" + "010000" + "01", 10)
    assert readings == {"battery_voltage": 2.952, "door_open": True}


def test_mod3_reports_both_but_each_model_keeps_its_own() -> None:
    # DEC v1.5 decoders: MOD 3 reports DOOR_OPEN_STATUS and WATER_LEAK_STATUS.
    frame = "CB88" + "03" + "000000" + "000000" + "00"
    assert decode("dragino_lds02", frame, 10) == {"battery_voltage": 2.952, "door_open": True}
    assert decode("dragino_lwl02", frame, 10) == {"battery_voltage": 2.952, "water_leak": True}


def test_lwl02_in_door_mode_reads_its_input_as_the_leak() -> None:
    # TTN lwl02-codec.yaml: MOD 1, DOOR_OPEN_STATUS 0. The LWL02's one input is its
    # leak probe pair, so the status is the leak status: dry. Never a door reading.
    readings = decode("dragino_lwl02", CONTACT_TTN, 10)
    assert readings == {"battery_voltage": 2.952, "water_leak": False}
    # Derived: the same frame with the status bit set is a leak.
    readings = decode("dragino_lwl02", "8B88" + CONTACT_TTN[4:], 10)
    assert readings == {"battery_voltage": 2.952, "water_leak": True}


@pytest.mark.parametrize("model_id", CONTACT)
def test_unknown_mod_gives_battery_only(model_id: str) -> None:
    # DEC v1.5 decoders: any other MOD reports BAT_V and MOD only.
    assert decode(model_id, "CB88" + "07" + "000000", 10) == {"battery_voltage": 2.952}


@pytest.mark.parametrize("model_id", CONTACT)
def test_counting_frame_port_7(model_id: str) -> None:
    # DEC LDS02_Decoder_1.8.2.txt, fPort 7: BatV from the low 14 bits, then a 3-byte
    # count. Bit 15 is the counting mode ("edc_mod"), not the door state.
    readings = decode(model_id, "8B88" + "000009", 7)
    assert readings == {"battery_voltage": 2.952}


# --- ports, device status and errors ----------------------------------------------------------


@pytest.mark.parametrize("model_id", [*LDDS, "dragino_llds12"])
def test_device_status_frame_has_no_readings(model_id: str) -> None:
    # Dragino device status (fPort 5): sensor model, firmware version, band, sub-band, BAT.
    assert decode(model_id, "0B" + "0114" + "01" + "FF" + "0D3B", 5) == {}


@pytest.mark.parametrize(
    ("model_id", "payload"),
    [
        # TTN *-codec.yaml "Unknown FPort" examples: fPort 42 -> "unknown FPort".
        ("dragino_ldds75", LDDS_TTN),
        ("dragino_ldds20", LDDS_TTN),
        ("dragino_llds12", LLDS12_TTN),
        ("dragino_lds01", CONTACT_TTN),
        ("dragino_lds02", CONTACT_TTN),
        ("dragino_lwl02", CONTACT_TTN),
    ],
)
def test_unknown_fport(model_id: str, payload: str) -> None:
    with pytest.raises(CodecError, match="unknown fPort 42"):
        decode(model_id, payload, 42)


@pytest.mark.parametrize(
    ("model_id", "payload", "f_port"),
    [
        ("dragino_ldds75", LDDS_TTN, 10),  # a door port on a distance sensor
        ("dragino_lds02", CONTACT_TTN, 2),  # a distance port on a door sensor
        ("dragino_lds02", CONTACT_TTN, 5),
    ],
)
def test_other_families_ports_are_rejected(model_id: str, payload: str, f_port: int) -> None:
    with pytest.raises(CodecError, match="unknown fPort"):
        decode(model_id, payload, f_port)


@pytest.mark.parametrize(
    ("model_id", "payload", "f_port"),
    [
        *((model_id, LDDS_TTN, 2) for model_id in LDDS),
        ("dragino_llds12", LLDS12_TTN, 2),
    ],
)
def test_truncated_and_overlong_frames(model_id: str, payload: str, f_port: int) -> None:
    raw = bytes.fromhex(payload)
    decoder = dragino.MODELS[model_id].decoder
    # The LDDS older-firmware frames (4 and 5 bytes) are whole frames, not truncated.
    old_firmware = {4, 5} if model_id in LDDS else set()
    for size in set(range(len(raw))) - old_firmware:
        with pytest.raises(CodecError, match=f"got {size}"):
            decoder(f_port, raw[:size])
    with pytest.raises(CodecError, match=f"got {len(raw) + 1}"):
        decoder(f_port, raw + b"\x00")


@pytest.mark.parametrize("model_id", CONTACT)
@pytest.mark.parametrize("payload", ["", "0B", "0B88"])
def test_contact_frame_too_short(model_id: str, payload: str) -> None:
    with pytest.raises(CodecError, match="at least 3 bytes"):
        decode(model_id, payload, 10)


@pytest.mark.parametrize("model_id", CONTACT)
def test_contact_frame_too_long(model_id: str) -> None:
    with pytest.raises(CodecError, match="at most 10 bytes"):
        decode(model_id, CONTACT_TTN + "00000000", 10)


@pytest.mark.parametrize("model_id", CONTACT)
@pytest.mark.parametrize("payload", ["8B88", "8B8800000900"])
def test_counting_frame_wrong_length(model_id: str, payload: str) -> None:
    with pytest.raises(CodecError, match="5 bytes"):
        decode(model_id, payload, 7)


@pytest.mark.parametrize("model_id", [*LDDS, "dragino_llds12"])
def test_empty_device_status(model_id: str) -> None:
    with pytest.raises(CodecError, match="empty"):
        decode(model_id, "", 5)


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize(
    ("f_port", "payload"),
    [("2", b"\x0d\x3b"), (True, b"\x0d\x3b"), (2, "0D3B"), (2, None), (2, [13, 59])],
)
def test_only_codec_error_for_bad_arguments(model_id: str, f_port: object, payload: object) -> None:
    with pytest.raises(CodecError):
        dragino.MODELS[model_id].decoder(f_port, payload)  # type: ignore[arg-type]


# --- model registry ----------------------------------------------------------------------------


def test_model_ids_names_and_categories() -> None:
    assert set(dragino.MODELS) == set(EXPECTED_MODELS)
    for model_id, info in dragino.MODELS.items():
        name, category = EXPECTED_MODELS[model_id]
        assert info.model_id == model_id
        assert info.manufacturer == "Dragino"
        assert info.title == f"Dragino {name}"
        assert info.category is category
        assert all(is_known_key(key) for key in info.keys)


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
def test_model_ids_follow_device_repository(model_id: str) -> None:
    # Device ids as in vendor/dragino/ of the TTN Device Repository (ldds75.yaml, ...).
    device_id = model_id.removeprefix("dragino_")
    assert model_id_from_version_ids({"brand_id": "dragino", "model_id": device_id}) == model_id


# Every key each model can produce, shown by documented (or derived, see above) frames.
KEY_COVERAGE: dict[str, list[tuple[int, str]]] = {
    **{
        model_id: [(2, ldds_with(probe="0105")), (2, ldds_with(distance="0000"))]
        for model_id in LDDS
    },
    "dragino_llds12": [(2, llds12_with(probe="0105")), (2, llds12_with(signal="0000"))],
    "dragino_lds01": [(10, CONTACT_TTN)],
    "dragino_lds02": [(10, CONTACT_TTN)],
    "dragino_lwl02": [(10, "4B88" + "02" + "002500" + "01")],
}


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
def test_keys_are_exactly_what_the_model_produces(model_id: str) -> None:
    seen: set[str] = set()
    for f_port, payload in KEY_COVERAGE[model_id]:
        seen |= set(decode(model_id, payload, f_port))
    assert seen == dragino.MODELS[model_id].keys


@pytest.mark.skipif(
    "dragino_ldds75" not in codecs.MODELS, reason="the lead registers dragino.MODELS"
)
def test_package_registry_decodes_dragino() -> None:
    assert set(EXPECTED_MODELS) <= set(codecs.MODELS)
    assert codecs.decode("dragino_ldds75", 2, bytes.fromhex(LDDS_TTN)) == {
        "battery_voltage": 3.387,
        "distance": 2799,
    }
    with pytest.raises(CodecError):
        codecs.decode("dragino_ldds75", 42, bytes.fromhex(LDDS_TTN))
