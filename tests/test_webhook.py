"""The webhook transport: from a ChirpStack HTTP post to entity states, and every bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import json
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN, MAX_BODY_BYTES

from .conftest import AM307, AM307_PAYLOAD, ERS_CO2, ERS_CO2_PAYLOAD, UNKNOWN
from .helpers import SECRET, WEBHOOK_ID, post, rejected_total, state_of

Envelope = Callable[..., dict[str, Any]]


async def test_uplink_becomes_entity_states(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    status, answer = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10))
    await hass.async_block_till_done()

    assert status == 200
    assert answer["accepted"] == 1
    temperature = state_of(hass, "sensor", ERS_CO2, "temperature")
    assert float(temperature.state) == pytest.approx(22.6)
    assert temperature.attributes["unit_of_measurement"] == "°C"
    assert temperature.attributes["device_class"] == "temperature"
    assert temperature.attributes["state_class"] == "measurement"
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"
    assert state_of(hass, "sensor", ERS_CO2, "humidity").state == "41.0"
    assert state_of(hass, "sensor", ERS_CO2, "illuminance").state == "39"
    assert state_of(hass, "sensor", ERS_CO2, "last_seen").state != "unknown"


async def test_milesight_uplink(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    status, _ = await post(client, chirpstack_up(AM307, AM307_PAYLOAD, 3, f_port=85))
    await hass.async_block_till_done()

    assert status == 200
    assert float(state_of(hass, "sensor", AM307, "temperature").state) == pytest.approx(23.8)
    assert state_of(hass, "sensor", AM307, "co2").state == "936"
    assert float(state_of(hass, "sensor", AM307, "pressure").state) == pytest.approx(1008.6)
    assert state_of(hass, "binary_sensor", AM307, "occupancy").state == "on"


@pytest.mark.parametrize(
    ("secret", "expected"),
    [(None, 401), ("wrong-secret", 401), ("", 401)],
)
async def test_missing_or_wrong_secret(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    secret: str | None,
    expected: int,
) -> None:
    client = await hass_client_no_auth()
    status, _ = await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10), secret=secret)
    await hass.async_block_till_done()

    assert status == expected
    assert rejected_total(hass, setup_integration.entry_id) == 1
    # Nothing of the refused body was applied.
    assert state_of(hass, "sensor", ERS_CO2, "last_seen").state == "unknown"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", 400),
        (b"[1, 2, 3]", 400),
        (b'"just a string"', 400),
    ],
)
async def test_malformed_json(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    body: bytes,
    expected: int,
) -> None:
    client = await hass_client_no_auth()
    status, answer = await post(client, body)
    await hass.async_block_till_done()
    assert status == expected
    assert answer["status"] == expected
    assert rejected_total(hass, setup_integration.entry_id) == 1


async def test_oversize_body_refused(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    status, _ = await post(client, b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert status == 413
    assert rejected_total(hass, setup_integration.entry_id) == 1


async def test_chunked_bodies_are_read_and_an_endless_one_is_refused(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    """A sender that announces no length (chunked transfer) is read up to the limit only."""
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}?event=up"
    headers = {"X-Ange-Iot-Secret": SECRET}

    async def chunks(body: bytes, size: int) -> AsyncIterator[bytes]:
        for start in range(0, len(body), size):
            yield body[start : start + size]

    envelope = json.dumps(chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10)).encode()
    response = await client.post(url, headers=headers, data=chunks(envelope, 100))
    await hass.async_block_till_done()
    assert response.status == 200
    assert (await response.json())["accepted"] == 1
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"

    endless = b"{" + b" " * MAX_BODY_BYTES + b"}"
    response = await client.post(url, headers=headers, data=chunks(endless, 64 * 1024))
    assert response.status == 413
    assert rejected_total(hass, setup_integration.entry_id) == 1


@pytest.mark.parametrize(
    "mutate",
    [
        lambda body: body.update(fPort="5"),
        lambda body: body.update(data="not base64!!"),
        lambda body: body.pop("deviceInfo"),
        lambda body: body["deviceInfo"].update(devEui="xyz"),
        lambda body: body.update(rxInfo={"rssi": -50}),
    ],
    ids=["fport-string", "bad-base64", "no-device-info", "bad-deveui", "rxinfo-object"],
)
async def test_malformed_envelope_answers_400_and_logs_deveui(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    caplog: pytest.LogCaptureFixture,
    mutate: Callable[[dict[str, Any]], Any],
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10))
    await hass.async_block_till_done()
    before = state_of(hass, "sensor", ERS_CO2, "co2").state

    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 11)
    mutate(body)
    with caplog.at_level(logging.WARNING):
        status, answer = await post(client, body)
        await hass.async_block_till_done()

    assert status == 400
    assert "not a valid" in answer["message"]
    assert rejected_total(hass, setup_integration.entry_id) == 1
    rejected_lines = [r for r in caplog.records if "Rejected message" in r.getMessage()]
    assert len(rejected_lines) == 1
    # The stored value is kept.
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == before


async def test_undecodable_payload_keeps_values(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10))
    await hass.async_block_till_done()

    with caplog.at_level(logging.WARNING):
        # Truncated: the CO2 value (type 0x06) lacks its second byte.
        status, answer = await post(client, chirpstack_up(ERS_CO2, bytes.fromhex("0100E20603"), 11))
        await hass.async_block_till_done()

    assert status == 200
    assert answer["rejected"] == [{"dev_eui": ERS_CO2, "reason": "undecodable_payload"}]
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"
    assert float(state_of(hass, "sensor", ERS_CO2, "temperature").state) == pytest.approx(22.6)
    assert rejected_total(hass, setup_integration.entry_id) == 1
    assert any(ERS_CO2 in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_unknown_type_code_keeps_the_readings_before_it(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    # A temperature, then a type code Elsys never defined: its size is unknown, so the
    # frame is cut there. The temperature is used and the cut is counted, not rejected.
    client = await hass_client_no_auth()
    payload = bytes.fromhex("0100E2" + "7F0102")
    status, answer = await post(client, chirpstack_up(ERS_CO2, payload, 1))
    await hass.async_block_till_done()
    assert status == 200
    assert answer["rejected"] == []
    assert float(state_of(hass, "sensor", ERS_CO2, "temperature").state) == pytest.approx(22.6)
    skipped = setup_integration.runtime_data.ingest.skipped_items
    assert skipped.as_dict() == {"elsys_ers_co2: type code 0x7F": 1}
    assert skipped.truncated == 1


async def test_duplicate_changes_nothing_twice(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10)
    await post(client, body)
    await hass.async_block_till_done()
    first = state_of(hass, "sensor", ERS_CO2, "co2")

    status, answer = await post(client, body)
    await hass.async_block_till_done()

    assert status == 200
    assert answer["duplicates"] == 1
    assert answer["accepted"] == 0
    again = state_of(hass, "sensor", ERS_CO2, "co2")
    assert again.last_updated == first.last_updated
    assert again.last_reported == first.last_reported
    assert rejected_total(hass, setup_integration.entry_id) == 0


async def test_replayed_frame_counter_rejected(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 10))
    # An older frame, with other content: 30.0 °C.
    status, answer = await post(client, chirpstack_up(ERS_CO2, bytes.fromhex("01012C"), 9))
    await hass.async_block_till_done()

    assert status == 200
    assert answer["rejected"] == [{"dev_eui": ERS_CO2, "reason": "replayed_frame"}]
    assert float(state_of(hass, "sensor", ERS_CO2, "temperature").state) == pytest.approx(22.6)
    assert rejected_total(hass, setup_integration.entry_id) == 1


async def test_counter_reset_after_rejoin_accepted(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 500))
    join = {
        "deduplicationId": "c9dbe358-2578-4fb7-b295-66b44edc45a6",
        "time": "2022-07-18T09:33:28.823500726+00:00",
        "deviceInfo": {"devEui": ERS_CO2, "deviceName": "x", "applicationId": "a"},
        "devAddr": "01e1d04e",
    }
    status, answer = await post(client, join, event="join")
    assert status == 200
    assert answer["accepted"] == 1
    status, answer = await post(client, chirpstack_up(ERS_CO2, bytes.fromhex("01012C"), 1))
    await hass.async_block_till_done()

    assert answer["accepted"] == 1
    assert float(state_of(hass, "sensor", ERS_CO2, "temperature").state) == pytest.approx(30.0)


async def test_unknown_deveui_starts_discovery(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await hass_client_no_auth()
    with caplog.at_level(logging.WARNING):
        status, answer = await post(
            client, chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 1, profile="ELSYS ERS-CO2")
        )
        await post(client, chirpstack_up(UNKNOWN, ERS_CO2_PAYLOAD, 2, profile="ELSYS ERS-CO2"))
        await hass.async_block_till_done()

    assert status == 200
    assert answer["rejected"] == [{"dev_eui": UNKNOWN, "reason": "unknown_device"}]
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    assert flows[0]["context"]["unique_id"] == UNKNOWN
    assert rejected_total(hass, setup_integration.entry_id) == 2
    # One warning per DevEUI and problem, not one per uplink.
    warnings = [r for r in caplog.records if UNKNOWN in r.getMessage() and r.levelno == logging.WARNING]
    assert len(warnings) == 1


async def test_well_formed_non_uplink_event_answers_200(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    client = await hass_client_no_auth()
    log_event = {
        "time": "2022-07-18T09:34:15.775023242+00:00",
        "deviceInfo": {"devEui": ERS_CO2},
        "level": "ERROR",
        "code": "UPLINK_CODEC",
        "description": "error",
    }
    status, answer = await post(client, log_event, event="log")
    assert status == 200
    assert answer["accepted"] == 0
    assert rejected_total(hass, setup_integration.entry_id) == 0


async def test_status_event_sets_battery(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    from .conftest import load_fixture

    client = await hass_client_no_auth()
    body = load_fixture("chirpstack_status.json")
    body["deviceInfo"]["devEui"] = ERS_CO2
    status, _ = await post(client, body, event="status")
    await hass.async_block_till_done()
    assert status == 200
    battery = state_of(hass, "sensor", ERS_CO2, "battery")
    assert battery.state == str(round(body["batteryLevel"]))
    assert battery.attributes["unit_of_measurement"] == "%"
