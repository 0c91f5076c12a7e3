"""Milesight codec tests, run against the vendor's own published example payloads.

Sources, abbreviated in the comments below:
  SD    Milesight-IoT/SensorDecoders, the README.md (or codec.json) in the named folder
  SD#75 Milesight-IoT/SensorDecoders issue #75, example packets posted by Milesight
  TTN   TheThingsNetwork/lorawan-devices, vendor/milesight-iot/<device>-codec.yaml
  UG    a Milesight user guide, "Device Payload" chapter

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
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings

ALL_MODELS = (
    "milesight_am103",
    "milesight_am103l",
    "milesight_am307",
    "milesight_am307l",
    "milesight_am319",
    "milesight_em300_th",
    "milesight_ws202",
    "milesight_ws203",
)

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
            if model_id != "milesight_ws202"
        ),
        ("milesight_ws202", BASIC_INFO_SN6),
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


def test_unknown_channel_am307_ttn_example_1() -> None:
    # TTN am307-codec.yaml example 1 holds 05 6A (an AM107 "activity" item) that no AM307
    # document defines. The vendor JS silently stops there; we refuse the frame.
    with pytest.raises(CodecError, match=r"unknown channel 0x05 type 0x6a at byte 10"):
        decode("milesight_am307", "01755c03673401046865056a4900")


def test_unknown_channel_am307_codec_json() -> None:
    # SD am-series/am307/am307-codec.json "bytes" mixes in the same AM107 items.
    with pytest.raises(CodecError, match="unknown channel 0x05 type 0x6a"):
        decode(
            "milesight_am307",
            "01755c03673401046865056a490006651c0079001400077de704087d070009733f27",
        )


def test_channels_are_per_model() -> None:
    # SD ws-series/ws203 frame sent to a WS202 decoder: the WS202 README defines no
    # temperature item (and its 0x04 channel is daylight, not humidity).
    with pytest.raises(CodecError, match="unknown channel 0x03 type 0x67"):
        decode("milesight_ws202", "01756403673401046865050000")
    # The WS202 README documents the 6-byte serial number only (ff08, not ff16).
    with pytest.raises(CodecError, match="unknown channel 0xff type 0x16"):
        decode("milesight_ws202", BASIC_INFO_SN8)


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
    }
    for model_id, info in milesight.MODELS.items():
        assert info.model_id == model_id
        assert info.manufacturer == "Milesight"
        assert (info.name, info.category) == expected[model_id]


def test_model_keys() -> None:
    keys = {model_id: info.keys for model_id, info in milesight.MODELS.items()}
    climate = {"battery", "temperature", "humidity"}
    am307 = climate | {"co2", "occupancy", "light_level", "pressure"}
    assert keys == {
        "milesight_am103": climate | {"co2"},
        "milesight_am103l": climate | {"co2"},
        "milesight_am307": am307,
        "milesight_am307l": am307,
        "milesight_am319": am307 | {"hcho", "o3", "pm2_5", "pm10"},
        "milesight_em300_th": climate,
        "milesight_ws202": {"battery", "occupancy", "light_level"},
        "milesight_ws203": climate | {"occupancy"},
    }
    for model_keys in keys.values():
        assert model_keys <= QUANTITIES.keys()
        assert "tvoc" not in model_keys


def test_outputs_use_canonical_types() -> None:
    # SD am-series/am319-hcho and SD#75 O3 frames together cover every AM319 key.
    frames = (
        "0367ee0004687c05000106cb02077da803087d2500097366270a7d07000b7d20000c7d3000",
        "0367ea0004688a05000106cb01077dcd04087d5e01097351270d7d03000b7d3b000c7d4300",
    )
    seen: set[str] = set()
    for frame in frames:
        for key, value in decode("milesight_am319", frame).items():
            assert type(value) is QUANTITIES[key].kind, key
            seen.add(key)
    assert seen == milesight.MODELS["milesight_am319"].keys - {"battery"}


def test_registry_decode() -> None:
    # The package registry wraps the same decoder.
    assert codecs.decode("milesight_em300_th", 85, bytes.fromhex(EM300_TH_README)) == {
        "battery": 92,
        "temperature": 30.8,
        "humidity": 50.5,
    }
    with pytest.raises(CodecError):
        codecs.decode("milesight_ws203", 85, b"")
