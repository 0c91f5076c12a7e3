"""The one-pass ChirpStack ``up`` reader gives exactly what the full parser gives."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.ange_iot.lorawan.errors import EnvelopeError
from custom_components.ange_iot.lorawan.networks import chirpstack
from custom_components.ange_iot.lorawan.networks.chirpstack_fast import fast_up

FIXTURE = Path(__file__).parent.parent / "fixtures" / "chirpstack_up.json"


def _body() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    body["object"] = {"temperature": 21.5, "co2": 612}
    return body


def _full(body: dict[str, Any]) -> Any:
    """The full parser alone, with the one-pass reader switched off."""
    original = chirpstack.fast_up
    chirpstack.fast_up = lambda *_: None  # type: ignore[assignment]
    try:
        return chirpstack.parse(body, "up")
    finally:
        chirpstack.fast_up = original


def _variants() -> list[dict[str, Any]]:
    base = _body()
    variants = [base]

    def variant(**changes: Any) -> None:
        body = copy.deepcopy(base)
        for key, value in changes.items():
            body[key] = value
        variants.append(body)

    second = {"gatewayId": "0016c001f153a14d", "rssi": -36, "snr": 11.0}
    variant(rxInfo=[*base["rxInfo"], second])
    variant(rxInfo=[*base["rxInfo"], {**second, "gatewayId": "0016c001f153a14c"}])
    variant(rxInfo=[{"rssi": -80}, {"rssi": -80, "snr": 3}])  # no gateway ids, ties
    variant(data=base64.b64encode(bytes(range(40))).decode(), fCnt=4_000_000_000, fPort=255)
    variant(adr=True, confirmed=True, dr=5, devAddr="01020304", time="2026-01-01T00:00:00Z")
    variant(deduplicationId="", object=None)
    info = copy.deepcopy(base["deviceInfo"])
    info.update(deviceName="", tags={})
    variant(deviceInfo=info)
    return variants


@pytest.mark.parametrize("body", _variants())
def test_fast_and_full_agree(body: dict[str, Any]) -> None:
    fast = fast_up(body, chirpstack._device_extra)
    assert fast is not None
    assert [fast] == _full(body)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("time", "1658136855"),  # a number in a string
        ("time", " 2022-07-18T09:34:15Z"),
        ("time", "2022-07-18T09:34:15"),  # no offset
        ("fCnt", -1),
        ("fCnt", "7"),
        ("fPort", 256),
        ("data", "qg="),  # bad padding
        ("data", "q g=="),
        ("rxInfo", []),
        ("rxInfo", [{"gatewayId": 7, "rssi": -50}]),
        ("rxInfo", [{"rssi": True}]),
        ("rxInfo", [{"snr": 5.0}]),  # no RSSI
        ("dr", 16),
        ("adr", "yes"),
        ("txInfo", []),
        ("deviceInfo", {"devEui": "A81758FFFE0312AB"}),
        ("deviceInfo", {"devEui": "01-01-01-01-01-01-01-01"}),
    ],
)
def test_anything_unusual_goes_to_the_full_parser(key: str, value: Any) -> None:
    body = _body()
    body[key] = value
    assert fast_up(body, chirpstack._device_extra) is None
    # And the full parser gives its own answer: an Uplink or a precise error.
    try:
        assert chirpstack.parse(body, "up") == _full(body)
    except EnvelopeError:
        with pytest.raises(EnvelopeError):
            _full(body)
