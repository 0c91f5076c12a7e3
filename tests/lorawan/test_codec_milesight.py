"""Milesight codec tests, run against the vendor's own published example payloads.

Sources, abbreviated in the comments below:
  SD    Milesight-IoT/SensorDecoders, the README.md (or codec.json) in the named folder
  SD#75 Milesight-IoT/SensorDecoders issue #75, example packets posted by Milesight
  TTN   TheThingsNetwork/lorawan-devices, vendor/milesight-iot/<device>-codec.yaml
  UG    a Milesight user guide, "Device Payload" chapter
  SV    sentinel values the module docstring lists (from summaries of the user guides,
        EM400: field reports); the payloads around them are documented ones

Expected values are the vendor's, mapped to our canonical keys: "pir"/"occupancy"
strings become the bool ``occupancy``, WS202 "daylight" becomes ``light_level`` 0/1.
TVOC is never expected: the codec drops it (IAQ index or µg/m³, not ppb).
Vectors marked "derived" are documented payloads cut short or joined, never new bytes.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan import codecs
from custom_components.ange_iot.lorawan.codecs import milesight
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import (
    BUTTON_EVENTS,
    QUANTITIES,
    Readings,
    is_known_key,
)

ALL_MODELS = (
    "milesight_am103",
    "milesight_am103l",
    "milesight_am307",
    "milesight_am307l",
    "milesight_am319",
    "milesight_em300_th",
    "milesight_ws202",
    "milesight_ws203",
    "milesight_em310_udl",
    "milesight_em400_udl",
    "milesight_em400_tld",
    "milesight_em500_udl",
    "milesight_em500_pt100",
    "milesight_ts101",
    "milesight_vs121",
    "milesight_vs133",
    "milesight_ws301",
    "milesight_ws101",
)
# Models that send the 6-byte serial number item (ff08) instead of ff16.
SN6_MODELS = ("milesight_ws202", "milesight_ws301", "milesight_ws101")

# SD em-series/em300-th: 01755C 03673401 046865
EM300_TH_README = "01755c03673401046865"
# UG EM300 series, 5.1 Basic Information: ff0901 00 ff0a 0102 ff0f 00
EM300_BASIC_INFO = "ff090100ff0a0102ff0f00"
# UG EM400-TLD, 5.1 Basic Information (power on, protocol, 8-byte SN, hw, fw, class).
# The AM103(L), AM307(L), AM319, EM300-TH and WS203 READMEs list the same attribute
# items with the same lengths.
BASIC_INFO_SN8 = "ff0bffff0101ff166329c42503920003ff090100ff0a0101ff0f00"
# UG WS101 (milesight.com docs), Basic Information with the 6-byte SN item (ff08) that
# the WS202 README lists.
BASIC_INFO_SN6 = "ff0bffff0101ff086538b2232131ff090100ff0a0102ff0f00"
# SD vs-series/vs121: FF0101 FF086600B0940976 FF090100 FF1F1F07004B (device information)
VS121_INFO = "ff0101ff086600b0940976ff090100ff1f1f07004b"
# SD em-series/em400-udl and em400-tld, and TTN em400-tld-codec.yaml:
# 01755C 03670101 04824408 050001 -> battery 92, temperature 25.7, distance 2116, tilt
EM400_README = "01755c0367010104824408050001"
# SD ws-series/ws101: 017510 FF2E01 -> battery 16, short press
WS101_README = "017510ff2e01"


def decode(model_id: str, hex_payload: str, f_port: int = 85) -> Readings:
    return milesight.MODELS[model_id].decoder(f_port, bytes.fromhex(hex_payload))


@pytest.mark.parametrize(
    ("model_id", "hex_payload", "f_port", "expected"),
    [
        # SD am-series/am103 and am-series/am103l: 017564 03671801 04686D 077DC501
        *(
            (
                model_id,
                "0175640367180104686d077dc501",
                85,
                {"battery": 100, "co2": 453, "temperature": 28.0, "humidity": 54.5},
            )
            for model_id in ("milesight_am103", "milesight_am103l")
        ),
        # TTN am103-codec.yaml and am103l-codec.yaml, example 1
        *(
            (
                model_id,
                "01755c03673401046865077de704",
                85,
                {"battery": 92, "temperature": 30.8, "humidity": 50.5, "co2": 1255},
            )
            for model_id in ("milesight_am103", "milesight_am103l")
        ),
        # SD am-series/am307 and am-series/am307l:
        # 0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627 (tvoc 0.37 dropped)
        *(
            (
                model_id,
                "0367ee0004687c05000106cb02077da803087d250009736627",
                85,
                {
                    "temperature": 23.8,
                    "humidity": 62.0,
                    "occupancy": True,
                    "light_level": 2,
                    "co2": 936,
                    "pressure": 1008.6,
                },
            )
            for model_id in ("milesight_am307", "milesight_am307l")
        ),
        # TTN am307-codec.yaml example 3 and am307l-codec.yaml example 2:
        # co2 1255, tvoc 7 (dropped), pressure 1004.7
        *(
            (
                model_id,
                "077de704087d070009733f27",
                85,
                {"co2": 1255, "pressure": 1004.7},
            )
            for model_id in ("milesight_am307", "milesight_am307l")
        ),
        # SD am-series/am319-hcho:
        # 0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627 0A7D0700 0B7D2000 0C7D3000
        (
            "milesight_am319",
            "0367ee0004687c05000106cb02077da803087d2500097366270a7d07000b7d20000c7d3000",
            85,
            {
                "temperature": 23.8,
                "humidity": 62.0,
                "occupancy": True,
                "light_level": 2,
                "co2": 936,
                "pressure": 1008.6,
                "hcho": 0.07,
                "pm2_5": 32,
                "pm10": 48,
            },
        ),
        # SD AM_Series/AM300 (first-generation README): the same frame with HCHO 0A7D0400
        (
            "milesight_am319",
            "0367ee0004687c05000106cb02077da803087d2500097366270a7d04000b7d20000c7d3000",
            85,
            {
                "temperature": 23.8,
                "humidity": 62.0,
                "occupancy": True,
                "light_level": 2,
                "co2": 936,
                "pressure": 1008.6,
                "hcho": 0.04,
                "pm2_5": 32,
                "pm10": 48,
            },
        ),
        # SD am-series/am319-o3 (its example carries no O3 item)
        (
            "milesight_am319",
            "0367ee0004687c05000106cb02077da803087d2500097366270b7d20000c7d3000",
            85,
            {
                "temperature": 23.8,
                "humidity": 62.0,
                "occupancy": True,
                "light_level": 2,
                "co2": 936,
                "pressure": 1008.6,
                "pm2_5": 32,
                "pm10": 48,
            },
        ),
        # SD#75, AM319 O3 packet; values by the README's read rules (o3 uint16/100 ppm)
        (
            "milesight_am319",
            "0367ea0004688a05000106cb01077dcd04087d5e01097351270d7d03000b7d3b000c7d4300",
            85,
            {
                "temperature": 23.4,
                "humidity": 69.0,
                "occupancy": True,
                "light_level": 1,
                "co2": 1229,
                "pressure": 1006.5,
                "o3": 0.03,
                "pm2_5": 59,
                "pm10": 67,
            },
        ),
        # SD#75, AM319 HCHO packet
        (
            "milesight_am319",
            "0367ea0004688a05000106cb01077dcd04087d5e01097351270a7d07000b7d3b000c7d4300",
            85,
            {
                "temperature": 23.4,
                "humidity": 69.0,
                "occupancy": True,
                "light_level": 1,
                "co2": 1229,
                "pressure": 1006.5,
                "hcho": 0.07,
                "pm2_5": 59,
                "pm10": 67,
            },
        ),
        # SD em-series/em300-th
        (
            "milesight_em300_th",
            EM300_TH_README,
            85,
            {"battery": 92, "temperature": 30.8, "humidity": 50.5},
        ),
        # SD em-series/em300-th/em300-th-codec.json: bytes 0175640367040104687B, values
        # battery 100, temperature 26, humidity 61.5
        (
            "milesight_em300_th",
            "0175640367040104687b",
            85,
            {"battery": 100, "temperature": 26.0, "humidity": 61.5},
        ),
        # TTN em300-th-codec.yaml: sent on fPort 1 (the application port is configurable)
        (
            "milesight_em300_th",
            "0175320367c80004683c",
            1,
            {"battery": 50, "temperature": 20.0, "humidity": 30.0},
        ),
        # SD ws-series/ws202: 017510 030001 040000 -> battery 16, pir trigger, dark
        (
            "milesight_ws202",
            "017510030001040000",
            85,
            {"battery": 16, "occupancy": True, "light_level": 0},
        ),
        # TTN ws202-codec.yaml example 1 (pir: trigger) and example 2 (light: dark)
        ("milesight_ws202", "030001", 85, {"occupancy": True}),
        ("milesight_ws202", "040000", 85, {"light_level": 0}),
        # SD ws-series/ws203 and TTN ws203-codec.yaml: 017564 03673401 046865 050000
        (
            "milesight_ws203",
            "01756403673401046865050000",
            85,
            {"battery": 100, "temperature": 30.8, "humidity": 50.5, "occupancy": False},
        ),
        # SD ws-series/ws203: temperature abnormal 8367220101 -> temperature 29
        ("milesight_ws203", "8367220101", 85, {"temperature": 29.0}),
        # SD em-series/em310-udl README and em310-udl-codec.json, TTN em310-udl-codec.yaml:
        # 01755C 03824408 040001 (position "tilt" has no canonical key)
        (
            "milesight_em310_udl",
            "01755c03824408040001",
            85,
            {"battery": 92, "distance": 2116},
        ),
        # SD em400-udl/em400-tld READMEs, TTN em400-tld-codec.yaml and em400-udl-codec.yaml
        *(
            (
                model_id,
                EM400_README,
                85,
                {"battery": 92, "temperature": 25.7, "distance": 2116},
            )
            for model_id in ("milesight_em400_udl", "milesight_em400_tld")
        ),
        # SD em400-udl/em400-tld READMEs: alarm packets 8367e80001 8482410601
        *(
            (model_id, "8367e800018482410601", 85, {"temperature": 23.2, "distance": 1601})
            for model_id in ("milesight_em400_udl", "milesight_em400_tld")
        ),
        # UG EM400-UDL and EM400-TLD, 5.2 Sensor Data: 017564 0367f800 04820101 050001
        *(
            (
                model_id,
                "0175640367f80004820101050001",
                85,
                {"battery": 100, "temperature": 24.8, "distance": 257},
            )
            for model_id in ("milesight_em400_udl", "milesight_em400_tld")
        ),
        # UG EM400-UDL, threshold packet: 8482330701 -> distance 1843 mm, alarm
        ("milesight_em400_udl", "8482330701", 85, {"distance": 1843}),
        # SD em-series/em500-udl README and TTN em500-udl-codec.yaml (both examples)
        ("milesight_em500_udl", "01756403821e00", 85, {"battery": 100, "distance": 30}),
        ("milesight_em500_udl", "01755c03821e00", 85, {"battery": 92, "distance": 30}),
        # SD em-series/em500-pt100: 017564 03671901 -> battery 100, temperature 28.1
        (
            "milesight_em500_pt100",
            "01756403671901",
            85,
            {"battery": 100, "external_temperature": 28.1},
        ),
        # TTN em500-pt100-codec.yaml: 01755C 03671901
        (
            "milesight_em500_pt100",
            "01755c03671901",
            85,
            {"battery": 92, "external_temperature": 28.1},
        ),
        # SD ts-series/ts101 and TTN ts101-codec.yaml: 017564 03670701
        (
            "milesight_ts101",
            "01756403670701",
            85,
            {"battery": 100, "external_temperature": 26.3},
        ),
        # SD vs-series/vs121: 04C9030800A1 06CD05 (region flags and the maximum skipped)
        (
            "milesight_vs121",
            "04c9030800a106cd05",
            85,
            {"people_count": 3, "occupancy": True},
        ),
        # TTN vs121-codec.yaml: 04C903030002 -> people_counter_all 3
        ("milesight_vs121", "04c903030002", 85, {"people_count": 3, "occupancy": True}),
        # SD vs-series/vs121: 05CC02000100 -> people_in 2, people_out 1
        ("milesight_vs121", "05cc02000100", 85, {"people_in": 2, "people_out": 1}),
        # SD vs-series/vs133, first example: line totals; line 1 total in 72
        (
            "milesight_vs133",
            "03d24800000004d2c800000006d20000000007d20000000009d2000000000ad200000000"
            "0cd2b41400000dd28d1a0000",
            85,
            {"people_total": 72},
        ),
        # SD vs-series/vs133, second example: period counts; line 1 in 0, out 0
        (
            "milesight_vs133",
            "05cc0000000008cc000000000bcc000000000ecc05000700",
            85,
            {"people_in": 0, "people_out": 0},
        ),
        # TTN vs133-codec.yaml: line 1 total in 72, out 200, period 0/0; line 2 zeros
        (
            "milesight_vs133",
            "03d24800000004d2c800000006d20000000007d20000000005cc0000000008cc00000000",
            85,
            {"people_total": 72, "people_in": 0, "people_out": 0},
        ),
        # SD ws-series/ws301: 017564 030001 040001 (tamper status skipped)
        ("milesight_ws301", "017564030001040001", 85, {"battery": 100, "door_open": True}),
        # TTN ws301-codec.yaml example 1: door open
        ("milesight_ws301", "030001", 85, {"door_open": True}),
        # SD ws-series/ws101: 017510 FF2E01 -> battery 16, short press
        ("milesight_ws101", WS101_README, 85, {"battery": 16, "button": "press"}),
        # TTN ws101-codec.yaml: FF2E01 -> button short
        ("milesight_ws101", "ff2e01", 85, {"button": "press"}),
    ],
)
def test_vendor_examples(
    model_id: str, hex_payload: str, f_port: int, expected: Readings
) -> None:
    assert decode(model_id, hex_payload, f_port) == expected


@pytest.mark.parametrize(
    ("model_id", "hex_payload"),
    [
        # SD em-series/em300-th: one history record (timestamp 1665561758, 27.2 °C)
        ("milesight_em300_th", "20ce9e74466310015d00"),
        # SD ws-series/ws203: two history records
        ("milesight_ws203", "20ceae5ba664040024016520ce5c5ca6640301340165"),
        # Derived: SD em300-th history timestamp with an EM500 6-byte record (timestamp +
        # value, SD em500-udl / em500-pt100 / ts101 READMEs) carrying the README values.
        ("milesight_em500_udl", "20ce9e7446631e00"),
        ("milesight_em500_pt100", "20ce9e7446631901"),
        ("milesight_ts101", "20ce9e7446630701"),
        # Derived: VS121 history type 0x02 (people in/out, SD VS121 decoder) with the SD
        # VS121 05CC example values; VS133 type 0x03 (line 1 total in) with 72.
        ("milesight_vs121", "20ce9e74466302" + "02000100"),
        ("milesight_vs133", "20ce9e74466303" + "48000000"),
    ],
)
def test_history_records_are_skipped(model_id: str, hex_payload: str) -> None:
    # History values are from the past; readings carry no timestamp, so none come out.
    assert decode(model_id, hex_payload) == {}


@pytest.mark.parametrize(
    ("model_id", "hex_payload"),
    [
        ("milesight_em300_th", EM300_BASIC_INFO),
        *(
            (model_id, BASIC_INFO_SN8)
            for model_id in ALL_MODELS
            if model_id not in SN6_MODELS and model_id != "milesight_vs121"
        ),
        *((model_id, BASIC_INFO_SN6) for model_id in SN6_MODELS),
        ("milesight_vs121", VS121_INFO),
        # SD vs-series/vs121 region count and flow examples: no canonical key
        ("milesight_vs121", "07d5000100000000000308d50100000000000000"),
        (
            "milesight_vs121",
            "09da00010002000000000ada00000000000000000bda0000000000000012"
            "0cda0000000000000000",
        ),
        # SD vs-series/vs133 region count and dwell time examples
        ("milesight_vs133", "0fe302100709"),
        ("milesight_vs133", "10e4010910112110e4027521753310e4038121238910e40476001387"),
        # TTN ws301-codec.yaml example 2: tamper "uninstalled" only
        ("milesight_ws301", "040001"),
    ],
)
def test_device_status_frames_give_no_readings(model_id: str, hex_payload: str) -> None:
    assert decode(model_id, hex_payload) == {}


def test_status_items_mixed_with_readings() -> None:
    # Derived: UG EM300 basic information followed by the SD EM300-TH reading frame.
    assert decode("milesight_em300_th", EM300_BASIC_INFO + EM300_TH_README) == {
        "battery": 92,
        "temperature": 30.8,
        "humidity": 50.5,
    }


def test_config_reply_is_skipped() -> None:
    # TTN ws203-codec.yaml, downlink example "report_interval: 600" = FF 8E 00 58 02;
    # the device echoes it in its reply, which the WS203 decoder reads as 3 value bytes.
    assert decode("milesight_ws203", "ff8e005802") == {}


@pytest.mark.parametrize(
    ("model_id", "hex_payload", "expected"),
    [
        # SV: EM310-UDL reports 0 mm when no echo returns. Derived from the SD README
        # frame 01755C 03824408 040001 with the distance replaced by 0.
        ("milesight_em310_udl", "01755c03820000040001", {"battery": 92, "distance_invalid": True}),
        # SV: EM400 out of range (65000 = 0xFDE8), periodic and alarm items. Derived
        # from the SD README frames.
        (
            "milesight_em400_tld",
            "01755c036701010482e8fd050001",
            {"battery": 92, "temperature": 25.7, "distance_invalid": True},
        ),
        ("milesight_em400_udl", "8482e8fd01", {"distance_invalid": True}),
        # SV: EM500 collection failed (0xFFFF) and out of range (0xFFFD). Derived from
        # the SD em500-udl README frame 017564 03821E00.
        ("milesight_em500_udl", "0175640382ffff", {"battery": 100, "distance_invalid": True}),
        ("milesight_em500_udl", "0175640382fdff", {"battery": 100, "distance_invalid": True}),
        # SV: the same for the PT100 probe, in periodic and alarm items; derived from
        # the SD em500-pt100 README frame 017564 03671901.
        (
            "milesight_em500_pt100",
            "0175640367ffff",
            {"battery": 100, "external_temperature_invalid": True},
        ),
        ("milesight_em500_pt100", "0367fdff", {"external_temperature_invalid": True}),
        ("milesight_em500_pt100", "83d7ffff0a0001", {"external_temperature_invalid": True}),
    ],
)
def test_sensor_flagged_invalid_values(model_id: str, hex_payload: str, expected: Readings) -> None:
    # A flagged value must never reach a snow-depth, bin-level or lake-temperature
    # entity as a number.
    assert decode(model_id, hex_payload) == expected


def test_values_next_to_a_sentinel_still_decode() -> None:
    # 0xFFFE is not a sentinel: -0.2 °C is a real PT100 reading (derived, SV).
    assert decode("milesight_em500_pt100", "0367feff") == {"external_temperature": -0.2}
    # 64999 mm is not the EM400 sentinel; 1 mm is a real EM310 echo (derived, SV).
    assert decode("milesight_em400_tld", "0482e7fd") == {"distance": 64999}
    assert decode("milesight_em310_udl", "03820100") == {"distance": 1}


def test_later_item_replaces_value_or_marker() -> None:
    # Derived: UG EM400 periodic distance 257 mm followed by an out-of-range alarm
    # item, and the reverse; a value and its invalid marker never come out together.
    assert decode("milesight_em400_udl", "048201018482e8fd01") == {"distance_invalid": True}
    assert decode("milesight_em400_udl", "0482e8fd8482330701") == {"distance": 1843}


@pytest.mark.parametrize(
    ("hex_payload", "button"),
    [
        # SD ws-series/ws101 README: 1 short press, 2 long press, 3 double press
        ("ff2e01", "press"),
        ("ff2e02", "long_press"),
        ("ff2e03", "double_press"),
    ],
)
def test_ws101_button_events(hex_payload: str, button: str) -> None:
    assert decode("milesight_ws101", hex_payload) == {"button": button}


def test_vs121_empty_area_is_not_occupied() -> None:
    # Derived: SD VS121 people-count item with 0 people and no region occupied.
    assert decode("milesight_vs121", "04c900080000") == {"people_count": 0, "occupancy": False}


def test_vs121_eight_byte_serial_number() -> None:
    # Derived: SD VS121 device information with the 8-byte serial number newer units
    # send (the VS121 decoder accepts both lengths).
    info = "ff0101ff086600b09409761234ff090100ff1f1f07004b"
    assert decode("milesight_vs121", info) == {}


def test_vs121_serial_number_cut_after_seven_bytes_is_a_clear_error() -> None:
    # Derived: the 8-byte serial number of the test above, its last byte lost in transit.
    with pytest.raises(CodecError, match="truncated") as raised:
        codecs.decode("milesight_vs121", 85, bytes.fromhex("ff086600b094097612"))
    assert "IndexError" not in str(raised.value)


@pytest.mark.parametrize(
    ("model_id", "hex_payload"),
    [
        # SD em310-udl decoder: report interval reply ff03 (2 bytes), 600 s
        ("milesight_em310_udl", "ff035802"),
        # SD em400-tld decoder: tilt calibration reply ffa5 carries no value
        ("milesight_em400_tld", "ffa5"),
        # SD em500-udl decoder: collection interval reply ff02 (2 bytes)
        ("milesight_em500_udl", "ff023c00"),
        # SD vs133 decoder: extended reply f8 86 (data rate) + result byte 0 (success)
        ("milesight_vs133", "f8860500"),
        ("milesight_vs133", "f98605"),
        # SD vs121 decoder: report interval reply ff03 (3 bytes)
        ("milesight_vs121", "ff03580200"),
        # SD ws301 / ws101 decoders: report interval reply ff03 (2 bytes)
        ("milesight_ws301", "ff035802"),
        ("milesight_ws101", "ff035802"),
    ],
)
def test_config_replies_give_no_readings(model_id: str, hex_payload: str) -> None:
    assert decode(model_id, hex_payload) == {}


@pytest.mark.parametrize(
    ("model_id", "hex_payload", "message"),
    [
        # The WS101 README defines press values 1-3 only.
        ("milesight_ws101", "ff2e04", "button press value 4 is not documented"),
        # The WS301 README defines magnet status 0 (close) and 1 (open) only.
        ("milesight_ws301", "030002", "magnet status must be 0"),
        # A VS133 history record of a data type its decoder does not define.
        ("milesight_vs133", "20ce9e7446637748000000", "history data type 0x77"),
    ],
)
def test_undocumented_values_and_items(model_id: str, hex_payload: str, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode(model_id, hex_payload)


def frame(model_id: str, hex_payload: str, f_port: int = 85) -> codecs.DecodeResult:
    return codecs.decode_frame(model_id, f_port, bytes.fromhex(hex_payload))


@pytest.mark.parametrize(
    ("model_id", "hex_payload", "item"),
    [
        # EM500-UDL alarm channel 0x83 0xE9 sent to an EM310-UDL decoder.
        ("milesight_em310_udl", "83e91e00000001", "channel 0x83 type 0xe9"),
        # WS301 magnet item sent to a WS101: not a WS101 channel.
        ("milesight_ws101", "030001", "channel 0x03 type 0x00"),
        # A TS101 temperature sent to a WS301.
        ("milesight_ws301", "03670701", "channel 0x03 type 0x67"),
    ],
)
def test_unknown_item_alone_is_skipped(model_id: str, hex_payload: str, item: str) -> None:
    result = frame(model_id, hex_payload)
    assert result.readings == {}
    assert result.skipped == (codecs.Skipped(item, 0),)


def test_ttn_am307_example_1_pir_activity() -> None:
    # TTN am307-codec.yaml and am307l-codec.yaml example 1: battery 92, temperature
    # 30.8, humidity 50.5, and 05 6A 4900, the PIR activity count 73 (the TTN example's
    # commented-out "activity: 73"). It used to reject the whole frame.
    for model_id in ("milesight_am307", "milesight_am307l"):
        result = frame(model_id, "01755c03673401046865056a4900")
        assert result.readings == {
            "battery": 92,
            "temperature": 30.8,
            "humidity": 50.5,
            "motion": 73,
        }
        assert result.skipped == ()


def test_am307_codec_json_older_firmware_items() -> None:
    # SD am-series/am307/am307-codec.json "bytes" mixes in the older (AM100 layout)
    # items: PIR activity 05 6A and illuminance 06 65 (lux, then infrared+visible and
    # infrared). Every item is decoded; TVOC as IAQ is skipped by design.
    result = frame(
        "milesight_am307",
        "01755c03673401046865056a490006651c0079001400077de704087d070009733f27",
    )
    assert result.readings == {
        "battery": 92,
        "temperature": 30.8,
        "humidity": 50.5,
        "motion": 73,
        "illuminance": 28,
        "co2": 1255,
        "pressure": 1004.7,
    }
    assert result.skipped == ()


def test_unknown_item_between_known_ones_is_skipped() -> None:
    # Derived from the TTN AM307 example 1: a made-up channel 0x03 type 0x99 with a
    # 2-byte value in place of the temperature. The items after it are still decoded.
    result = frame("milesight_am307", "01755c0399aabb046865056a4900")
    assert result.readings == {"battery": 92, "humidity": 50.5, "motion": 73}
    assert result.skipped == (codecs.Skipped("channel 0x03 type 0x99", 3),)
    # The plain decoder gives the same readings.
    assert decode("milesight_am307", "01755c0399aabb046865056a4900") == result.readings


def test_unknown_last_item_takes_the_rest_of_the_frame() -> None:
    result = frame("milesight_am307", "01755c0399aabbccdd")
    assert result.readings == {"battery": 92}
    assert result.skipped == (codecs.Skipped("channel 0x03 type 0x99", 3),)


def test_an_implausibly_long_unknown_rest_is_reported_truncated() -> None:
    # Derived: after the battery, an unknown item and 20 bytes that hold no known item.
    # No AM307 value is longer than 16 bytes (the history record), so this is no single
    # item: the battery is kept and the rest is dropped as a truncation.
    result = frame("milesight_am307", "01755c" + "0a99" + "00" * 20)
    assert result.readings == {"battery": 92}
    assert result.skipped == (codecs.Skipped("channel 0x0a type 0x99", 3, truncated=True),)


def test_channels_are_per_model() -> None:
    # SD ws-series/ws203 frame sent to a WS202 decoder: the WS202 README defines no
    # temperature item (and its 0x04 channel is daylight, not humidity). Nothing after
    # the battery is a WS202 item, so all of it is one skipped run.
    result = frame("milesight_ws202", "01756403673401046865050000")
    assert result.readings == {"battery": 100}
    assert result.skipped == (codecs.Skipped("channel 0x03 type 0x67", 3),)
    # The WS202 README documents the 6-byte serial number only (ff08, not ff16): the
    # 8-byte one is skipped, the attributes after it are still read (no readings).
    result = frame("milesight_ws202", BASIC_INFO_SN8)
    assert result.readings == {}
    assert result.skipped == (codecs.Skipped("channel 0xff type 0x16", 6),)


@pytest.mark.parametrize(
    ("model_id", "hex_payload", "message"),
    [
        # Derived: SD am103 README frame without its last byte.
        ("milesight_am103", "0175640367180104686d077dc5", "truncated CO2"),
        # Derived: SD em300-th README frame cut inside the temperature value.
        ("milesight_em300_th", "01755c0367", "truncated temperature"),
        # Derived: SD em300-th README frame cut after a channel id byte.
        ("milesight_em300_th", "01755c03", "truncated item header at byte 3"),
        # Derived: SD ws203 temperature-abnormal frame without its alarm byte.
        ("milesight_ws203", "83672201", "truncated temperature with alarm"),
        # Derived: SD em300-th history record cut short.
        ("milesight_em300_th", "20ce9e7446631001", "truncated history record"),
        # Derived: UG basic information cut inside the serial number.
        ("milesight_am319", "ff0bffff0101ff166329c425", "truncated serial number"),
        # Derived: TTN ws203 config frame without its interval bytes.
        ("milesight_ws203", "ff8e00", "truncated reply to config command 0x8e"),
        # Derived: SD em310-udl README frame cut inside the distance.
        ("milesight_em310_udl", "01755c038244", "truncated distance"),
        # Derived: SD em400 README alarm frame without its alarm status byte.
        ("milesight_em400_tld", "84824106", "truncated distance with alarm"),
        # Derived: SD em500-pt100 README frame cut inside the temperature.
        ("milesight_em500_pt100", "0175640367", "truncated PT100 temperature"),
        # Derived: SD ts101 README frame cut after the temperature's channel id.
        ("milesight_ts101", "01756403", "truncated item header at byte 3"),
        # Derived: SD ts101 README frame cut inside the temperature.
        ("milesight_ts101", "0175640367", "truncated probe temperature"),
        # Derived: SD vs121 05CC example missing its out count.
        ("milesight_vs121", "05cc0200", "truncated people in/out"),
        # Derived: SD vs133 line 1 total in cut short.
        ("milesight_vs133", "03d24800", "truncated line 1 total in"),
        # Derived: VS133 history record cut before its data type byte.
        ("milesight_vs133", "20ce9e744663", "truncated history record"),
        # Derived: VS133 extended reply on 0xF8 without its result byte.
        ("milesight_vs133", "f88605", "truncated reply to extended config command 0x86"),
        # Derived: SD ws101 README frame without the press value.
        ("milesight_ws101", "017510ff2e", "truncated button press"),
        # Derived: SD ws301 README frame cut after the magnet item's header.
        ("milesight_ws301", "0175640300", "truncated magnet status"),
    ],
)
def test_truncated_payloads(model_id: str, hex_payload: str, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode(model_id, hex_payload)


@pytest.mark.parametrize("model_id", ALL_MODELS)
def test_empty_payload(model_id: str) -> None:
    with pytest.raises(CodecError, match="empty payload"):
        decode(model_id, "")


@pytest.mark.parametrize("model_id", ALL_MODELS)
@pytest.mark.parametrize("f_port", [0, 224, 255])
def test_wrong_fport(model_id: str, f_port: int) -> None:
    # Port 0 is MAC commands only and 224-255 are reserved: never a Milesight payload.
    with pytest.raises(CodecError, match=f"fPort {f_port}"):
        decode(model_id, BASIC_INFO_SN8, f_port)


def test_models_metadata() -> None:
    assert set(milesight.MODELS) == set(ALL_MODELS)
    expected = {
        "milesight_am103": ("AM103", Category.CLIMATE),
        "milesight_am103l": ("AM103L", Category.CLIMATE),
        "milesight_am307": ("AM307", Category.CLIMATE),
        "milesight_am307l": ("AM307L", Category.CLIMATE),
        "milesight_am319": ("AM319", Category.CLIMATE),
        "milesight_em300_th": ("EM300-TH", Category.CLIMATE),
        "milesight_ws202": ("WS202", Category.PRESENCE),
        "milesight_ws203": ("WS203", Category.PRESENCE),
        "milesight_em310_udl": ("EM310-UDL", Category.DISTANCE),
        "milesight_em400_udl": ("EM400-UDL", Category.DISTANCE),
        "milesight_em400_tld": ("EM400-TLD", Category.DISTANCE),
        "milesight_em500_udl": ("EM500-UDL", Category.DISTANCE),
        "milesight_em500_pt100": ("EM500-PT100", Category.TEMPERATURE_PROBE),
        "milesight_ts101": ("TS101", Category.TEMPERATURE_PROBE),
        "milesight_vs121": ("VS121", Category.PEOPLE_COUNTER),
        "milesight_vs133": ("VS133", Category.PEOPLE_COUNTER),
        "milesight_ws301": ("WS301", Category.DOOR),
        "milesight_ws101": ("WS101", Category.BUTTON),
    }
    for model_id, info in milesight.MODELS.items():
        assert info.model_id == model_id
        assert info.manufacturer == "Milesight"
        assert (info.name, info.category) == expected[model_id]


def test_model_keys() -> None:
    keys = {model_id: info.keys for model_id, info in milesight.MODELS.items()}
    climate = {"battery", "temperature", "humidity"}
    am307 = climate | {"co2", "occupancy", "motion", "light_level", "illuminance", "pressure"}
    assert keys == {
        "milesight_am103": climate | {"co2"},
        "milesight_am103l": climate | {"co2"},
        "milesight_am307": am307,
        "milesight_am307l": am307,
        "milesight_am319": am307 | {"hcho", "o3", "pm2_5", "pm10"},
        "milesight_em300_th": climate,
        "milesight_ws202": {"battery", "occupancy", "light_level"},
        "milesight_ws203": climate | {"occupancy"},
        "milesight_em310_udl": {"battery", "distance", "distance_invalid"},
        "milesight_em400_udl": {"battery", "temperature", "distance", "distance_invalid"},
        "milesight_em400_tld": {"battery", "temperature", "distance", "distance_invalid"},
        "milesight_em500_udl": {"battery", "distance", "distance_invalid"},
        "milesight_em500_pt100": {
            "battery",
            "external_temperature",
            "external_temperature_invalid",
        },
        "milesight_ts101": {"battery", "external_temperature"},
        "milesight_vs121": {
            "people_count",
            "occupancy",
            "people_in",
            "people_out",
            "people_total",
        },
        "milesight_vs133": {"people_in", "people_out", "people_total"},
        "milesight_ws301": {"battery", "door_open"},
        "milesight_ws101": {"battery", "button"},
    }
    for model_keys in keys.values():
        assert all(is_known_key(key) for key in model_keys)
        assert "tvoc" not in model_keys


def test_outputs_use_canonical_types() -> None:
    # SD am-series/am319-hcho and SD#75 O3 frames together cover every AM319 key.
    frames = (
        "0367ee0004687c05000106cb02077da803087d2500097366270a7d07000b7d20000c7d3000",
        "0367ea0004688a05000106cb01077dcd04087d5e01097351270d7d03000b7d3b000c7d4300",
        # The older-firmware items of SD am307-codec.json: PIR activity, illuminance.
        "056a490006651c0079001400",
    )
    seen: set[str] = set()
    for payload in frames:
        for key, value in decode("milesight_am319", payload).items():
            assert type(value) is QUANTITIES[key].kind, key
            seen.add(key)
    assert seen == milesight.MODELS["milesight_am319"].keys - {"battery"}


@pytest.mark.parametrize(
    ("model_id", "frames"),
    [
        # Documented frames (see test_vendor_examples) plus SV frames for the markers;
        # together they produce every key the model declares.
        ("milesight_em310_udl", ("01755c03824408040001", "03820000")),
        ("milesight_em400_tld", (EM400_README, "0482e8fd")),
        ("milesight_em500_udl", ("01756403821e00", "0382ffff")),
        ("milesight_em500_pt100", ("01756403671901", "0367ffff")),
        ("milesight_ts101", ("01756403670701",)),
        ("milesight_vs121", ("04c9030800a1", "05cc02000100", "0dcc07000500")),
        ("milesight_vs133", ("03d24800000005cc05000700",)),
        ("milesight_ws301", ("017564030001",)),
        ("milesight_ws101", (WS101_README,)),
    ],
)
def test_new_models_declare_exactly_what_they_return(
    model_id: str, frames: tuple[str, ...]
) -> None:
    seen: set[str] = set()
    for frame in frames:
        for key, value in decode(model_id, frame).items():
            if key.endswith("_invalid"):
                assert value is True
            else:
                assert type(value) is QUANTITIES[key].kind, key
            if key == "button":
                assert value in BUTTON_EVENTS
            seen.add(key)
    assert seen == milesight.MODELS[model_id].keys


def test_registry_decode() -> None:
    # The package registry wraps the same decoder.
    assert codecs.decode("milesight_em300_th", 85, bytes.fromhex(EM300_TH_README)) == {
        "battery": 92,
        "temperature": 30.8,
        "humidity": 50.5,
    }
    with pytest.raises(CodecError):
        codecs.decode("milesight_ws203", 85, b"")
