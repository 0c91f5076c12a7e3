"""Tests for the Netvox codec, run against Netvox's own published example frames.

Sources, abbreviated in the comments below:
  TTN  TheThingsNetwork/lorawan-devices, vendor/netvox/<device>-codec.yaml, uplinkDecoder
       examples (written by Netvox; decoders in vendor/netvox/payload/*.js)
  UM   a Netvox user manual, chapter "Data Report" / "Example of ReportDataCmd" or
       "Example of ConfigureCmd", as published on manualshive.com (model named)

Netvox's decoders print raw vendor values ("Volt: '2.3(low battery)'", "OnOff: 1",
"WaterLeak_2: 'Leak'", "Status_2: 'ON'"); the expected values below are the same facts
in canonical keys and units. Vectors marked "derived" change one documented field of a
documented frame to the other documented value of that field (e.g. OnOff 1 -> 0,
"close: 0"); they are never new layouts.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan import codecs
from custom_components.ange_iot.lorawan.codecs import netvox
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings, is_known_key

REPORT_PORT = 6
CONFIG_PORT = 7

EXPECTED_MODELS: dict[str, tuple[str, Category, int]] = {
    # model id: (name, category, device-type byte from the TTN decoders / Devicetype list)
    "netvox_r711": ("R711", Category.CLIMATE, 0x01),
    "netvox_r718ab": ("R718AB", Category.CLIMATE, 0x13),
    "netvox_r311a": ("R311A", Category.DOOR, 0x02),
    "netvox_r718f": ("R718F", Category.DOOR, 0x1D),
    "netvox_r311wa": ("R311WA", Category.PRESENCE, 0x5A),
    "netvox_r311w": ("R311W", Category.LEAK, 0x06),
    "netvox_r718wa": ("R718WA", Category.LEAK, 0x32),
    "netvox_r718x": ("R718X", Category.DISTANCE, 0x34),
}


def decode(model_id: str, hex_payload: str, f_port: int = REPORT_PORT) -> Readings:
    return netvox.MODELS[model_id].decoder(f_port, bytes.fromhex(hex_payload))


def assert_canonical(readings: Readings) -> None:
    """Every value has a canonical key and that key's Python type."""
    for key, value in readings.items():
        if key.endswith("_invalid"):
            assert value is True, key
            continue
        kind = QUANTITIES[key].kind
        if kind is bool:
            assert isinstance(value, bool), key
        else:
            assert isinstance(value, kind) and not isinstance(value, bool), key


# --- data reports (fPort 6, report type 0x01) ---------------------------------------------

# One published data report per model, with the vendor's decoded values.
STATUS_REPORTS: dict[str, tuple[str, Readings]] = {
    # TTN r711-codec.yaml "Status report": Volt 3, Temp 25.38, Humi 68.
    "netvox_r711": (
        "0101011E09EA1A90000000",
        {"battery_voltage": 3.0, "battery_low": False, "temperature": 25.38, "humidity": 68.0},
    ),
    # TTN r718ab-codec.yaml "Status report": Volt 3.6, Temp 25.38, Humi 68.
    "netvox_r718ab": (
        "0113012409EA1A90000000",
        {"battery_voltage": 3.6, "battery_low": False, "temperature": 25.38, "humidity": 68.0},
    ),
    # TTN r311a-codec.yaml "Status report": Volt 3, OnOff 1 (open).
    "netvox_r311a": (
        "0102011E01000000000000",
        {"battery_voltage": 3.0, "battery_low": False, "door_open": True},
    ),
    # TTN r718f-codec.yaml "Status report": Volt 3.6, OnOff 1 (open).
    "netvox_r718f": (
        "011D012401000000000000",
        {"battery_voltage": 3.6, "battery_low": False, "door_open": True},
    ),
    # TTN r311wa-codec.yaml "Status report": Volt 3, Status_1 OFF, Status_2 ON.
    "netvox_r311wa": (
        "015A011E00010000000000",
        {"battery_voltage": 3.0, "battery_low": False, "occupancy": True},
    ),
    # TTN r311w-codec.yaml "Status report": Volt 3, WaterLeak_1 NoLeak, WaterLeak_2 Leak.
    "netvox_r311w": (
        "0106011E00010000000000",
        {"battery_voltage": 3.0, "battery_low": False, "water_leak": True},
    ),
    # TTN r718wa-codec.yaml "Status report": Volt 3, WaterLeak Leak.
    "netvox_r718wa": (
        "0132011E01000000000000",
        {"battery_voltage": 3.0, "battery_low": False, "water_leak": True},
    ),
    # TTN r718x-codec.yaml "Status report": Volt 3.6, Status ON, Distance 300, Temp 26.3,
    # FillLevel 50, AngleOfInclination 10 (status and angle have no key).
    "netvox_r718x": (
        "01340124" + "01" + "012C" + "0107" + "32" + "0A",
        {
            "battery_voltage": 3.6,
            "battery_low": False,
            "distance": 300,
            "temperature": 26.3,
            "fill_level": 50.0,
        },
    ),
}


@pytest.mark.parametrize("model_id", sorted(STATUS_REPORTS))
def test_vendor_status_report(model_id: str) -> None:
    payload, expected = STATUS_REPORTS[model_id]
    readings = decode(model_id, payload)
    assert readings == expected
    assert_canonical(readings)


def test_every_model_has_a_status_report() -> None:
    assert set(STATUS_REPORTS) == set(EXPECTED_MODELS)


@pytest.mark.parametrize(
    ("model_id", "payload", "expected"),
    [
        # UM R718AB, example 1: 0113012406701A9E000000 -> 3.6 V, 16.48 °C, 68.14 %.
        (
            "netvox_r718ab",
            "0113012406701A9E000000",
            {"battery_voltage": 3.6, "battery_low": False, "temperature": 16.48, "humidity": 68.14},
        ),
        # UM R718AB, example 2: 01130124FF391A9E000000 -> -1.99 °C (two's complement).
        (
            "netvox_r718ab",
            "01130124FF391A9E000000",
            {"battery_voltage": 3.6, "battery_low": False, "temperature": -1.99, "humidity": 68.14},
        ),
        # TTN r311a-codec.yaml second "Status report": Volt '2.3(low battery)', OnOff 1.
        (
            "netvox_r311a",
            "0102019701000000000000",
            {"battery_voltage": 2.3, "battery_low": True, "door_open": True},
        ),
        # Derived from the TTN R311A report: OnOff 0. R313A manual: "Window/Door sensor
        # close: 0"; R311CB manual: "Open: on; Close: off".
        (
            "netvox_r311a",
            "0102011E00000000000000",
            {"battery_voltage": 3.0, "battery_low": False, "door_open": False},
        ),
        (
            "netvox_r718f",
            "011D012400000000000000",
            {"battery_voltage": 3.6, "battery_low": False, "door_open": False},
        ),
        # Derived from the TTN R311WA report: both pads OFF -> free; only pad 1 ON -> taken.
        (
            "netvox_r311wa",
            "015A011E00000000000000",
            {"battery_voltage": 3.0, "battery_low": False, "occupancy": False},
        ),
        (
            "netvox_r311wa",
            "015A011E01000000000000",
            {"battery_voltage": 3.0, "battery_low": False, "occupancy": True},
        ),
        # Derived from the TTN R311W report: both probes NoLeak -> dry; probe 1 only -> leak.
        (
            "netvox_r311w",
            "0106011E00000000000000",
            {"battery_voltage": 3.0, "battery_low": False, "water_leak": False},
        ),
        (
            "netvox_r311w",
            "0106011E01000000000000",
            {"battery_voltage": 3.0, "battery_low": False, "water_leak": True},
        ),
        # Derived from the TTN R718WA report: WaterLeak NoLeak.
        (
            "netvox_r718wa",
            "0132011E00000000000000",
            {"battery_voltage": 3.0, "battery_low": False, "water_leak": False},
        ),
        # Derived from the TTN R718X report with the low-battery voltage byte of UM R718B2
        # example 2 (A0: 3.2 V, bit 7 set) and its temperature FF39 (-19.9 °C at 0.1 °C,
        # the unit of the R718X field).
        (
            "netvox_r718x",
            "013401A0" + "01" + "012C" + "FF39" + "32" + "0A",
            {
                "battery_voltage": 3.2,
                "battery_low": True,
                "distance": 300,
                "temperature": -19.9,
                "fill_level": 50.0,
            },
        ),
        # Derived from the TTN R718X report: FillLevel 0x64 (100 %, full) and 0x00.
        (
            "netvox_r718x",
            "01340124" + "01" + "012C" + "0107" + "64" + "0A",
            {
                "battery_voltage": 3.6,
                "battery_low": False,
                "distance": 300,
                "temperature": 26.3,
                "fill_level": 100.0,
            },
        ),
        # Derived: FillLevel 0xFF is beyond the field's 0-100 % range: invalid.
        (
            "netvox_r718x",
            "01340124" + "01" + "012C" + "0107" + "FF" + "0A",
            {
                "battery_voltage": 3.6,
                "battery_low": False,
                "distance": 300,
                "temperature": 26.3,
                "fill_level_invalid": True,
            },
        ),
    ],
)
def test_documented_field_values(model_id: str, payload: str, expected: Readings) -> None:
    readings = decode(model_id, payload)
    assert readings == expected
    assert_canonical(readings)


def test_low_battery_flag_is_not_part_of_the_voltage() -> None:
    # TTN r311a-codec.yaml: 0x97 is "2.3(low battery)": bit 7 is the flag, 0x17 = 2.3 V.
    readings = decode("netvox_r311a", "0102019701000000000000")
    assert readings["battery_voltage"] == 2.3
    assert readings["battery_low"] is True


# --- version packets (fPort 6, report type 0x00) ------------------------------------------

VERSION_REPORTS: dict[str, str] = {
    # TTN <device>-codec.yaml "Startup version report" (SWver, HWver, Datecode).
    "netvox_r711": "0101006448201712080000",
    "netvox_r718ab": "0113006402202101260000",
    "netvox_r311a": "010200640B202004240000",
    "netvox_r718f": "011D006402201906190000",
    "netvox_r311wa": "015A00640B201911120000",
    "netvox_r311w": "010600640B201911120000",
    "netvox_r718wa": "013200640B201911120000",
    "netvox_r718x": "0134006401202008110000",
}


@pytest.mark.parametrize("model_id", sorted(VERSION_REPORTS))
def test_version_packet_has_no_readings(model_id: str) -> None:
    assert decode(model_id, VERSION_REPORTS[model_id]) == {}


def test_every_model_has_a_version_packet() -> None:
    assert set(VERSION_REPORTS) == set(EXPECTED_MODELS)


# --- configuration replies (fPort 7) ------------------------------------------------------

CONFIG_REPLIES: list[tuple[str, str]] = [
    # TTN <device>-codec.yaml "Configure report response" (0x81, Success) and
    # "Read configure report response" (0x82, MinTime 900, MaxTime 1800, ...).
    ("netvox_r711", "8101000000000000000000"),
    ("netvox_r711", "8201038407080100320032"),
    ("netvox_r718ab", "8113000000000000000000"),
    ("netvox_r718ab", "8213038407080100320032"),
    ("netvox_r311a", "8102000000000000000000"),
    ("netvox_r311a", "8202038407080100000000"),
    ("netvox_r718f", "811D000000000000000000"),
    ("netvox_r718f", "821D038407080100000000"),
    ("netvox_r311wa", "815A000000000000000000"),
    ("netvox_r311wa", "825A0384070801001E000A"),
    # UM R313WA (device type 0x5A, as the R311WA): configuration failure and the read
    # configuration reply.
    ("netvox_r311wa", "815A010000000000000000"),
    ("netvox_r311wa", "825A003C003C01001E001E"),
    ("netvox_r311w", "8106000000000000000000"),
    ("netvox_r311w", "8206038407080100000000"),
    ("netvox_r718wa", "8132000000000000000000"),
    ("netvox_r718wa", "8232038407080100000000"),
    # TTN r718x-codec.yaml: configure, read configure, set/get distance threshold, set/get
    # fill max distance, set/get dead zone distance responses.
    ("netvox_r718x", "8134000000000000000000"),
    ("netvox_r718x", "8234038407080100640005"),
    ("netvox_r718x", "8334000000000000000000"),
    ("netvox_r718x", "8434003200000000000000"),
    ("netvox_r718x", "8534000000000000000000"),
    ("netvox_r718x", "863407D000000000000000"),
    ("netvox_r718x", "8B34000000000000000000"),
    ("netvox_r718x", "8C3401F400000000000000"),
]


@pytest.mark.parametrize(("model_id", "payload"), CONFIG_REPLIES)
def test_configuration_reply_has_no_readings(model_id: str, payload: str) -> None:
    assert decode(model_id, payload, f_port=CONFIG_PORT) == {}


def test_every_model_has_configuration_replies() -> None:
    assert {model_id for model_id, _ in CONFIG_REPLIES} == set(EXPECTED_MODELS)


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize(
    "command",
    [
        0x01,  # ConfigReportReq: a downlink, never sent by the device
        0x02,  # ReadConfigReportReq: likewise
        0x00,
        0x80,
        0x8D,
        0xFF,
    ],
)
def test_unknown_configuration_command(model_id: str, command: int) -> None:
    device_type = EXPECTED_MODELS[model_id][2]
    frame = bytes([command, device_type]) + bytes(9)
    with pytest.raises(CodecError, match=f"0x{command:02X} is not a configuration reply"):
        netvox.MODELS[model_id].decoder(CONFIG_PORT, frame)


@pytest.mark.parametrize("model_id", sorted(set(EXPECTED_MODELS) - {"netvox_r718x"}))
def test_distance_setting_replies_are_r718x_only(model_id: str) -> None:
    # TTN r718x-codec.yaml "Get fill max level response" with this model's device type:
    # only the R718X has distance settings.
    device_type = EXPECTED_MODELS[model_id][2]
    frame = bytes([0x86, device_type, 0x07, 0xD0]) + bytes(7)
    with pytest.raises(CodecError, match="not a configuration reply"):
        netvox.MODELS[model_id].decoder(CONFIG_PORT, frame)


# --- device type --------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize("sender", sorted(STATUS_REPORTS))
def test_report_from_another_model_is_rejected(model_id: str, sender: str) -> None:
    payload, _ = STATUS_REPORTS[sender]
    if sender == model_id:
        return
    sender_name, _, sender_type = EXPECTED_MODELS[sender]
    with pytest.raises(
        CodecError, match=rf"device type 0x{sender_type:02X} \({sender_name}\) is not"
    ):
        decode(model_id, payload)
    with pytest.raises(CodecError, match="device type"):
        decode(model_id, VERSION_REPORTS[sender])


@pytest.mark.parametrize(("sender", "payload"), CONFIG_REPLIES)
def test_configuration_reply_from_another_model_is_rejected(sender: str, payload: str) -> None:
    for model_id in set(EXPECTED_MODELS) - {sender}:
        with pytest.raises(CodecError, match="device type"):
            decode(model_id, payload, f_port=CONFIG_PORT)


def test_r718a_frame_is_not_an_r718ab() -> None:
    # UM R718A example 1 (device type 0x0B, same layout as the R718AB): a different
    # product, so the R718AB model refuses it rather than guessing.
    with pytest.raises(CodecError, match="device type 0x0B is not this model's 0x13"):
        decode("netvox_r718ab", "010B012406701A9E000000")


# --- bad frames ---------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", sorted(STATUS_REPORTS))
def test_truncated_report(model_id: str) -> None:
    frame = bytes.fromhex(STATUS_REPORTS[model_id][0])
    for size in range(len(frame)):
        with pytest.raises(CodecError, match=f"frame has {size} bytes"):
            netvox.MODELS[model_id].decoder(REPORT_PORT, frame[:size])


@pytest.mark.parametrize(("model_id", "payload"), CONFIG_REPLIES)
def test_truncated_configuration_reply(model_id: str, payload: str) -> None:
    frame = bytes.fromhex(payload)
    for size in range(len(frame)):
        with pytest.raises(CodecError, match=f"frame has {size} bytes"):
            netvox.MODELS[model_id].decoder(CONFIG_PORT, frame[:size])


@pytest.mark.parametrize("model_id", sorted(STATUS_REPORTS))
def test_overlong_report(model_id: str) -> None:
    # Netvox frames are fixed: "NetvoxPayLoadData - Fixed bytes (Fixed = 8 bytes)".
    with pytest.raises(CodecError, match="frame has 12 bytes"):
        decode(model_id, STATUS_REPORTS[model_id][0] + "00")


@pytest.mark.parametrize("model_id", sorted(STATUS_REPORTS))
@pytest.mark.parametrize("report_type", [0x02, 0x03, 0x7F, 0xFF])
def test_unknown_report_type(model_id: str, report_type: int) -> None:
    frame = bytearray.fromhex(STATUS_REPORTS[model_id][0])
    frame[2] = report_type
    with pytest.raises(CodecError, match=f"unknown report type 0x{report_type:02X}"):
        netvox.MODELS[model_id].decoder(REPORT_PORT, bytes(frame))


@pytest.mark.parametrize("model_id", sorted(STATUS_REPORTS))
@pytest.mark.parametrize("version", [0x00, 0x02, 0xFF])
def test_unknown_protocol_version(model_id: str, version: int) -> None:
    frame = bytearray.fromhex(STATUS_REPORTS[model_id][0])
    frame[0] = version
    with pytest.raises(CodecError, match=f"unknown protocol version 0x{version:02X}"):
        netvox.MODELS[model_id].decoder(REPORT_PORT, bytes(frame))


@pytest.mark.parametrize(
    ("model_id", "payload", "field"),
    [
        # The TTN reports with a state byte of 2, which Netvox does not define.
        ("netvox_r311a", "0102011E02000000000000", "contact switch"),
        ("netvox_r718f", "011D012402000000000000", "contact switch"),
        ("netvox_r311wa", "015A011E00020000000000", "seat status 2"),
        ("netvox_r311wa", "015A011E02010000000000", "seat status 1"),
        ("netvox_r311w", "0106011E00020000000000", "water leak 2"),
        ("netvox_r311w", "0106011EFF010000000000", "water leak 1"),
        ("netvox_r718wa", "0132011E02000000000000", "water leak"),
    ],
)
def test_undefined_state_value(model_id: str, payload: str, field: str) -> None:
    with pytest.raises(CodecError, match=f"{field} must be 0"):
        decode(model_id, payload)


@pytest.mark.parametrize("model_id", sorted(EXPECTED_MODELS))
@pytest.mark.parametrize("f_port", [0, 1, 5, 8, 10, 85, 224, 255])
def test_wrong_port(model_id: str, f_port: int) -> None:
    # The Netvox decoders answer every port but 6 and 7 with "unknown FPort".
    with pytest.raises(CodecError, match=f"fPort {f_port} is neither 6"):
        decode(model_id, STATUS_REPORTS[model_id][0], f_port=f_port)


@pytest.mark.parametrize("payload", ["0101011E09EA1A90000000", 1234, None, [1, 1, 1]])
def test_only_codec_error_for_bad_arguments(payload: object) -> None:
    decoder = netvox.MODELS["netvox_r711"].decoder
    with pytest.raises(CodecError):
        decoder(REPORT_PORT, payload)  # type: ignore[arg-type]
    with pytest.raises(CodecError, match="fPort"):
        decoder("6", bytes.fromhex("0101011E09EA1A90000000"))  # type: ignore[arg-type]
    with pytest.raises(CodecError, match="fPort"):
        decoder(True, bytes.fromhex("0101011E09EA1A90000000"))


def test_empty_payload() -> None:
    with pytest.raises(CodecError, match="frame has 0 bytes"):
        decode("netvox_r718x", "")


# --- model registry -----------------------------------------------------------------------


def test_model_ids_names_and_categories() -> None:
    assert set(netvox.MODELS) == set(EXPECTED_MODELS)
    for model_id, info in netvox.MODELS.items():
        name, category, _ = EXPECTED_MODELS[model_id]
        assert info.model_id == model_id
        assert info.manufacturer == "Netvox"
        assert info.name == name
        assert info.title == f"Netvox {name}"
        assert info.category is category
        assert all(is_known_key(key) for key in info.keys)


@pytest.mark.parametrize("model_id", sorted(STATUS_REPORTS))
def test_keys_are_exactly_what_the_model_produces(model_id: str) -> None:
    readings = decode(model_id, STATUS_REPORTS[model_id][0])
    keys = netvox.MODELS[model_id].keys
    assert set(readings) == {key for key in keys if not key.endswith("_invalid")}


@pytest.mark.parametrize(
    "device_id",
    # Device ids as listed in vendor/netvox/index.yaml of the TTN Device Repository.
    ["r711", "r718ab", "r311a", "r718f", "r311wa", "r311w", "r718wa", "r718x"],
)
def test_model_ids_follow_device_repository(device_id: str) -> None:
    model_id = model_id_from_version_ids({"brand_id": "netvox", "model_id": device_id})
    assert model_id == f"netvox_{device_id}"
    assert model_id in netvox.MODELS


def test_package_registry_includes_netvox() -> None:
    assert set(EXPECTED_MODELS) <= set(codecs.MODELS)
    payload, expected = STATUS_REPORTS["netvox_r718x"]
    assert codecs.decode("netvox_r718x", REPORT_PORT, bytes.fromhex(payload)) == expected
