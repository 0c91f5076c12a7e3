"""The codec registry: decode(), MODELS, model guessing and network-decoded objects."""

from __future__ import annotations

import pytest

from custom_components.ange_iot.lorawan.codecs import (
    MODELS,
    CodecError,
    decode,
    guess_model,
    readings_from_decoded,
)
from custom_components.ange_iot.lorawan.codecs.guess import model_id_from_version_ids
from custom_components.ange_iot.lorawan.quantities import is_known_key

# TTN Device Repository vendor ids ("milesight-iot" shortened to "milesight").
VENDOR_IDS = {
    "axioma", "browan", "decentlab", "dragino", "elsys", "elvaco", "milesight", "netvox", "talkpool",
}

# TTN vendor/elsys/ers-co2-codec.yaml example.
ERS_CO2 = bytes.fromhex("0100E202290400270506060308")


def test_model_ids_follow_the_device_repository_scheme() -> None:
    for model_id, info in MODELS.items():
        assert model_id == model_id.lower()
        assert "-" not in model_id
        assert model_id.split("_")[0] in VENDOR_IDS
        assert info.model_id == model_id
        assert all(is_known_key(key) for key in info.keys), model_id


def test_decode_returns_canonical_keys() -> None:
    assert decode("elsys_ers_co2", 5, ERS_CO2)["co2"] == 776


@pytest.mark.parametrize(
    ("model", "f_port", "payload", "message"),
    [
        ("nobody_nothing", 5, ERS_CO2, "unknown model"),
        ("elsys_ers_co2", "5", ERS_CO2, "fPort"),
        ("elsys_ers_co2", True, ERS_CO2, "fPort"),
        ("elsys_ers_co2", 300, ERS_CO2, "fPort"),
        ("elsys_ers_co2", 5, "0100E2", "payload must be bytes"),
        ("elsys_ers_co2", 5, b"", "empty payload"),
        ("elsys_ers_co2", 5, b"\x01\x00", "needs 2 bytes"),
    ],
)
def test_decode_raises_codec_error_only(model: str, f_port: object, payload: object, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode(model, f_port, payload)  # type: ignore[arg-type]
    assert issubclass(CodecError, ValueError)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("ELSYS ERS-CO2", "elsys_ers_co2"),
        ("Elsys ERS CO2 Lite v1.2", "elsys_ers_co2_lite"),
        ("ERS Eye (EU868)", "elsys_ers_eye"),
        ("Milesight AM307-868M", "milesight_am307"),
        ("EM300-TH EU868", "milesight_em300_th"),
        ("Some unknown sensor", None),
        ("", None),
        (None, None),
    ],
)
def test_guess_from_chirpstack_profile_name(profile: str | None, expected: str | None) -> None:
    assert guess_model(profile_name=profile) == expected


def test_guess_from_tts_version_ids() -> None:
    assert guess_model(version_ids={"brand_id": "milesight-iot", "model_id": "am307"}) == "milesight_am307"
    assert guess_model(version_ids={"brand_id": "elsys", "model_id": "ers-co2"}) == "elsys_ers_co2"
    # An id we have no codec for falls back to the profile name.
    assert (
        guess_model(version_ids={"brand_id": "acme", "model_id": "x"}, profile_name="ELSYS ERS")
        == "elsys_ers"
    )
    assert model_id_from_version_ids({"brand_id": 5, "model_id": "x"}) is None
    assert model_id_from_version_ids({"brand_id": "dragino", "model_id": "lwl02"}) == "dragino_lwl02"


def test_network_decoded_object_fields() -> None:
    # ChirpStack/TTS objects as the vendors' own JavaScript codecs produce them.
    elsys_object = {"temperature": 22.6, "humidity": 41, "light": 39, "motion": 6, "co2": 776, "vdd": 3627}
    assert readings_from_decoded(elsys_object) == {
        "temperature": 22.6,
        "humidity": 41.0,
        "illuminance": 39,
        "motion": 6,
        "co2": 776,
        "battery_voltage": pytest.approx(3.627),
    }
    milesight_object = {"battery": 92, "pir": "trigger", "pressure": 1004.7, "tvoc": 7}
    assert readings_from_decoded(milesight_object) == {
        "battery": 92,
        "occupancy": True,
        "pressure": 1004.7,
        "tvoc": 7,
    }


def test_network_decoded_object_ignores_bad_types() -> None:
    readings = readings_from_decoded(
        {
            "temperature": "warm",
            "humidity": None,
            "co2": True,
            "door": "ajar",
            5: 1,
            "pressure": 101325,
            "leak": "normal",
            "magnet_status": 1,
            "vendor_specific": 3,
        }
    )
    assert readings == {"pressure": 1013.25, "water_leak": False, "door_open": True}


def test_first_alias_wins() -> None:
    assert readings_from_decoded({"temperature": 20.0, "temp": 30.0}) == {"temperature": 20.0}
