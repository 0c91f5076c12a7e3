"""Tests for the Elvaco CMi4110 / CMi4140 / CMi4160 codec (M-Bus records over LoRaWAN).

Where the vectors come from:

* MANUAL-4110 - the payload example of the Elvaco "CMi4110 User's Manual" (v1.3), as
  reproduced in ZennerIoT/element-parsers ``lib/elvaco_cmi4110.ex`` ("From PDF":
  volume 5397.05 m³), with that file's real-device uplinks.
* TTN - TheThingsNetwork/lorawan-devices ``vendor/elvaco/``:
  ``cmi4160-codec.yaml`` "Second example" (volume 2013.06) and its commented-out
  "Value during error state" uplink; ``cmi4140-codec.yaml`` (documented output volume
  2297603, serial 79810544) whose output belongs to the uplink written in
  ``cmi4140.js`` ("150405b8..."), while the yaml's input bytes are the CMi4110
  Standard frame of ``cmi4110.js``.
* TABLES - the DIF/VIF payload tables of the Elvaco manuals (CMi4140 v1.1 table 6,
  CMi4160 v1.3 table 5: "0413xxxxxxxx = xxxxxxxx * 0.001 m3" ... "0417 = * 10 m3")
  and the message-format tables (CMi4110 table 5, CMi4140 table 5, CMi4160 table 4);
  EN 13757-3 for DIF/VIF coding. Frames built from them are marked as such.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan.codecs import (
    MODELS,
    Skipped,
    decode as decode_any,
    decode_frame,
    elvaco,
)
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings, is_known_key

PORT = 2

# MANUAL-4110: 00 | 0C06 energy | 0C14 volume 00539705 x 0.01 | 0B2D power | 0B3B flow |
# 0A5A / 0A5E temperatures | 0C78 fabrication no. | 046D date/time | 02FD17 error flags.
CMI4110_MANUAL = "000C06384612000C14059753000B2D5201000B3B5706000A5A05030A5E05010C7889478268046D3231542302FD170000"
# TTN cmi4110.js (and the input bytes of cmi4140-codec.yaml): Standard frame, 0C14 BCD.
# The TTN files give decimal byte arrays; they are written here as hex.
CMI4110_TTN = bytes.fromhex(
    "000c06526761020c14978999000b2d0000000b3b0000000a5a33060a5e41050c782911036602fd170000"
)
# TTN cmi4140.js comment; cmi4140-codec.yaml documents its output (volume 2297603).
CMI4140_TTN = "150405b827bd3a04142cddb10d02290000023a000002598f26025d61160c784405817904fd1700000000"
# TTN cmi4160-codec.yaml "Second example".
CMI4160_TTN = bytes.fromhex(
    "1e04068fa10100041384b71e00022bcf0f023b5d00025a1003025e9801077982253269a511400401fd1700"
)
# TTN cmi4160-codec.yaml / cmi4160.js "Value during error state".
CMI4160_ERROR = bytes.fromhex(
    "1e0407e91c050004158d670f00322f4b33323d3733325a5904325e5904077922988461a511400401fd1704"
)

STANDARD = {"elvaco_cmi4110": 0x00, "elvaco_cmi4140": 0x15, "elvaco_cmi4160": 0x1E}


def decode(model_id: str, payload: str | bytes, f_port: int = PORT) -> Readings:
    data = bytes.fromhex(payload) if isinstance(payload, str) else payload
    return elvaco.MODELS[model_id].decoder(f_port, data)


def frame(model_id: str, records: str) -> bytes:
    return bytes([STANDARD[model_id]]) + bytes.fromhex(records)


# --- vendor examples ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "payload", "expected"),
    [
        ("elvaco_cmi4110", CMI4110_MANUAL, {"volume": 5397.05}),
        # MANUAL-4110 real devices: 0C14 00509809 -> 5098.09; the third one has power,
        # flow and temperatures as "value during error state" (DIF 0x3B/0x3A) while the
        # volume record stays a normal one.
        (
            "elvaco_cmi4110",
            "000C06748823000C14099850000B2D0801000B3B6201000A5A54090A5E79030C788851276702FD170000",
            {"volume": 5098.09},
        ),
        (
            "elvaco_cmi4110",
            "000C06365518000C14136528003B2E0000003B3E0000003A5B00003A5F00000C788414916502FD170304",
            {"volume": 2865.13},
        ),
        # MANUAL-4110 real device without a volume record: energy, ID and error flags.
        ("elvaco_cmi4110", "000C06150110000C782791206802FD170600", {}),
        # TTN cmi4110.js Standard frame: 0C14 97899900 -> 00998997 x 0.01 m³.
        ("elvaco_cmi4110", CMI4110_TTN, {"volume": 9989.97}),
        # TTN cmi4140: documented volume 2297603 (0414 0x0DB1DD2C x 0.01 m³).
        ("elvaco_cmi4140", CMI4140_TTN, {"volume": 2297603.0}),
        # TTN cmi4160 "Second example": documented volume 2013.06 (0413 x 0.001 m³).
        ("elvaco_cmi4160", CMI4160_TTN, {"volume": 2013.06}),
        # TTN cmi4160 "Value during error state": power, flow and temperatures are
        # error-state values (DIF 0x32), the volume (0415 0x000F678D x 0.1) is not.
        ("elvaco_cmi4160", CMI4160_ERROR, {"volume": 100954.9}),
    ],
    ids=[
        "4110-manual",
        "4110-device",
        "4110-device-error",
        "4110-no-volume",
        "4110-ttn",
        "4140-ttn",
        "4160-ttn",
        "4160-error-state",
    ],
)
def test_vendor_examples(model_id: str, payload: str | bytes, expected: Readings) -> None:
    readings = decode(model_id, payload)
    assert readings == expected
    for key, value in readings.items():
        assert isinstance(value, QUANTITIES[key].kind)
    assert set(readings) <= elvaco.MODELS[model_id].keys


def test_ttn_cmi4140_yaml_input_is_not_a_cmi4140_frame() -> None:
    # The input bytes of cmi4140-codec.yaml start with 0x00, CMi4110's Standard format;
    # CMi4140 formats are 0x15-0x1B, so the frame is rejected rather than misread.
    with pytest.raises(CodecError, match="unknown message format 0x00"):
        decode("elvaco_cmi4140", CMI4110_TTN)


# --- the volume register ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vif", "expected"),
    [
        # TABLES: 0410..0417 with the 32-bit integer 0x0001E240 = 123456.
        ("10", 0.123456),
        ("11", 1.23456),
        ("12", 12.3456),
        ("13", 123.456),
        ("14", 1234.56),
        ("15", 12345.6),
        ("16", 123456.0),
        ("17", 1234560.0),
    ],
)
def test_volume_vif_exponents(vif: str, expected: float) -> None:
    for model_id in STANDARD:
        assert decode(model_id, frame(model_id, f"04{vif}40e20100")) == {"volume": expected}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("0113ff", -0.001),  # 8-bit integer, two's complement
        ("0213e803", 1.0),  # 16-bit integer 1000 L
        ("0313a08601", 100.0),  # 24-bit integer 100000 L
        ("0413ffffff7f", 2147483.647),  # largest 32-bit integer
        ("0613010000000001", 1099511627.777),  # 48-bit integer
        ("07130100000000000100", 281474976710.657),  # 64-bit integer
        ("0913" + "99", 0.099),  # 2-digit BCD
        ("0a13" + "3412", 1.234),  # 4-digit BCD
        ("0b13" + "563412", 123.456),  # 6-digit BCD
        ("0c13" + "78563412", 12345.678),  # 8-digit BCD
        ("0e13" + "120090785634", 345678900.012),  # 12-digit BCD
        ("0c13" + "010000f0", -0.001),  # BCD with the F sign nibble
        ("0513" + "0000c842", 0.1),  # 32-bit real 100.0 L
    ],
)
def test_volume_data_codings(record: str, expected: float) -> None:
    readings = decode("elvaco_cmi4160", frame("elvaco_cmi4160", record))
    assert readings == {"volume": pytest.approx(expected, abs=0, rel=1e-15)}
    # Exact to the litre: the float reads back as the same whole number of litres.
    volume = readings["volume"]
    assert isinstance(volume, float)
    assert round(volume * 1000) == round(expected * 1000)


def test_large_register_is_exact_to_the_litre() -> None:
    # 0413 with 0x7FFFFFFF litres and 0414 with 99999999 x 0.01 m³ (8-digit BCD).
    assert f"{decode('elvaco_cmi4160', frame('elvaco_cmi4160', '0413ffffff7f'))['volume']}" == (
        "2147483.647"
    )
    assert f"{decode('elvaco_cmi4110', frame('elvaco_cmi4110', '0c1499999999'))['volume']}" == (
        "999999.99"
    )


@pytest.mark.parametrize(
    "record",
    [
        "441340e20100",  # storage number 1 (a logged value, e.g. scheduled daily)
        "84011340e20100",  # storage number 2 through a DIFE
        "84101340e20100",  # tariff 1
        "84401340e20100",  # subunit 1
        "141340e20100",  # function "maximum value"
        "241340e20100",  # function "minimum value"
        "04933c40e20100",  # volume VIF with a VIFE (backward flow): another quantity
        "04fd1700000000",  # error flags only
        "0c7844058179",  # fabrication number only
    ],
)
def test_records_that_are_not_the_current_register(record: str) -> None:
    assert decode("elvaco_cmi4140", frame("elvaco_cmi4140", record)) == {}


def test_current_register_found_among_logged_values() -> None:
    # TABLES-style scheduled frame: a logged volume (storage 1) and the current one.
    payload = frame("elvaco_cmi4140", "4413a0860100" + "0413b0860100")
    assert decode("elvaco_cmi4140", payload) == {"volume": 100.016}


def test_error_state_volume_is_invalid() -> None:
    # EN 13757-3 function field 11 "value during error state" on the volume record.
    payload = frame("elvaco_cmi4160", "341340e20100" + "01fd1704")
    assert decode("elvaco_cmi4160", payload) == {"volume_invalid": True}


def test_conflicting_volume_records() -> None:
    payload = frame("elvaco_cmi4160", "041340e20100" + "041341e20100")
    with pytest.raises(CodecError, match="conflicting volume"):
        decode("elvaco_cmi4160", payload)


def test_repeated_identical_volume_is_fine() -> None:
    payload = frame("elvaco_cmi4160", "041340e20100" + "0c1356341200")
    assert decode("elvaco_cmi4160", payload) == {"volume": 123.456}


# --- the record walker ----------------------------------------------------------------------


def test_unknown_records_are_skipped_by_length() -> None:
    # Manufacturer-specific VIF with VIFE chain (CMi4140 Compact "07FFA0" + scaling
    # byte, 8 data bytes), variable length (CMi4160 "0DFF21E9", 9 bytes), idle fillers,
    # 48-bit and 12-digit BCD records, then the volume.
    records = (
        "07ffa033"
        + "1122334455667788"
        + "0dff21e9"
        + "000102030405060708"
        + "2f2f"
        + "06fd0c010203040506"
        + "0e78010203040506"
        + "0413b0860100"
    )
    assert decode("elvaco_cmi4140", frame("elvaco_cmi4140", records)) == {"volume": 100.016}


def test_manufacturer_data_ends_the_records() -> None:
    # DIF 0x0F: the rest is manufacturer-specific, even bytes that look like records.
    payload = frame("elvaco_cmi4160", "0413b0860100" + "0f" + "0413ffffffff")
    assert decode("elvaco_cmi4160", payload) == {"volume": 100.016}


@pytest.mark.parametrize(
    ("model_id", "payload"),
    [
        ("elvaco_cmi4110", CMI4110_MANUAL),
        ("elvaco_cmi4110", CMI4110_TTN.hex()),
        ("elvaco_cmi4140", CMI4140_TTN),
        ("elvaco_cmi4160", CMI4160_TTN.hex()),
        ("elvaco_cmi4160", CMI4160_ERROR.hex()),
    ],
)
def test_every_truncation_is_a_codec_error(model_id: str, payload: str) -> None:
    data = bytes.fromhex(payload)
    decode(model_id, data)
    cut_points = [
        size
        for size in range(2, len(data))
        # A cut that falls exactly between two records leaves a valid shorter frame.
        if not _ends_on_record_boundary(data, size)
    ]
    assert cut_points
    for size in cut_points:
        with pytest.raises(CodecError, match="truncated|needs"):
            decode(model_id, data[:size])


def _ends_on_record_boundary(data: bytes, size: int) -> bool:
    try:
        elvaco.MODELS["elvaco_cmi4160"].decoder(PORT, bytes([0x1E]) + data[1:size])
    except CodecError:
        return False
    return True


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ("04", "no VIF"),
        ("0413", "needs 4 data bytes"),
        ("041340e201", "needs 4 data bytes, only 3 left"),
        ("84", "no DIFE"),
        ("0493", "no VIFE"),
        ("0dff21", "no LVAR"),
        ("0dff21e9000102", "needs 9 data bytes"),
        ("8" + "4" + "80" * 11 + "13", "more than 10 DIFEs"),
        ("04" + "93" + "80" * 10 + "00", "more than 10 VIFEs"),
        ("0c13ab000000", "invalid BCD"),
        ("05130000c07f", "not a number"),
        ("0d13e400000000", "holds no number"),
        ("0013", "holds no number"),
    ],
)
def test_malformed_records(records: str, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode("elvaco_cmi4160", frame("elvaco_cmi4160", records))


@pytest.mark.parametrize(
    ("records", "item", "at"),
    [
        # EN 13757-3: LVAR 0xFB-0xFF are reserved, so the record's length is unknown.
        ("0d13fb", "reserved LVAR 0xFB", 7),
        # Special functions other than idle filler (0x2F) and manufacturer data.
        ("7f", "special DIF 0x7F", 7),
        ("3f", "special DIF 0x3F", 7),
        # Plain-text VIF: its text length is not read by this walker.
        ("047c03414243", "plain-text VIF 0x7C", 7),
    ],
)
def test_unreadable_record_keeps_the_volume_before_it(records: str, item: str, at: int) -> None:
    # Derived: a volume record (DIF 04, VIF 13 litres, 123456 L) and then a record
    # whose length cannot be known. The volume stands; the rest is reported truncated.
    payload = bytes.fromhex("1e" + "041340e20100" + records)
    result = decode_frame("elvaco_cmi4160", PORT, payload)
    assert result.readings == {"volume": 123.456}
    assert result.skipped == (Skipped(item, at, truncated=True),)


# --- formats, ports and bad input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "formats", "unsupported"),
    [
        # TABLES message-format lists; JSON (and CMi4140 Heat Intelligence) is rejected.
        ("elvaco_cmi4110", [0x00, 0x01, 0x03, 0x04], {0x02: "JSON"}),
        (
            "elvaco_cmi4140",
            [0x15, 0x16, 0x18, 0x19, 0x1A],
            {0x17: "JSON", 0x1B: "Heat Intelligence"},
        ),
        ("elvaco_cmi4160", [0x1E, 0x1F, 0x21, 0x22, 0x23], {0x20: "JSON"}),
    ],
)
def test_message_formats(model_id: str, formats: list[int], unsupported: dict[int, str]) -> None:
    for message_format in formats:
        payload = bytes([message_format]) + bytes.fromhex("0413b0860100")
        assert decode(model_id, payload) == {"volume": 100.016}
    for message_format, name in unsupported.items():
        json_frame = bytes([message_format]) + b'{"TS":"2022-07-01T13:40:10Z","V":0}'
        with pytest.raises(CodecError, match=f"0x{message_format:02X} \\({name}\\)"):
            decode(model_id, json_frame)
    for message_format in set(range(256)) - set(formats) - set(unsupported):
        with pytest.raises(CodecError, match="unknown message format"):
            decode(model_id, bytes([message_format]) + bytes.fromhex("0413b0860100"))


def test_format_byte_alone_has_no_readings() -> None:
    assert decode("elvaco_cmi4160", b"\x1e") == {}


@pytest.mark.parametrize("model_id", sorted(STANDARD))
@pytest.mark.parametrize("f_port", [0, 1, 3, 100, 223, 255])
def test_wrong_port(model_id: str, f_port: int) -> None:
    with pytest.raises(CodecError, match="fPort 2"):
        decode(model_id, CMI4140_TTN, f_port=f_port)


@pytest.mark.parametrize("model_id", sorted(STANDARD))
def test_empty_payload(model_id: str) -> None:
    with pytest.raises(CodecError, match="empty"):
        decode(model_id, b"")


@pytest.mark.parametrize("payload", ["1e0413b0860100", 1234, None, [30, 4, 19]])
def test_only_codec_error_for_bad_arguments(payload: object) -> None:
    decoder = elvaco.MODELS["elvaco_cmi4160"].decoder
    with pytest.raises(CodecError):
        decoder(PORT, payload)  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        decoder("2", CMI4160_TTN)  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        decoder(True, CMI4160_TTN)


# --- model registry -------------------------------------------------------------------------


def test_models() -> None:
    assert set(elvaco.MODELS) == set(STANDARD)
    for model_id, info in elvaco.MODELS.items():
        assert info.model_id == model_id
        assert info.manufacturer == "Elvaco"
        assert info.title == f"Elvaco CMi{model_id.removeprefix('elvaco_cmi')}"
        assert info.category is Category.WATER_METER
        assert info.keys == {"volume", "volume_invalid"}
        assert all(is_known_key(key) for key in info.keys)


@pytest.mark.parametrize("device_id", ["cmi4110", "cmi4140", "cmi4160"])
def test_model_ids_follow_device_repository(device_id: str) -> None:
    # Device ids of TTN vendor/elvaco/ (cmi4110.yaml, cmi4140.yaml, cmi4160.yaml).
    model_id = model_id_from_version_ids({"brand_id": "elvaco", "model_id": device_id})
    assert model_id == f"elvaco_{device_id}"
    assert model_id in elvaco.MODELS


@pytest.mark.parametrize("model_id", sorted(STANDARD))
def test_keys_are_exactly_what_the_model_produces(model_id: str) -> None:
    produced = set(decode(model_id, frame(model_id, "0413b0860100")))
    produced |= set(decode(model_id, frame(model_id, "3413b0860100")))
    assert produced == elvaco.MODELS[model_id].keys


def test_package_registry() -> None:
    if "elvaco_cmi4160" not in MODELS:
        pytest.skip("elvaco is not registered in codecs/__init__.py yet")
    assert decode_any("elvaco_cmi4160", PORT, CMI4160_TTN) == {"volume": 2013.06}
