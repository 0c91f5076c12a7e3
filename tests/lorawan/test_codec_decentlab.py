"""Tests for the Decentlab codec (protocol version 2): DL-MBX, DL-LID, DL-DS18.

Where the vectors come from, abbreviated in the comments below:

  DEC  decentlab/decentlab-decoders, ``<DEVICE>/<DEVICE>.py`` and ``.js``: the two example
       payloads of each device's datasheet, which Decentlab's decoders run in ``main()``.
  TTN  TheThingsNetwork/lorawan-devices, ``vendor/decentlab/<device>-codec.yaml``: the
       same payloads with their documented decoded output (fPort 1).

Decentlab reports vendor names (``number_of_valid_samples``, ``distance_median``, ...);
the expected values below are the documented numbers in canonical keys and units.
Vectors marked "derived" are a documented frame with one documented field changed
(always named), never made-up bytes.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan import codecs
from custom_components.ange_iot.lorawan.codecs import decentlab
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import Readings, is_known_key

EXPECTED_MODELS: dict[str, tuple[str, Category]] = {
    "decentlab_dl_mbx": ("DL-MBX", Category.DISTANCE),
    "decentlab_dl_lid": ("DL-LID", Category.DISTANCE),
    "decentlab_dl_ds18": ("DL-DS18", Category.TEMPERATURE_PROBE),
}

# DEC DL-MBX and TTN dl-mbx-codec.yaml example 1: device_id 303, distance 1234 mm,
# number_of_valid_samples 1, battery_voltage 2.993.
MBX_FULL = "02" + "012f" + "0003" + "04d2" + "0001" + "0bb1"
# Example 2: battery only (flags 0x0002).
MBX_BATTERY = "02" + "012f" + "0002" + "0bb1"
# DEC DL-LID and TTN dl-lid-codec.yaml example 1: device_id 4553, distance average 4507,
# minimum 4470, maximum 4540, median 4510, 10th/25th/75th/90th percentile
# 4490/4500/4520/4520, most frequent 4500, number_of_samples 100, acquisition time
# 399.4 ms, battery_voltage 2.749.
LID_WORDS = "119b117611bc119e118a119411a811a8119400640199"
LID_FULL = "02" + "11c9" + "0003" + LID_WORDS + "0abd"
LID_BATTERY = "02" + "11c9" + "0002" + "0abd"
# DEC DL-DS18 and TTN dl-ds18-codec.yaml example 1: device_id 573, temperature 21.875,
# battery_voltage 3.093.
DS18_FULL = "02" + "023d" + "0003" + "815e" + "0c15"
DS18_BATTERY = "02" + "023d" + "0002" + "0c15"

PORT = 1  # Decentlab's default uplink port, as in every TTN example.


def decode(model_id: str, hex_payload: str, f_port: int = PORT) -> Readings:
    return decentlab.MODELS[model_id].decoder(f_port, bytes.fromhex(hex_payload))


VENDOR_VECTORS: list[tuple[str, str, Readings]] = [
    ("decentlab_dl_mbx", MBX_FULL, {"distance": 1234, "battery_voltage": 2.993}),
    ("decentlab_dl_mbx", MBX_BATTERY, {"battery_voltage": 2.993}),
    # The median (4510 mm) is the distance; see the module docstring for why.
    ("decentlab_dl_lid", LID_FULL, {"distance": 4510, "battery_voltage": 2.749}),
    ("decentlab_dl_lid", LID_BATTERY, {"battery_voltage": 2.749}),
    (
        "decentlab_dl_ds18",
        DS18_FULL,
        {"external_temperature": 21.875, "battery_voltage": 3.093},
    ),
    ("decentlab_dl_ds18", DS18_BATTERY, {"battery_voltage": 3.093}),
]


@pytest.mark.parametrize(("model_id", "payload", "expected"), VENDOR_VECTORS)
def test_vendor_examples(model_id: str, payload: str, expected: Readings) -> None:
    readings = decode(model_id, payload)
    assert readings == expected
    assert all(is_known_key(key) for key in readings)
    assert set(readings) <= decentlab.MODELS[model_id].keys


def test_every_model_has_vendor_examples() -> None:
    assert {vector[0] for vector in VENDOR_VECTORS} == set(EXPECTED_MODELS)


# --- invalid measurements -----------------------------------------------------------------


def test_mbx_no_valid_samples_is_invalid_distance() -> None:
    # Derived: MBX example 1 with number_of_valid_samples 0 (no usable echo).
    payload = "02" + "012f" + "0003" + "04d2" + "0000" + "0bb1"
    assert decode("decentlab_dl_mbx", payload) == {
        "distance_invalid": True,
        "battery_voltage": 2.993,
    }


def test_lid_no_samples_is_invalid_distance() -> None:
    # Derived: LID example 1 with number_of_samples (word 10) 0.
    words = LID_WORDS[:36] + "0000" + LID_WORDS[40:]
    payload = "02" + "11c9" + "0003" + words + "0abd"
    assert decode("decentlab_dl_lid", payload) == {
        "distance_invalid": True,
        "battery_voltage": 2.749,
    }


def test_lid_uses_median_not_average() -> None:
    # Derived: LID example 1 with its average (word 1) pulled to 9000 mm by a stray
    # return; the median still says 4510.
    words = "2328" + LID_WORDS[4:]
    payload = "02" + "11c9" + "0003" + words + "0abd"
    assert decode("decentlab_dl_lid", payload)["distance"] == 4510


@pytest.mark.parametrize(
    ("raw", "celsius"),
    [
        ("815e", 21.875),  # TTN dl-ds18-codec.yaml example 1
        ("8000", 0.0),  # (32768 - 32768) / 16
        ("7f00", -16.0),  # (32512 - 32768) / 16: below zero is below 0x8000
    ],
)
def test_ds18_temperature_conversion(raw: str, celsius: float) -> None:
    # Derived: DS18 example 1 with other raw words; DEC: (x - 32768) / 16 °C.
    payload = "02" + "023d" + "0001" + raw
    assert decode("decentlab_dl_ds18", payload) == {"external_temperature": celsius}


def test_no_groups_present_is_empty() -> None:
    # Derived: a header whose flags select nothing carries no readings.
    assert decode("decentlab_dl_mbx", "02" + "012f" + "0000") == {}


# --- ports --------------------------------------------------------------------------------


@pytest.mark.parametrize("f_port", [1, 2, 100, 223])
def test_configurable_uplink_port(f_port: int) -> None:
    # TTN dl-downlink-codec.js, command 0x001D: "Set LoRaWAN uplink port (1...223,
    # default: 1)".
    assert decode("decentlab_dl_ds18", DS18_FULL, f_port)["external_temperature"] == 21.875


@pytest.mark.parametrize("f_port", [0, 224, 255, -1, 256])
def test_port_outside_uplink_range(f_port: int) -> None:
    with pytest.raises(CodecError, match="fPort"):
        decode("decentlab_dl_ds18", DS18_FULL, f_port)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("model_id", "payload", "expected"), VENDOR_VECTORS)
def test_every_truncation_is_an_error(model_id: str, payload: str, expected: Readings) -> None:
    del expected
    raw = bytes.fromhex(payload)
    decoder = decentlab.MODELS[model_id].decoder
    for size in range(len(raw)):
        with pytest.raises(CodecError, match="header|truncated"):
            decoder(PORT, raw[:size])


@pytest.mark.parametrize(("model_id", "payload", "expected"), VENDOR_VECTORS)
def test_extra_bytes_are_an_error(model_id: str, payload: str, expected: Readings) -> None:
    del expected
    with pytest.raises(CodecError, match="2 bytes beyond"):
        decode(model_id, payload + "0000")


@pytest.mark.parametrize("version", ["00", "01", "03", "ff"])
def test_wrong_protocol_version(version: str) -> None:
    # DEC: "protocol version {} doesn't match v2".
    with pytest.raises(CodecError, match="protocol version"):
        decode("decentlab_dl_mbx", version + MBX_FULL[2:])


@pytest.mark.parametrize(("flags", "group"), [("0004", 2), ("0007", 2), ("8000", 15)])
def test_unknown_sensor_group(flags: str, group: int) -> None:
    # These models define two groups; a third cannot be skipped (unknown size).
    with pytest.raises(CodecError, match=f"unknown sensor group {group}"):
        decode("decentlab_dl_mbx", "02" + "012f" + flags + "04d2" + "0001" + "0bb1")


def test_other_models_frame_is_rejected() -> None:
    # The DL-LID example on a device configured as DL-MBX: its group 0 is 11 words, not 2.
    with pytest.raises(CodecError, match="beyond"):
        decode("decentlab_dl_mbx", LID_FULL)
    # ... and the DL-MBX example on a DL-LID is too short.
    with pytest.raises(CodecError, match="truncated"):
        decode("decentlab_dl_lid", MBX_FULL)


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize(
    ("f_port", "payload"),
    [("1", b"\x02"), (True, b"\x02"), (1, "02"), (1, None), (1, [2, 1, 47])],
)
def test_only_codec_error_for_bad_arguments(model_id: str, f_port: object, payload: object) -> None:
    with pytest.raises(CodecError):
        decentlab.MODELS[model_id].decoder(f_port, payload)  # type: ignore[arg-type]


# --- model registry ---------------------------------------------------------------------------


def test_model_ids_names_and_categories() -> None:
    assert set(decentlab.MODELS) == set(EXPECTED_MODELS)
    for model_id, info in decentlab.MODELS.items():
        name, category = EXPECTED_MODELS[model_id]
        assert info.model_id == model_id
        assert info.manufacturer == "Decentlab"
        assert info.title == f"Decentlab {name}"
        assert info.category is category
        assert all(is_known_key(key) for key in info.keys)


@pytest.mark.parametrize(
    ("device_id", "model_id"),
    [
        # Device ids as in vendor/decentlab/ of the TTN Device Repository.
        ("dl-mbx", "decentlab_dl_mbx"),
        ("dl-lid", "decentlab_dl_lid"),
        ("dl-ds18", "decentlab_dl_ds18"),
    ],
)
def test_model_ids_follow_device_repository(device_id: str, model_id: str) -> None:
    assert model_id_from_version_ids({"brand_id": "decentlab", "model_id": device_id}) == model_id


KEY_COVERAGE: dict[str, list[str]] = {
    "decentlab_dl_mbx": [MBX_FULL, "02" + "012f" + "0001" + "04d2" + "0000"],
    "decentlab_dl_lid": [LID_FULL, "02" + "11c9" + "0001" + "0000" * 11],
    "decentlab_dl_ds18": [DS18_FULL],
}


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
def test_keys_are_exactly_what_the_model_produces(model_id: str) -> None:
    seen: set[str] = set()
    for payload in KEY_COVERAGE[model_id]:
        seen |= set(decode(model_id, payload))
    assert seen == decentlab.MODELS[model_id].keys


@pytest.mark.skipif(
    "decentlab_dl_mbx" not in codecs.MODELS, reason="the lead registers decentlab.MODELS"
)
def test_package_registry_decodes_decentlab() -> None:
    assert set(EXPECTED_MODELS) <= set(codecs.MODELS)
    assert codecs.decode("decentlab_dl_mbx", PORT, bytes.fromhex(MBX_FULL)) == {
        "distance": 1234,
        "battery_voltage": 2.993,
    }
    with pytest.raises(CodecError):
        codecs.decode("decentlab_dl_mbx", 0, bytes.fromhex(MBX_FULL))
