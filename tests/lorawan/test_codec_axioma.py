"""Tests for the Axioma Qalcosonic W1 codec.

Where the vectors come from:

* AXIOMA-EXT - the example uplink of Axioma's "Qalcosonic W1 Lora Payload (Long)
  Extended" / "W1 F1 V2.0" documents (0ea0355d 30 29350000 ...), as reproduced in
  tago-io/decoders ``decoders/connector/axioma/water-meter-qalcosonic-w1/v1.0.0/payload.test.ts``
  ("current_volume 13.609") and diwise/iot-agent
  ``internal/pkg/application/decoders/qalcosonic/decoder.qalcosonic_test.go``
  (``qalcosonic_w1e``, current 13609 L, status 48).
* DIWISE - further uplinks in that diwise test file: the temperature variant
  (``TestQalcosonic_w1t``, current 302578 L), a ``TestDecodeW1t`` uplink and the
  24-hour frame (``qalcosonic_w1h``, status 48) and the alarm frame (fPort 103).
* TTN - TheThingsNetwork/lorawan-devices ``vendor/axioma/qalcosonic-w1-codec.yaml``,
  "Enhanced 24h payload": status 0, no alarm flags, log volume 5.938 m³.
* ZENNER - ZennerIoT/element-parsers ``lib/axioma_qalcosonic.ex`` (written to Axioma's
  "Lora Payload W1 V01.7 Extended" PDF): a real extended uplink and port 101/103 frames.
* STATUS - the status values of the Node-RED decoder in gist
  Alkarex/4b5d1fef2ff84d483e2793ed009ef607 (0x04 low battery, 0x10 dry, 0x30 leakage,
  0x70 backflow, 0x90 low temperature, 0xB0 burst, 0xD0 manipulation) and the status
  bits in diwise's decoder (0x04 power low, 0x10 temporary error, 0x20 leak, 0x60
  backflow, 0x80 freeze, 0xA0 burst). Frames for these are the AXIOMA-EXT short
  header with only the status byte changed.
"""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan.codecs import MODELS, axioma, decode as decode_any
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.codecs.model import Category
from custom_components.ange_iot.lorawan.errors import CodecError
from custom_components.ange_iot.lorawan.quantities import QUANTITIES, Readings

MODEL = "axioma_qalcosonic_w1"
PORT = 100

# AXIOMA-EXT: time 0x5D35A00E, status 0x30, current volume 13609 L, log time, log
# volume 10727 L, then 15 hourly deltas of 184/185 L.
EXTENDED = (
    "0ea0355d302935000054c0345de7290000b800b900b800b800b800b900b800b800b800b800b800b800b900b900b900"
)
# A short frame is the first nine bytes of the same layout: time, status, volume.
SHORT = EXTENDED[:18]

# TTN qalcosonic-w1-codec.yaml "Enhanced 24h payload - Lackova", byte for byte.
TTN_24H = bytes(
    [0x01, 0xAE, 0xAC, 0x98, 0x6A, 0x00, 0x32, 0x17, 0x00, 0x00]
    + [0x00] * 8
    + [0x80, 0x03, 0x80, 0x00, 0x54, 0x00, 0x0E, 0x40, 0x05, 0x10]
    + [0x00, 0x48, 0x00, 0x02, 0x40, 0x02, 0x00, 0x00, 0x20]
    + [0x00] * 14
)

NO_ALARMS: Readings = {
    "battery_low": False,
    "meter_alarm_leak": False,
    "meter_alarm_burst": False,
    "meter_alarm_backflow": False,
    "meter_alarm_tamper": False,
    "meter_alarm_dry": False,
}


def decode(payload: str | bytes, f_port: int = PORT) -> Readings:
    data = bytes.fromhex(payload) if isinstance(payload, str) else payload
    return axioma.MODELS[MODEL].decoder(f_port, data)


def with_status(status: int) -> str:
    return SHORT[:8] + f"{status:02x}" + SHORT[10:]


def assert_canonical(readings: Readings) -> None:
    for key, value in readings.items():
        kind = QUANTITIES[key].kind
        assert isinstance(value, kind), key
        if kind is not bool:
            assert not isinstance(value, bool), key


# --- documented uplinks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # AXIOMA-EXT: current volume 13.609 m³; status 0x30 is leakage (STATUS).
        (EXTENDED, {**NO_ALARMS, "meter_alarm_leak": True, "volume": 13.609}),
        # The short frame: the same current reading without the log.
        (SHORT, {**NO_ALARMS, "meter_alarm_leak": True, "volume": 13.609}),
        # DIWISE TestQalcosonic_w1t: current 302578 L; status 0x7C = power low (0x04),
        # permanent (0x08) and temporary (0x10) error, bits 7-5 = 011 backflow.
        (
            "55cb585f7cf29d0400120ae0fe575f8a570400cd04cb04cc04cd04ca04c404c504c404f004e604dc04d604b9057905",
            {
                **NO_ALARMS,
                "battery_low": True,
                "meter_alarm_backflow": True,
                "volume": 302.578,
            },
        ),
        # DIWISE TestDecodeW1t first uplink: status 0, current 0x006BB07B = 7057531 L.
        (
            "3883B268007BB06B008D0560B2B1681F806B00A50465067E06B706BB03A6028501AC00620053006300CF014E03A604",
            {**NO_ALARMS, "volume": 7057.531},
        ),
        # ZennerIoT/element-parsers lib/axioma_qalcosonic.ex, "Real packet from
        # 00070900004D6907" (parser written to Axioma's W1 V01.7 Extended PDF): status
        # 0x10 alone = dry pipe, volume 375 L.
        (
            "41643A5E1077010000F086395E77010000" + "00" * 30,
            {**NO_ALARMS, "meter_alarm_dry": True, "volume": 0.375},
        ),
    ],
    ids=["extended", "short", "w1t-backflow", "w1t-ok", "dry"],
)
def test_documented_frames(payload: str, expected: Readings) -> None:
    readings = decode(payload)
    assert readings == expected
    assert_canonical(readings)
    assert set(readings) <= axioma.MODELS[MODEL].keys


def test_volume_is_exact_to_the_litre() -> None:
    # AXIOMA-EXT volume 13609 L: the float must read back as exactly 13609 litres.
    volume = decode(EXTENDED)["volume"]
    assert isinstance(volume, float)
    assert round(volume * 1000) == 13609
    assert f"{volume}" == "13.609"
    # Largest register (uint32 litres) still exact: 4294967.295 m³.
    top = decode(SHORT[:10] + "ffffffff")["volume"]
    assert f"{top}" == "4294967.295"


def test_history_is_not_a_current_reading() -> None:
    # AXIOMA-EXT: the log volume (10.727 m³) and deltas are past hours; only the
    # current volume is read. Changing every log byte leaves the reading unchanged.
    changed_log = EXTENDED[:18] + "ff" * 38
    assert decode(changed_log) == decode(EXTENDED)
    assert decode(EXTENDED)["volume"] != 10.727


def test_ttn_24h_frame_gives_status_only() -> None:
    # TTN "Enhanced 24h payload": status 0 -> no flags. The frame has no current
    # volume (log volume 5.938 + deltas = the register at the last log hour), so no
    # volume reading is made from it.
    assert decode(TTN_24H) == NO_ALARMS


def test_diwise_24h_frame_status() -> None:
    # DIWISE qalcosonic_w1h: frame version 1, status 48 = 0x30 leakage.
    readings = decode(
        "011fbfd05e30cd0f0800d4879e41865c1b42470d7283b8201608fec181981dd007f3919460218247b631784c1c9e87b8e17600"
    )
    assert readings == {**NO_ALARMS, "meter_alarm_leak": True}
    assert "volume" not in readings


def test_24h_frame_unknown_version() -> None:
    with pytest.raises(CodecError, match="version 0x02"):
        decode(b"\x02" + TTN_24H[1:])


# --- status byte --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "raised"),
    [
        # STATUS exact values.
        (0x00, set()),
        (0x04, {"battery_low"}),
        (0x08, set()),  # permanent error: no canonical key
        (0x10, {"meter_alarm_dry"}),
        (0x30, {"meter_alarm_leak"}),
        (0x70, {"meter_alarm_backflow"}),
        (0x90, set()),  # low temperature / freeze: no canonical key
        (0xB0, {"meter_alarm_burst"}),
        (0xD0, {"meter_alarm_tamper"}),
        # diwise bit masks without the temporary-error bit.
        (0x20, {"meter_alarm_leak"}),
        (0x60, {"meter_alarm_backflow"}),
        (0xA0, {"meter_alarm_burst"}),
        # Combined with power low and permanent error (diwise 0x3C, 0xBC, 0x14, 0x18).
        (0x3C, {"battery_low", "meter_alarm_leak"}),
        (0xBC, {"battery_low", "meter_alarm_burst"}),
        (0x14, {"battery_low", "meter_alarm_dry"}),
        (0x18, {"meter_alarm_dry"}),
    ],
)
def test_status_byte(status: int, raised: set[str]) -> None:
    readings = decode(with_status(status))
    assert readings["volume"] == 13.609
    flags = {key: value for key, value in readings.items() if key != "volume"}
    assert flags == {key: key in raised for key in NO_ALARMS}


@pytest.mark.parametrize("status", [0x40, 0x50, 0xE0, 0xF4])
def test_undocumented_condition_is_not_guessed(status: int) -> None:
    # Bits 7-5 = 010 or 111 name no documented condition: the condition alarms are
    # left out instead of reported as clear, the battery flag and volume still come.
    readings = decode(with_status(status))
    assert readings == {"battery_low": bool(status & 0x04), "volume": 13.609}


# --- other ports ---------------------------------------------------------------------------


def test_alarm_frame_gives_no_readings() -> None:
    # DIWISE and ZennerIoT/element-parsers alarm packets on fPort 103 (time + alarm byte); its bit layout is
    # published inconsistently, so it is accepted without readings.
    assert decode("43b1315d30", f_port=103) == {}
    assert decode("43b1315d88", f_port=103) == {}


@pytest.mark.parametrize("payload", ["43b1315d", "43b1315d3000"])
def test_alarm_frame_wrong_length(payload: str) -> None:
    with pytest.raises(CodecError, match="alarm frame must be 5 bytes"):
        decode(payload, f_port=103)


def test_configuration_reply_has_no_readings() -> None:
    # ZennerIoT/element-parsers lib/axioma_qalcosonic.ex test vector for fPort 101.
    assert decode("04FF891331FD17041344FF891344134D931E206201", f_port=101) == {}


@pytest.mark.parametrize("f_port", [0, 1, 2, 99, 102, 104, 223, 255])
def test_unknown_port(f_port: int) -> None:
    with pytest.raises(CodecError, match="fPort"):
        decode(EXTENDED, f_port=f_port)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 5, 8, 10, 17, 42, 46, 48, 50, 52, 60])
def test_unknown_frame_length(size: int) -> None:
    payload = (bytes.fromhex(EXTENDED) + TTN_24H)[:size]
    with pytest.raises(CodecError, match=f"{size} bytes long"):
        decode(payload)


@pytest.mark.parametrize("cut", [1, 2, 30])
def test_truncated_extended_frame(cut: int) -> None:
    with pytest.raises(CodecError, match="bytes long"):
        decode(EXTENDED[: -2 * cut])


def test_empty_payload() -> None:
    with pytest.raises(CodecError, match="empty"):
        decode(b"")
    with pytest.raises(CodecError, match="empty"):
        decode(b"", f_port=101)


@pytest.mark.parametrize("payload", [SHORT, 1234, None, [1, 2, 3]])
def test_only_codec_error_for_bad_arguments(payload: object) -> None:
    with pytest.raises(CodecError):
        axioma.decode_payload(PORT, payload)  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        axioma.decode_payload("100", bytes.fromhex(SHORT))  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        axioma.decode_payload(True, bytes.fromhex(SHORT))


# --- model registry ---------------------------------------------------------------------


def test_model_info() -> None:
    assert set(axioma.MODELS) == {MODEL}
    info = axioma.MODELS[MODEL]
    assert info.model_id == MODEL
    assert info.manufacturer == "Axioma"
    assert info.title == "Axioma Qalcosonic W1"
    assert info.category is Category.WATER_METER
    assert info.keys <= set(QUANTITIES)


def test_model_id_follows_device_repository() -> None:
    # TTN vendor/axioma/index.yaml lists the device id "qalcosonic-w1".
    assert model_id_from_version_ids({"brand_id": "axioma", "model_id": "qalcosonic-w1"}) == MODEL


def test_keys_are_exactly_what_the_model_produces() -> None:
    produced: set[str] = set()
    for status in range(256):
        produced |= set(decode(with_status(status)))
    assert produced == axioma.MODELS[MODEL].keys


def test_package_registry() -> None:
    if MODEL not in MODELS:
        pytest.skip("axioma is not registered in codecs/__init__.py yet")
    assert decode_any(MODEL, PORT, bytes.fromhex(EXTENDED)) == decode(EXTENDED)
