"""Tests for the network-server envelope parsers.

Fixtures (tests/fixtures/), copied from the vendors' documentation:

- chirpstack_up.json, chirpstack_status.json, chirpstack_join.json: the JSON examples of
  the ``up``, ``status`` and ``join`` events on the ChirpStack v4 docs page "Event types"
  (https://www.chirpstack.io/docs/chirpstack/integrations/events.html; source
  chirpstack/chirpstack-docs, src/chirpstack/integrations/events.md), unchanged. Note the
  ``up`` example has no ``fCnt``: ChirpStack 4.0 omitted fields at their default value.
- tts_uplink.json, tts_join_accept.json: the "Uplink message example" and "Join message
  example" of The Things Stack docs page "Data Formats"
  (https://www.thethingsindustries.com/docs/integrations/data-formats/; source
  TheThingsIndustries/lorawan-stack-docs, doc/content/integrations/data-formats/_index.md,
  the version with ``version_ids``, ``network_ids`` and ``attributes``, v3.34+). One comma
  was added: the docs' uplink example lacks the one between ``"attributes": {...}`` and
  ``"received_at"``, which makes it invalid JSON. The example has no ``f_port``: TTS omits
  fields at zero, so the parsers read it as FPort 0.
- generic_uplink.json: this project's own generic format (see networks/generic.py); the
  payload is an Elsys ERS frame in hex.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.ange_iot.lorawan.networks import EnvelopeError, parse
from custom_components.ange_iot.lorawan.uplink import Uplink, UplinkKind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def only(uplinks: list[Uplink]) -> Uplink:
    assert len(uplinks) == 1
    return uplinks[0]


def assert_error(network: str, body: Any, event: str | None, *fragments: str) -> str:
    with pytest.raises(EnvelopeError) as info:
        parse(network, body, event)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# ======================================================================================
# ChirpStack v4
# ======================================================================================

CS_DEV = "0101010101010101"


@pytest.mark.parametrize("event", ["up", None, " UP "])
def test_chirpstack_up_fixture(event: str | None) -> None:
    up = only(parse("chirpstack", load("chirpstack_up.json"), event))
    assert up.network == "chirpstack"
    assert up.kind is UplinkKind.UPLINK
    assert up.dev_eui == CS_DEV
    assert up.f_port == 1
    assert up.f_cnt == 0  # omitted in the docs' example: proto3 default
    assert up.payload == b"\xaa"
    assert up.decoded is None
    assert up.rssi == -36.0
    assert up.snr == 10.5
    assert up.gateway_count == 1
    assert up.received_at == datetime(2022, 7, 18, 9, 34, 15, 775023, tzinfo=UTC)
    assert up.received_at.utcoffset() == timedelta(0)
    assert up.device_name == "Test device"
    assert up.profile_name == "Test device-profile"
    assert up.application_id == "17c82e96-be03-4f38-aef3-f83d48582d97"
    assert up.device_id is None
    assert up.dedup_id == "3ac7e3c4-4401-4b8d-9386-a5c902f9202d"
    assert up.battery is None
    assert up.model_hint is None
    assert up.extra["dev_addr"] == "00189440"
    assert up.extra["dr"] == 1
    assert up.extra["adr"] is False
    assert up.extra["confirmed"] is False
    assert up.extra["gateway_id"] == "0016c001f153a14c"
    assert up.extra["tags"] == {"key": "value"}
    assert up.extra["tenant_name"] == "ChirpStack"


def test_chirpstack_up_with_object_and_counters() -> None:
    body = load("chirpstack_up.json")
    body.update(fCnt=10, fPort=85, confirmed=True, adr=True, object={"temperature": 21.5})
    up = only(parse("chirpstack", body, "up"))
    assert (up.f_port, up.f_cnt) == (85, 10)
    assert up.decoded == {"temperature": 21.5}
    assert up.extra["confirmed"] is True and up.extra["adr"] is True


def test_chirpstack_up_defaults_when_omitted_or_null() -> None:
    body = load("chirpstack_up.json")
    for key in ("fPort", "data", "dr"):
        del body[key]
    body["object"] = None  # JSON null means "not set" in the protobuf JSON mapping
    del body["rxInfo"][0]["snr"]  # SNR 0 dB omitted (ChirpStack 4.0)
    up = only(parse("chirpstack", body, "up"))
    assert up.f_port == 0
    assert up.f_cnt == 0
    assert up.payload == b""
    assert up.decoded is None
    assert up.snr == 0.0
    assert up.extra["dr"] == 0


def test_chirpstack_up_non_object_decoded_is_ignored() -> None:
    body = load("chirpstack_up.json")
    body["object"] = [1, 2]
    assert only(parse("chirpstack", body, "up")).decoded is None


def test_chirpstack_best_gateway_is_highest_rssi() -> None:
    body = load("chirpstack_up.json")
    gateway = body["rxInfo"][0]
    body["rxInfo"] = [
        {**gateway, "gatewayId": "aaaaaaaaaaaaaaaa", "rssi": -110, "snr": 12.0},
        {**gateway, "gatewayId": "bbbbbbbbbbbbbbbb", "rssi": -80, "snr": -3.5},
        {**gateway, "gatewayId": "cccccccccccccccc", "rssi": -95, "snr": 9.0},
    ]
    up = only(parse("chirpstack", body, "up"))
    assert up.rssi == -80.0
    assert up.snr == -3.5  # the SNR of the best-RSSI gateway, not the best SNR
    assert up.gateway_count == 3
    assert up.extra["gateway_id"] == "bbbbbbbbbbbbbbbb"


def test_chirpstack_best_gateway_tie_broken_by_snr_and_antennas_counted_once() -> None:
    body = load("chirpstack_up.json")
    gateway = body["rxInfo"][0]
    body["rxInfo"] = [
        {**gateway, "gatewayId": "aaaaaaaaaaaaaaaa", "rssi": -90, "snr": 1.0},
        {**gateway, "gatewayId": "aaaaaaaaaaaaaaaa", "rssi": -90, "snr": 4.0},
        {**gateway, "gatewayId": "bbbbbbbbbbbbbbbb", "rssi": -90, "snr": 2.0},
    ]
    up = only(parse("chirpstack", body, "up"))
    assert (up.rssi, up.snr, up.gateway_count) == (-90.0, 4.0, 2)


def test_chirpstack_up_without_rx_info() -> None:
    body = load("chirpstack_up.json")
    del body["rxInfo"]
    up = only(parse("chirpstack", body, "up"))
    assert (up.rssi, up.snr, up.gateway_count) == (None, None, 0)


@pytest.mark.parametrize("event", ["status", None])
def test_chirpstack_status_fixture(event: str | None) -> None:
    status = only(parse("chirpstack", load("chirpstack_status.json"), event))
    assert status.kind is UplinkKind.STATUS
    assert status.dev_eui == CS_DEV
    assert status.battery == 88.3
    assert status.f_port is None and status.f_cnt is None
    assert status.payload == b""
    assert status.dedup_id == "bf2a9746-1c8b-49be-a92e-f0b89c8534e4"
    assert status.received_at == datetime(2022, 7, 18, 9, 35, 6, 927172, tzinfo=UTC)
    assert status.profile_name == "Test device-profile"
    assert status.extra["margin"] == 10
    assert status.extra["external_power_source"] is False
    assert status.extra["battery_level_unavailable"] is False


@pytest.mark.parametrize(
    ("changes", "battery"),
    [
        ({"batteryLevelUnavailable": True, "batteryLevel": None}, None),
        ({"externalPowerSource": True, "batteryLevel": None}, None),
        ({"externalPowerSource": True}, None),
        ({"batteryLevel": 100}, 100.0),
    ],
)
def test_chirpstack_status_battery(changes: dict[str, Any], battery: float | None) -> None:
    body = load("chirpstack_status.json")
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    assert only(parse("chirpstack", body, "status")).battery == battery


def test_chirpstack_status_all_defaults_needs_event() -> None:
    """A status event with every field at its default has nothing to recognise it by."""
    body = load("chirpstack_status.json")
    del body["margin"], body["batteryLevel"]
    status = only(parse("chirpstack", body, "status"))
    assert status.kind is UplinkKind.STATUS
    assert status.battery == 0.0
    assert status.extra["margin"] == 0


@pytest.mark.parametrize("event", ["join", None])
def test_chirpstack_join_fixture(event: str | None) -> None:
    join = only(parse("chirpstack", load("chirpstack_join.json"), event))
    assert join.kind is UplinkKind.JOIN
    assert join.dev_eui == CS_DEV
    assert join.f_cnt is None and join.f_port is None
    assert join.extra["dev_addr"] == "00189440"
    assert join.dedup_id == "c9dbe358-2578-4fb7-b295-66b44edc45a6"
    assert join.received_at == datetime(2022, 7, 18, 9, 33, 28, 823500, tzinfo=UTC)
    assert join.device_name == "Test device"
    assert join.application_id == "17c82e96-be03-4f38-aef3-f83d48582d97"


def _device_info() -> dict[str, Any]:
    return copy.deepcopy(load("chirpstack_join.json")["deviceInfo"])


# The docs' examples of the events we ignore (trimmed to the fields that identify them).
_CS_IGNORED: dict[str, dict[str, Any]] = {
    "ack": {
        "deduplicationId": "856a03e7-80f6-4c26-b971-9dcb34a59c2e",
        "time": "2022-07-18T09:38:49.235700766+00:00",
        "queueItemId": "1bbcab1d-6ec6-4136-b3f5-d63be1dc08de",
        "acknowledged": True,
        "fCntDown": 3,
    },
    "txack": {
        "downlinkId": 3461958127,
        "time": "2022-07-18T09:37:48.929184085+00:00",
        "queueItemId": "42cb6459-a640-46ec-9623-bdff39dc4736",
        "fCntDown": 2,
        "gatewayId": "0016c001f153a14c",
        "txInfo": {"frequency": 867900000, "power": 14, "context": "ICYVGw=="},
    },
    "log": {
        "time": "2022-07-18T09:39:57.311414029+00:00",
        "level": "ERROR",
        "code": "UPLINK_MIC",
        "description": "MIC of join-request is invalid, make sure keys are correct",
        "context": {"deduplication_id": "4e91db13-5ce3-4c8c-ab0f-dfc626cf0771"},
    },
    "location": {
        "deduplicationId": "63d870b9-b769-4d88-8b33-8e43f58851a7",
        "time": "2022-07-18T09:55:11.059481003+00:00",
        "location": {"latitude": 37.344214, "longitude": -8.839375, "altitude": 2},
    },
    "integration": {
        "deduplicationId": "39c68646-57f7-4973-8ac8-48839b5714d6",
        "time": "2022-07-18T10:02:15.812284501+00:00",
        "integrationName": "loracloud",
        "eventType": "modem_UplinkResponse",
        "object": {"stream_records": []},
    },
}


@pytest.mark.parametrize("name", sorted(_CS_IGNORED))
@pytest.mark.parametrize("with_event", [True, False])
def test_chirpstack_ignored_events(name: str, with_event: bool) -> None:
    body = {**_CS_IGNORED[name], "deviceInfo": _device_info()}
    assert parse("chirpstack", body, name if with_event else None) == []


def test_chirpstack_ignored_event_named_by_transport_skips_validation() -> None:
    assert parse("chirpstack", {"whatever": 1}, "log") == []


def test_chirpstack_unknown_event() -> None:
    assert_error("chirpstack", load("chirpstack_up.json"), "uplink", "unknown event", "'uplink'")


def test_chirpstack_event_cannot_be_inferred() -> None:
    body = {"time": "2022-07-18T09:33:28Z", "deviceInfo": _device_info()}
    assert_error("chirpstack", body, None, "cannot tell the event type", "deviceInfo")


def test_chirpstack_v3_event_is_refused_clearly() -> None:
    body = {"applicationID": "1", "devEUI": "AQEBAQEBAQE=", "fPort": 1, "data": "qg=="}
    assert_error("chirpstack", body, "up", "deviceInfo", "v3")


def _cs_up(**changes: Any) -> dict[str, Any]:
    body = load("chirpstack_up.json")
    for key, value in changes.items():
        body[key] = value
    return body


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({k: v for k, v in _cs_up().items() if k != "deviceInfo"}, ["missing", "deviceInfo"]),
        (_cs_up(deviceInfo="x"), ["deviceInfo must be an object"]),
        (_cs_up(deviceInfo={"deviceName": "x"}), ["missing", "deviceInfo.devEui"]),
        (_cs_up(deviceInfo={"devEui": "0101"}), ["deviceInfo.devEui", "16 hexadecimal"]),
        (_cs_up(deviceInfo={"devEui": "zz01010101010101"}), ["deviceInfo.devEui"]),
        (_cs_up(deviceInfo={"devEui": 1234}), ["deviceInfo.devEui", "must be a string"]),
        (_cs_up(fPort="1"), ["fPort must be an integer", CS_DEV]),
        (_cs_up(fPort=1.0), ["fPort must be an integer"]),
        (_cs_up(fPort=True), ["fPort must be an integer"]),
        (_cs_up(fPort=256), ["fPort 256 is outside 0..255", CS_DEV]),
        (_cs_up(fPort=-1), ["fPort -1 is outside 0..255"]),
        (_cs_up(fCnt=-5), ["fCnt must not be negative", CS_DEV]),
        (_cs_up(fCnt=2**32), ["fCnt", "outside"]),
        (_cs_up(fCnt="3"), ["fCnt must be an integer"]),
        (_cs_up(data=170), ["data must be a base64 string", CS_DEV]),
        (_cs_up(data=["qg=="]), ["data must be a base64 string"]),
        (_cs_up(data="qg"), ["data is not valid base64", CS_DEV]),
        (_cs_up(data="q*g="), ["data is not valid base64"]),
        (_cs_up(data="aa bb"), ["data is not valid base64"]),
        (_cs_up(rxInfo={"gatewayId": "x"}), ["rxInfo must be an array", CS_DEV]),
        (_cs_up(rxInfo=["x"]), ["rxInfo[0] must be an object"]),
        (_cs_up(rxInfo=[{"gatewayId": "g", "rssi": "-36"}]), ["rxInfo[0].rssi must be a number"]),
        (_cs_up(rxInfo=[{"gatewayId": "g", "snr": None, "rssi": True}]), ["rxInfo[0].rssi"]),
        (_cs_up(txInfo=[]), ["txInfo must be an object"]),
        (_cs_up(time="yesterday"), ["time", "not an ISO 8601 timestamp", CS_DEV]),
        (_cs_up(time=1658136855), ["time must be an ISO 8601 string"]),
        (_cs_up(time="1658136855"), ["time", "number in a string"]),
        (_cs_up(deduplicationId=5), ["deduplicationId must be a string"]),
        (_cs_up(dr=99), ["dr 99 is outside"]),
        (_cs_up(adr="yes"), ["adr must be true or false"]),
    ],
)
def test_chirpstack_bad_up(body: dict[str, Any], fragments: list[str]) -> None:
    message = assert_error("chirpstack", body, "up", *fragments)
    assert message.startswith("chirpstack up event")


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"batteryLevel": "88"}, ["batteryLevel must be a number", CS_DEV]),
        ({"batteryLevel": 101}, ["batteryLevel 101.0 is outside 0..100"]),
        ({"margin": 10.5}, ["margin must be an integer"]),
        ({"batteryLevelUnavailable": 1}, ["batteryLevelUnavailable must be true or false"]),
    ],
)
def test_chirpstack_bad_status(changes: dict[str, Any], fragments: list[str]) -> None:
    body = {**load("chirpstack_status.json"), **changes}
    assert_error("chirpstack", body, "status", "chirpstack status event", *fragments)


def test_chirpstack_bad_join() -> None:
    body = {**load("chirpstack_join.json"), "devAddr": 1}
    assert_error("chirpstack", body, "join", "devAddr must be a string", CS_DEV)


def test_chirpstack_time_with_offset_is_converted_to_utc() -> None:
    body = _cs_up(time="2022-07-18T11:34:15+02:00")
    assert only(parse("chirpstack", body, "up")).received_at == datetime(
        2022, 7, 18, 9, 34, 15, tzinfo=UTC
    )


def test_chirpstack_missing_time_is_now() -> None:
    body = load("chirpstack_up.json")
    del body["time"]
    before = datetime.now(UTC)
    received = only(parse("chirpstack", body, "up")).received_at
    assert before <= received <= datetime.now(UTC)


# ======================================================================================
# The Things Stack v3
# ======================================================================================

TTS_DEV = "0004a30b001c0530"


@pytest.mark.parametrize("event", ["up", "uplink_message", None])
def test_tts_uplink_fixture(event: str | None) -> None:
    up = only(parse("tts", load("tts_uplink.json"), event))
    assert up.network == "tts"
    assert up.kind is UplinkKind.UPLINK
    assert up.dev_eui == TTS_DEV
    assert up.f_port == 0  # omitted in the docs' example; TTS omits zero values
    assert up.f_cnt == 1
    assert up.payload == bytes.fromhex("8241de")
    assert up.decoded == {"temperature": 1.0, "luminosity": 0.64}
    assert up.rssi == -35.0
    assert up.snr == 5.0
    assert up.gateway_count == 1
    # The Network Server's reception time, not the Application Server's.
    assert up.received_at == datetime(2020, 2, 12, 15, 15, 45, 789585, tzinfo=UTC)
    assert up.device_id == "dev1"
    assert up.application_id == "app1@tenant1"
    assert up.dedup_id == "as:up:01E0WZGT6Y7657CPFPE5WEYDSQ"
    assert up.model_hint == "the_things_products_the_things_uno"
    assert up.profile_name is None
    assert up.device_name is None
    assert up.battery is None
    assert up.extra["dev_addr"] == "00BCB929"
    assert up.extra["gateway_id"] == "gtw1"
    assert up.extra["attributes"] == {"key1": "value1", "key2": "value2"}


def test_tts_omitted_zero_fields() -> None:
    body = load("tts_uplink.json")
    uplink = body["uplink_message"]
    for key in ("f_cnt", "frm_payload", "decoded_payload", "network_ids", "version_ids"):
        del uplink[key]
    del uplink["rx_metadata"][0]["snr"]
    del body["correlation_ids"]
    up = only(parse("tts", body, "up"))
    assert up.f_cnt == 0
    assert up.f_port == 0
    assert up.payload == b""
    assert up.decoded is None
    assert up.snr == 0.0  # LoRa reception with SNR 0 dB
    assert up.rssi == -35.0
    assert up.application_id == "app1"  # no tenant known
    assert up.model_hint is None
    assert up.dedup_id is None


def test_tts_snr_unknown_without_lora_settings() -> None:
    body = load("tts_uplink.json")
    del body["uplink_message"]["settings"]
    del body["uplink_message"]["rx_metadata"][0]["snr"]
    assert only(parse("tts", body, "up")).snr is None


def test_tts_rssi_falls_back_to_channel_rssi_and_uses_f_port() -> None:
    body = load("tts_uplink.json")
    body["uplink_message"]["f_port"] = 2
    del body["uplink_message"]["rx_metadata"][0]["rssi"]
    body["uplink_message"]["rx_metadata"][0]["channel_rssi"] = -101
    up = only(parse("tts", body, "up"))
    assert (up.f_port, up.rssi) == (2, -101.0)


def test_tts_best_gateway() -> None:
    body = load("tts_uplink.json")
    meta = body["uplink_message"]["rx_metadata"][0]
    body["uplink_message"]["rx_metadata"] = [
        {**meta, "gateway_ids": {"gateway_id": "gtw1"}, "rssi": -120, "snr": 11},
        {**meta, "gateway_ids": {"gateway_id": "gtw2"}, "rssi": -70, "snr": -2.25},
        # A second antenna of gtw2: the same gateway, counted once.
        {**meta, "gateway_ids": {"gateway_id": "gtw2"}, "rssi": -75, "snr": 3},
        {
            "gateway_ids": {"gateway_id": "packetbroker"},
            "packet_broker": {"forwarder_gateway_eui": "AA555A0000000101"},
            "rssi": -99,
            "snr": 8,
        },
    ]
    up = only(parse("tts", body, "up"))
    assert (up.rssi, up.snr, up.gateway_count) == (-70.0, -2.25, 3)
    assert up.extra["gateway_id"] == "gtw2"


def test_tts_last_battery_percentage() -> None:
    body = load("tts_uplink.json")
    body["uplink_message"]["last_battery_percentage"] = {
        "f_cnt": 1495,
        "received_at": "2025-07-23T17:51:24.210628973Z",
        "value": 99.20949,
    }
    assert only(parse("tts", body, "up")).battery == 99.20949


def test_tts_falls_back_to_application_server_time() -> None:
    body = load("tts_uplink.json")
    del body["uplink_message"]["received_at"]
    assert only(parse("tts", body, "up")).received_at == datetime(
        2020, 2, 12, 15, 15, 46, 14773, tzinfo=UTC
    )


@pytest.mark.parametrize("event", ["join", "join_accept", None])
def test_tts_join_accept_fixture(event: str | None) -> None:
    join = only(parse("tts", load("tts_join_accept.json"), event))
    assert join.kind is UplinkKind.JOIN
    assert join.dev_eui == TTS_DEV
    assert join.device_id == "dev1"
    assert join.application_id == "app1"
    assert join.f_cnt is None and join.f_port is None
    assert join.received_at == datetime(2020, 2, 17, 7, 49, 9, 736532, tzinfo=UTC)
    assert join.dedup_id == "as:up:01E191YN5F2HMBQCBCVRF731VY"
    assert join.extra["dev_addr"] == "01497ECC"
    assert join.extra["join_eui"] == "800000000000000C"


def _tts_other(field: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "end_device_ids": load("tts_uplink.json")["end_device_ids"],
        "correlation_ids": ["as:downlink:01E19B99501X84X6CV471TVSZ1"],
        "received_at": "2020-02-17T10:32:24.590413417Z",
        field: message,
    }


_DOWNLINK = {"f_port": 15, "f_cnt": 1, "frm_payload": "vu8=", "confirmed": True}
_TTS_IGNORED = [
    ("ack", "downlink_ack", _DOWNLINK),
    ("nack", "downlink_nack", _DOWNLINK),
    ("sent", "downlink_sent", _DOWNLINK),
    ("queued", "downlink_queued", _DOWNLINK),
    ("failed", "downlink_failed", {"downlink": _DOWNLINK, "error": {"code": 3}}),
    ("solved", "location_solved", {"location": {"latitude": 1.0, "longitude": 2.0}}),
    ("data", "service_data", {"service": "lora-cloud", "data": {"x": 1}}),
    ("normalized", "uplink_normalized", {"normalized_payload": [{"air": {}}]}),
]


@pytest.mark.parametrize(("event", "field", "message"), _TTS_IGNORED)
def test_tts_ignored_messages(event: str, field: str, message: dict[str, Any]) -> None:
    body = _tts_other(field, message)
    assert parse("tts", body, event) == []
    assert parse("tts", body, field) == []
    assert parse("tts", body, None) == []


def test_tts_unknown_event() -> None:
    assert_error("tts", load("tts_uplink.json"), "uplink", "unknown event", "'uplink'")


def test_tts_event_and_body_disagree() -> None:
    body = _tts_other("downlink_ack", _DOWNLINK)
    assert_error("tts", body, "up", "missing required field uplink_message", TTS_DEV)


def test_tts_no_known_message() -> None:
    body = {"end_device_ids": load("tts_uplink.json")["end_device_ids"]}
    assert_error("tts", body, None, "no uplink_message, join_accept", "end_device_ids")


def test_tts_device_without_dev_eui() -> None:
    """ABP devices may be registered without a DevEUI; we key devices by DevEUI."""
    body = load("tts_uplink.json")
    del body["end_device_ids"]["dev_eui"]
    assert_error("tts", body, "up", "missing required field end_device_ids.dev_eui")


def _tts_up(**changes: Any) -> dict[str, Any]:
    body = load("tts_uplink.json")
    body["uplink_message"].update(changes)
    return body


def _tts_gateway(**changes: Any) -> dict[str, Any]:
    body = load("tts_uplink.json")
    body["uplink_message"]["rx_metadata"][0].update(changes)
    return body


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"uplink_message": {}}, ["missing required field end_device_ids"]),
        ({**load("tts_uplink.json"), "end_device_ids": []}, ["end_device_ids must be an object"]),
        (
            {**load("tts_uplink.json"), "end_device_ids": {"dev_eui": "0004A30B001C05"}},
            ["end_device_ids.dev_eui", "16 hexadecimal"],
        ),
        ({**load("tts_uplink.json"), "uplink_message": "x"}, ["uplink_message must be an object"]),
        (_tts_up(f_port="1"), ["f_port must be an integer", TTS_DEV]),
        (_tts_up(f_port=300), ["f_port 300 is outside 0..255", TTS_DEV]),
        (_tts_up(f_cnt=-1), ["f_cnt must not be negative", TTS_DEV]),
        (_tts_up(f_cnt=1.5), ["f_cnt must be an integer"]),
        (_tts_up(frm_payload=[130, 65, 222]), ["frm_payload must be a base64 string"]),
        (_tts_up(frm_payload="gkH"), ["frm_payload is not valid base64", TTS_DEV]),
        (_tts_up(frm_payload="gk-e"), ["frm_payload is not valid base64"]),
        (_tts_up(rx_metadata={"rssi": -35}), ["uplink_message.rx_metadata must be an array"]),
        (_tts_up(rx_metadata=[1]), ["rx_metadata[0] must be an object"]),
        (_tts_gateway(rssi="-35"), ["rx_metadata[0].rssi must be a number"]),
        (_tts_gateway(snr="5"), ["rx_metadata[0].snr must be a number"]),
        (_tts_up(received_at="12/02/2020"), ["uplink_message.received_at", "ISO 8601"]),
        (_tts_up(received_at=1581520545), ["uplink_message.received_at must be an ISO"]),
        (_tts_up(version_ids="the-things-uno"), ["version_ids must be an object"]),
        ({**load("tts_uplink.json"), "correlation_ids": "as:up:1"}, ["correlation_ids must be"]),
    ],
)
def test_tts_bad_uplink(body: dict[str, Any], fragments: list[str]) -> None:
    message = assert_error("tts", body, "up", *fragments)
    assert message.startswith("tts up event")


def test_tts_bad_join_time() -> None:
    body = load("tts_join_accept.json")
    body["join_accept"]["received_at"] = "not a time"
    assert_error("tts", body, "join", "tts join event", TTS_DEV, "join_accept.received_at")


def test_tts_both_messages_is_an_error() -> None:
    body = {**load("tts_uplink.json"), "join_accept": load("tts_join_accept.json")["join_accept"]}
    assert_error("tts", body, None, "both uplink_message and join_accept")


# ======================================================================================
# Generic
# ======================================================================================

GEN_DEV = "a84041000181c03b"


@pytest.mark.parametrize("event", [None, "up", "uplink"])
def test_generic_fixture(event: str | None) -> None:
    up = only(parse("generic", load("generic_uplink.json"), event))
    assert up.network == "generic"
    assert up.kind is UplinkKind.UPLINK
    assert up.dev_eui == GEN_DEV
    assert (up.f_port, up.f_cnt) == (5, 1234)
    assert up.payload == bytes.fromhex("0100e202290400270506060308070d62")
    assert up.received_at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert (up.rssi, up.snr, up.gateway_count) == (-97.0, 7.25, 1)
    assert up.decoded == {"temperature": 22.6, "humidity": 41}
    assert up.device_name == "Kitchen ERS"
    assert up.model_hint == "elsys_ers"
    assert up.dedup_id is None


def _generic(**changes: Any) -> dict[str, Any]:
    body = load("generic_uplink.json")
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def test_generic_minimal() -> None:
    body = {"devEui": "A84041000181C03B", "fPort": 1, "data": ""}
    before = datetime.now(UTC)
    up = only(parse("generic", body))
    assert up.received_at.tzinfo is not None and before <= up.received_at <= datetime.now(UTC)
    assert (up.f_cnt, up.payload, up.rssi, up.snr, up.gateway_count) == (None, b"", None, None, 0)
    assert up.decoded is None and up.device_name is None and up.model_hint is None


@pytest.mark.parametrize(
    ("data", "encoding", "payload"),
    [
        ("qg==", None, b"\xaa"),  # not hex: base64
        ("0aFF", None, b"\x0a\xff"),  # even-length hex digits: hex
        ("AAAA", None, b"\xaa\xaa"),  # AMBIGUOUS: hex by default ...
        ("AAAA", "base64", b"\x00\x00\x00"),  # ... unless the sender says base64
        ("AAAA", "HEX", b"\xaa\xaa"),
        ("abc", None, None),  # odd length: base64, and invalid as such -> error below
        ("gkHe", None, b"\x82\x41\xde"),
        ("", None, b""),
        ("", "hex", b""),
    ],
)
def test_generic_hex_or_base64(data: str, encoding: str | None, payload: bytes | None) -> None:
    body = _generic(data=data, encoding=encoding)
    if payload is None:
        assert_error("generic", body, None, "data is not valid base64", GEN_DEV)
    else:
        assert only(parse("generic", body)).payload == payload


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (1714566600, datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        (1714566600.5, datetime(2024, 5, 1, 12, 30, 0, 500000, tzinfo=UTC)),
        ("2024-05-01T12:30:00Z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),  # naive: UTC
        (
            "2024-05-01T12:30:00.123456789-01:00",
            datetime(2024, 5, 1, 13, 30, 0, 123456, tzinfo=UTC),
        ),
    ],
)
def test_generic_time(time: Any, expected: datetime) -> None:
    assert only(parse("generic", _generic(time=time))).received_at == expected


def test_generic_join() -> None:
    join = only(parse("generic", {"devEui": GEN_DEV, "time": 1714566600}, "join"))
    assert join.kind is UplinkKind.JOIN
    assert join.f_port is None and join.payload == b""


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        (_generic(devEui=None), ["missing required field devEui"]),
        (_generic(devEui="a84041000181c03"), ["devEui", "16 hexadecimal"]),
        (_generic(devEui="g84041000181c03b"), ["devEui", "16 hexadecimal"]),
        (_generic(devEui=0xA84041000181C03B), ["devEui", "must be a string"]),
        (_generic(fPort=None), ["missing required field fPort", GEN_DEV]),
        (_generic(fPort="5"), ["fPort must be an integer", GEN_DEV]),
        (_generic(fPort=256), ["fPort 256 is outside 0..255"]),
        (_generic(fPort=-1), ["fPort -1 is outside 0..255"]),
        (_generic(fCnt=-1), ["fCnt must not be negative"]),
        (_generic(fCnt="1234"), ["fCnt must be an integer"]),
        (_generic(data=None), ["missing required field data", GEN_DEV]),
        (_generic(data=[1, 2]), ["data must be a string"]),
        (_generic(data=12), ["data must be a string"]),
        (_generic(data="zz==", encoding="hex"), ["data is not valid hex"]),
        (_generic(data="abc", encoding="hex"), ["data is not valid hex"]),
        (_generic(data="0aFF!", encoding="base64"), ["data is not valid base64"]),
        (_generic(data="qg", encoding="base64"), ["data is not valid base64"]),
        (_generic(encoding="utf-8"), ["encoding must be 'hex' or 'base64'"]),
        (_generic(encoding=1), ["encoding must be a string"]),
        (_generic(time="tomorrow"), ["time", "not an ISO 8601 timestamp", GEN_DEV]),
        (_generic(time="1714566600"), ["time", "number in a string"]),
        (_generic(time=1714566600000), ["time", "not a usable epoch time"]),  # milliseconds
        (_generic(time=True), ["time must be an ISO 8601 string or epoch seconds"]),
        (_generic(time=[2024]), ["time must be"]),
        (_generic(rssi="-97"), ["rssi must be a number"]),
        (_generic(snr=True), ["snr must be a number"]),
        (_generic(deviceName=5), ["deviceName must be a string"]),
    ],
)
def test_generic_bad(body: dict[str, Any], fragments: list[str]) -> None:
    message = assert_error("generic", body, None, *fragments)
    assert message.startswith("generic up event")


def test_generic_unknown_event() -> None:
    assert_error("generic", load("generic_uplink.json"), "status", "unknown event", "'status'")


# ======================================================================================
# The registry
# ======================================================================================


def test_unknown_network() -> None:
    assert_error("loriot", {}, None, "unknown network server 'loriot'")


@pytest.mark.parametrize("network", ["chirpstack", "tts", "generic"])
@pytest.mark.parametrize("body", [[], "x", None, 5])
def test_body_must_be_an_object(network: str, body: Any) -> None:
    assert_error(network, body, None, "envelope must be a JSON object")


@pytest.mark.parametrize("network", ["chirpstack", "tts", "generic"])
def test_empty_body(network: str) -> None:
    with pytest.raises(EnvelopeError):
        parse(network, {}, None)


@pytest.mark.parametrize(
    ("network", "body", "event"),
    [
        ("chirpstack", load("chirpstack_up.json"), "up"),
        ("chirpstack", load("chirpstack_status.json"), "status"),
        ("chirpstack", load("chirpstack_join.json"), "join"),
        ("tts", load("tts_uplink.json"), "up"),
        ("tts", load("tts_join_accept.json"), "join"),
        ("generic", load("generic_uplink.json"), None),
    ],
)
def test_fuzzed_fields_only_raise_envelope_error(
    network: str, body: dict[str, Any], event: str | None
) -> None:
    """Replacing any field, at any depth, with a value of another type gives an Uplink or
    an EnvelopeError, never KeyError, TypeError, binascii.Error or the like."""
    replacements: list[Any] = [
        *(None, "", "x", "=", 0, -1, 2**70, 1.5, float("nan"), True, [], {}, [{}], {"a": 1})
    ]

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [prefix] if prefix else []
        if isinstance(value, dict):
            for key, item in value.items():
                found += paths(item, (*prefix, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found += paths(item, (*prefix, index))
        return found

    for path in paths(body):
        for replacement in replacements:
            mutated = copy.deepcopy(body)
            target = mutated
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = replacement
            try:
                result = parse(network, mutated, event)
            except EnvelopeError:
                continue
            assert isinstance(result, list)
