"""Tests for the Talkpool OY1210 CO2 meter codec.

Where the vectors come from:

* MANUAL - the OY1210 LoRaWAN CO2 meter user manual, version 1.0, chapter 9.3
  (manualshive.com/en/manual/talkpool/oy1210/3390186, page 15): "Example: Single
  measurement report. Data sent on LoRaWAN port 2: 3e 44 1d 02 1b" = 19.3 °C,
  85.1 % RH, 539 ppm CO2; and the conversions "subtracted by 800 and then divided
  with 10", "subtracted by 250 and then divided with 10", "0xFFFF indicates an error
  in the CO2 reading".
* TTN - TheThingsNetwork/lorawan-devices, ``vendor/talkpool/oy1210-codec.yaml``: the
  same bytes on fPort 2 with Temperature 19.3, Humidity 85.1, CO2 539.
* OY1110 - the sibling OY1110 manual, 9.3.2-9.3.6 (manualshive.com/en/manual/talkpool/
  oy1110/3394140, page 16), for the grouped report on port 3: "0F 2E 3C CD 33 38 D2
  39 31 F5" = header 0x0F (15 minutes), then -5.2 °C / 72.3 % RH "now", 2.9 °C /
  64.8 % RH "15 minutes ago", 12.7 °C / 53.9 % RH "30 minutes ago"; "the latest
  measurement performed right before the transmission is sent first". The OY1210's
  measurement value is the OY1110's three bytes plus two CO2 bytes, so the grouped
  vectors below are that example with CO2 bytes added to each value. The OY1210
  manual itself shows no grouped example; see the codec's docstring.
* OY1110 9.6.1 - "Uplink status report ... Example: Port 1: 01 20 00" (data, status
  command, normal startup); the OY1210 command table lists the same 0x20 status.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan import codecs
from custom_components.ange_iot.lorawan.codecs import talkpool
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings, is_known_key

MODEL_ID = "talkpool_oy1210"

# MANUAL 9.3.3 and TTN oy1210-codec.yaml.
SINGLE = "3e441d021b"
SINGLE_READINGS: Readings = {"temperature": 19.3, "humidity": 85.1, "co2": 539}

# OY1110 9.3.6 grouped example, each value followed by CO2 bytes: 539 ppm (MANUAL)
# now, then 0x0320 = 800 and 0x0400 = 1024 ppm for the older values.
GROUP_HEADER = "0f"
NOW = "2e3ccd" + "021b"
MINUS_15 = "3338d2" + "0320"
MINUS_30 = "3931f5" + "0400"
GROUPED = GROUP_HEADER + NOW + MINUS_15 + MINUS_30
NOW_READINGS: Readings = {"temperature": -5.2, "humidity": 72.3, "co2": 539}

# OY1110 9.6.1 unsolicited status report.
STATUS_REPORT = "012000"


def decode(hex_payload: str, f_port: int = 2) -> Readings:
    return talkpool.MODELS[MODEL_ID].decoder(f_port, bytes.fromhex(hex_payload))


def assert_canonical(readings: Readings) -> None:
    for key, value in readings.items():
        assert is_known_key(key), key
        if key in QUANTITIES:
            assert isinstance(value, QUANTITIES[key].kind), (key, value)


# --- single measurement report (port 2) ---------------------------------------------------


def test_manual_single_measurement_example() -> None:
    readings = decode(SINGLE)
    assert readings == SINGLE_READINGS
    assert_canonical(readings)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # MANUAL conversions at the ends of the 12-bit and 16-bit ranges:
        # 0x000 -> -80.0 °C / -25.0 % RH; 0xFFF -> 329.5 °C / 384.5 % RH.
        ("0000000000", {"temperature": -80.0, "humidity": -25.0, "co2": 0}),
        ("FFFFFFFFFE", {"temperature": 329.5, "humidity": 384.5, "co2": 65534}),
        # The offsets themselves: 800 -> 0 °C, 250 -> 0 % RH (0x320, 0x0FA).
        ("320F0A0190", {"temperature": 0.0, "humidity": 0.0, "co2": 400}),
        # Nibble order of byte 2: temperature low nibble high, humidity low nibble low.
        # 0x3E1 / 0x44D from the MANUAL example with the nibbles swapped: 0x3ED / 0x441.
        ("3e44d1021b", {"temperature": 20.5, "humidity": 83.9, "co2": 539}),
    ],
)
def test_measurement_value_conversions(payload: str, expected: Readings) -> None:
    assert decode(payload) == expected


def test_co2_error_value_is_invalid_not_a_number() -> None:
    # MANUAL "The value 0xFFFF indicates an error in the CO2 reading, and should be
    # displayed as an alarm or error code ..., not as a measurement value."
    readings = decode("3e441dffff")
    assert readings == {"temperature": 19.3, "humidity": 85.1, "co2_invalid": True}
    assert "co2" not in readings
    assert_canonical(readings)


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_single_report_cut_short(size: int) -> None:
    with pytest.raises(CodecError, match="5 bytes"):
        decode(SINGLE[: size * 2])


def test_single_report_too_long() -> None:
    # Two single reports joined are not a single report.
    with pytest.raises(CodecError, match="5 bytes, not 10"):
        decode(SINGLE + SINGLE)


# --- grouped measurement report (port 3) --------------------------------------------------


def test_grouped_report_gives_the_newest_measurement() -> None:
    # OY1110 9.3.2: the latest measurement is sent first; 9.3.6 labels the first value
    # "now" and the others "15/30 minutes ago".
    readings = decode(GROUPED, f_port=3)
    assert readings == NOW_READINGS
    assert_canonical(readings)


def test_grouped_report_ignores_older_values() -> None:
    # Changing only the older values leaves the reading alone.
    older_changed = GROUP_HEADER + NOW + MINUS_30 + MINUS_15
    assert decode(older_changed, f_port=3) == NOW_READINGS


def test_grouped_report_of_one_value() -> None:
    # OY1110 9.3.2: n = (length - 1) / value size, so one value is a valid group.
    assert decode(GROUP_HEADER + SINGLE, f_port=3) == SINGLE_READINGS


@pytest.mark.parametrize("header", ["0f", "81", "ff", "00"])
def test_grouping_header_is_not_a_reading(header: str) -> None:
    # OY1110 9.3.4: the header only gives dT, in minutes (bit 7 clear) or hours.
    assert decode(header + NOW + MINUS_15, f_port=3) == NOW_READINGS


def test_grouped_newest_co2_error() -> None:
    readings = decode(GROUP_HEADER + "2e3ccd" + "ffff" + MINUS_15, f_port=3)
    assert readings == {"temperature": -5.2, "humidity": 72.3, "co2_invalid": True}


@pytest.mark.parametrize("cut", [1, 2, 3, 4, 6, 9, 14, 15])
def test_grouped_report_cut_short(cut: int) -> None:
    # Each cut leaves a partial last value, or a header with less than one value;
    # cutting whole values (5 or 10 bytes) would leave a shorter, valid group.
    with pytest.raises(CodecError, match="grouped"):
        decode(GROUPED[: -cut * 2], f_port=3)


def test_grouped_report_needs_a_value() -> None:
    with pytest.raises(CodecError, match="grouped"):
        decode(GROUP_HEADER, f_port=3)


# --- status and command replies (port 1) --------------------------------------------------


def test_status_report_has_no_readings() -> None:
    assert decode(STATUS_REPORT, f_port=1) == {}


@pytest.mark.parametrize(
    "payload",
    [
        # OY1210 command table (page 17): CPU voltage 0x06 (Uint8), CPU temperature
        # 0x0A (Uint16), measurement interval 0x30 = 60 s (the default), and a
        # command NACK (type 0x02).
        "01068c",
        "010a1d4c",
        "0130003c",
        "0230",
    ],
)
def test_query_replies_have_no_readings(payload: str) -> None:
    assert decode(payload, f_port=1) == {}


@pytest.mark.parametrize("payload", ["032000", "0020", "ff2000"])
def test_unknown_port_1_frame_type(payload: str) -> None:
    # OY1110 9.6: the port 1 uplink header is 0x01 (data) or 0x02 (command NACK).
    with pytest.raises(CodecError, match="unknown port 1 frame type"):
        decode(payload, f_port=1)


def test_port_1_frame_cut_short() -> None:
    with pytest.raises(CodecError, match="type and a command index"):
        decode("01", f_port=1)


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("f_port", [0, 4, 5, 10, 100, 223, 255])
def test_unknown_port(f_port: int) -> None:
    # TTN oy1210.js decodes port 2 only; the manuals add port 3 and port 1.
    with pytest.raises(CodecError, match=f"not {f_port}"):
        decode(SINGLE, f_port=f_port)


@pytest.mark.parametrize("f_port", [1, 2, 3])
def test_empty_payload(f_port: int) -> None:
    with pytest.raises(CodecError, match="empty"):
        decode("", f_port=f_port)


@pytest.mark.parametrize("payload", [SINGLE, 1234, None, [62, 68, 29, 2, 27]])
def test_only_codec_error_for_bad_arguments(payload: object) -> None:
    decoder = talkpool.MODELS[MODEL_ID].decoder
    with pytest.raises(CodecError, match="payload must be bytes"):
        decoder(2, payload)  # type: ignore[arg-type]
    for bad_port in ("2", True, None, 2.0):
        with pytest.raises(CodecError, match="fPort"):
            decoder(bad_port, bytes.fromhex(SINGLE))  # type: ignore[arg-type]


# --- model registry -----------------------------------------------------------------------


def test_model_metadata() -> None:
    assert set(talkpool.MODELS) == {MODEL_ID}
    info = talkpool.MODELS[MODEL_ID]
    assert info.model_id == MODEL_ID
    assert info.manufacturer == "Talkpool"
    assert info.name == "OY1210"
    assert info.title == "Talkpool OY1210"
    assert info.category is Category.CLIMATE


def test_model_id_follows_device_repository() -> None:
    # vendor/talkpool/index.yaml lists the device id "oy1210".
    version_ids = {"brand_id": "talkpool", "model_id": "oy1210"}
    assert model_id_from_version_ids(version_ids) == MODEL_ID


def test_keys_are_exactly_what_the_model_produces() -> None:
    produced = set(decode(SINGLE)) | set(decode("3e441dffff")) | set(decode(GROUPED, 3))
    assert produced == talkpool.MODELS[MODEL_ID].keys


@pytest.mark.skipif(
    MODEL_ID not in codecs.MODELS,
    reason="talkpool.MODELS is not registered in codecs/__init__.py yet",
)
def test_package_registry_decodes_talkpool() -> None:
    assert codecs.decode(MODEL_ID, 2, bytes.fromhex(SINGLE)) == SINGLE_READINGS
    with pytest.raises(CodecError, match="not 4"):
        codecs.decode(MODEL_ID, 4, bytes.fromhex(SINGLE))
