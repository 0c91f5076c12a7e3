"""End-to-end acknowledgement to the lorawan_bridge add-on, through HA's MQTT (mocked broker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.mqtt import MQTT_CONNECTION_STATE
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_mqtt_message,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.ange_iot.bridge_ack import (
    FLUSH_AT,
    KEEP_RANGES,
    SeqWindow,
    is_ack_topic,
    sequenced_filter,
    to_ranges,
    unwrap,
)
from custom_components.ange_iot.const import DOMAIN

from .conftest import ERS_CO2, ERS_CO2_PAYLOAD, device_subentry
from .helpers import rejected_total, state_of

Envelope = Callable[..., dict[str, Any]]
BRIDGE = "1a2b3c4d"
ACK_TOPIC = f"ange_iot/chirpstack/ack/{BRIDGE}"
HELLO_TOPIC = "ange_iot/chirpstack/ack/hello"


@pytest.fixture
def expected_lingering_timers() -> bool:
    """HA's MQTT client leaves its periodic housekeeping timer behind in tests."""
    return True


# ------------------------------------------------------------------ pure helpers


def test_unwrap_strips_bridge_id_and_sequence() -> None:
    assert unwrap(f"ange_iot/chirpstack/{ERS_CO2}/up/{BRIDGE}/17") == (
        f"ange_iot/chirpstack/{ERS_CO2}/up",
        (BRIDGE, 17),
    )
    # Plain bridge topics and anything odd pass through unchanged, without a token.
    for topic in (
        f"ange_iot/chirpstack/{ERS_CO2}/up",
        f"ange_iot/chirpstack/{ERS_CO2}/up/{BRIDGE}/x1",
        f"ange_iot/chirpstack/{ERS_CO2}/up/{BRIDGE}/0",
        f"ange_iot/chirpstack/{ERS_CO2}/up/BAD ID/5",
        f"application/a/device/{ERS_CO2}/event/up",
    ):
        assert unwrap(topic) == (topic, None)


def test_filters_and_ack_topics() -> None:
    assert sequenced_filter("ange_iot/chirpstack/+/+") == "ange_iot/chirpstack/+/+/+/+"
    assert sequenced_filter("ange_iot/tts/#") is None  # covers them already
    assert sequenced_filter("application/+/device/+/event/+") is None
    assert is_ack_topic(ACK_TOPIC) and is_ack_topic(HELLO_TOPIC)
    assert not is_ack_topic(f"ange_iot/chirpstack/{ERS_CO2}/up")


def test_ranges_merge_and_sort() -> None:
    assert to_ranges([5, 3, 4, 9, 1, 4]) == [[1, 1], [3, 5], [9, 9]]
    assert to_ranges([]) == []


def test_seq_window_merges_and_stays_bounded() -> None:
    window = SeqWindow()
    for seq in (1, 2, 3, 7, 5, 6):
        window.add(seq)
    assert (window.starts, window.ends) == ([1, 5], [3, 7])
    window.add(4)
    assert (window.starts, window.ends) == ([1], [7])
    assert 4 in window and 8 not in window and 0 not in window
    for seq in range(100, 100 + 2 * (KEEP_RANGES + 10), 2):  # all separate ranges
        window.add(seq)
    assert len(window.starts) == KEEP_RANGES
    assert 1 not in window  # the oldest were forgotten
    assert 100 + 2 * (KEEP_RANGES + 9) in window


def test_seq_window_storage_round_trip_skips_bad_items() -> None:
    window = SeqWindow()
    for seq in (1, 2, 3, 9):
        window.add(seq)
    assert window.as_list() == [[1, 3], [9, 9]]
    again = SeqWindow.from_list([[1, 3], [2, 5], [9, 9], [0, 1], ["x", 1], [12, True], [20, 21]])
    assert again.as_list() == [[1, 3], [9, 9], [20, 21]]
    assert SeqWindow.from_list({"not": "a list"}).as_list() == []


# ------------------------------------------------------------------ through HA


def _hub(topic: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        data={
            "network": "chirpstack",
            "transport": "mqtt",
            "webhook_id": "unused",
            "webhook_secret": "unused",
        },
        options={"mqtt_topic": topic},
        subentries_data=[device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum")],
    )


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _acks(mqtt_mock: MqttMockHAClient, topic: str = ACK_TOPIC) -> list[Any]:
    """Payloads of the acknowledgements published on ``topic``, decoded, in order."""
    return [
        json.loads(call.args[1])
        for call in mqtt_mock.async_publish.call_args_list
        if call.args[0] == topic
    ]


def _fire(hass: HomeAssistant, seq: int, body: dict[str, Any] | str) -> None:
    payload = body if isinstance(body, str) else json.dumps(body)
    async_fire_mqtt_message(hass, f"ange_iot/chirpstack/{ERS_CO2}/up/{BRIDGE}/{seq}", payload)


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_announces_itself_retained_on_a_bridge_topic(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await _setup(hass, _hub("ange_iot/chirpstack/+/+"))
    # Topic, payload, QoS 1, retained (newer HA adds keyword arguments to the client call).
    assert (HELLO_TOPIC, '{"protocol":1}', 1, True) in {
        tuple(call.args[:4]) for call in mqtt_mock.async_publish.call_args_list
    }
    topics = {call.args[0] for call in mqtt_mock.async_subscribe.call_args_list}
    assert {"ange_iot/chirpstack/+/+", "ange_iot/chirpstack/+/+/+/+"} <= topics


async def test_no_announcement_without_the_bridge(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient
) -> None:
    await _setup(hass, _hub("application/+/device/+/event/+"))
    assert _acks(mqtt_mock, HELLO_TOPIC) == []


async def test_taken_events_are_acknowledged_in_a_batch_within_a_second(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = _hub("ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    for seq, f_cnt in ((1, 10), (2, 11), (3, 12)):
        _fire(hass, seq, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, f_cnt))
    _fire(hass, 5, "not json {")  # refused, but taken: a resend would be refused again
    await hass.async_block_till_done()
    assert _acks(mqtt_mock) == []  # batched, not one per event
    await _tick(hass, freezer)

    assert _acks(mqtt_mock) == [[[1, 3], [5, 5]]]
    hub = entry.runtime_data
    assert hub.uplinks_received == 3
    assert state_of(hass, "sensor", ERS_CO2, "co2").state == "776"
    assert rejected_total(hass, entry.entry_id) == 1
    assert hub.rejections.by_reason["malformed_json"] == 1


async def test_a_resend_is_acknowledged_again_and_not_applied_twice(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = _hub("ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    bodies = {seq: chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 20 + seq) for seq in range(1, 21)}
    for seq, body in bodies.items():
        _fire(hass, seq, body)
    await _tick(hass, freezer)
    hub = entry.runtime_data
    assert hub.uplinks_received == 20
    # The acknowledgement was lost: the bridge rewinds and sends everything again.
    for seq, body in bodies.items():
        _fire(hass, seq, body)
    await _tick(hass, freezer)

    assert _acks(mqtt_mock) == [[[1, 20]], [[1, 20]]]
    assert hub.uplinks_received == 20
    # Recognised by sequence number, so neither a duplicate nor a replay to count.
    assert hub.rejections.duplicates == 0
    assert rejected_total(hass, entry.entry_id) == 0


async def test_a_resend_after_a_restart_is_recognised_by_its_sequence_number(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = _hub("ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 30)
    _fire(hass, 7, body)
    await hass.async_block_till_done()
    # Home Assistant stops before its acknowledgement goes out: unloading sends it.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert _acks(mqtt_mock) == [[[7, 7]]]
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    _fire(hass, 7, body)
    await _tick(hass, freezer)

    hub = entry.runtime_data
    assert hub.uplinks_received == 1  # the count survives the restart: not applied again
    # Known by its sequence number, kept across the restart: not even a duplicate to count.
    assert hub.rejections.duplicates == 0
    assert rejected_total(hass, entry.entry_id) == 0
    assert _acks(mqtt_mock) == [[[7, 7]], [[7, 7]]]


async def test_an_event_home_assistant_missed_is_a_late_frame_not_a_replay(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    # HA was not subscribed when seq 1 first went out; seq 2 overtook it. The resend of
    # seq 1 carries a lower frame counter, and a sequence number never taken.
    entry = _hub("ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    _fire(hass, 2, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 51))
    _fire(hass, 1, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 50))
    await _tick(hass, freezer)
    hub = entry.runtime_data
    assert hub.uplinks_received == 2
    assert rejected_total(hass, entry.entry_id) == 0
    assert _acks(mqtt_mock) == [[[1, 2]]]
    # Without a sequence number the frame guard still refuses an older frame counter.
    async_fire_mqtt_message(
        hass,
        f"ange_iot/chirpstack/{ERS_CO2}/up",
        json.dumps(chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 49)),
    )
    await hass.async_block_till_done()
    assert hub.rejections.by_reason["replayed_frame"] == 1
    assert hub.uplinks_received == 2


async def test_an_acknowledgement_never_outlives_its_connection(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    # Sent after the reconnect, an acknowledgement would reach the bridge before HA has
    # subscribed again: the bridge would open its window, the broker would drop what it
    # sends, and later events would overtake those (the fault run lost ~1,500 of 20,000).
    entry = _hub("ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    body = chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 60)
    _fire(hass, 1, body)
    await hass.async_block_till_done()
    async_dispatcher_send(hass, MQTT_CONNECTION_STATE, False)
    await _tick(hass, freezer)
    async_dispatcher_send(hass, MQTT_CONNECTION_STATE, True)
    await _tick(hass, freezer)
    assert _acks(mqtt_mock) == []

    _fire(hass, 1, body)  # the bridge sends it again once HA is back
    await _tick(hass, freezer)
    assert _acks(mqtt_mock) == [[[1, 1]]]
    assert entry.runtime_data.uplinks_received == 1
    # QoS 0: a client that loses its connection drops it instead of sending it later.
    assert [
        call.args[2] for call in mqtt_mock.async_publish.call_args_list if call.args[0] == ACK_TOPIC
    ] == [0]


async def test_a_large_batch_is_acknowledged_without_waiting(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, chirpstack_up: Envelope
) -> None:
    await _setup(hass, _hub("ange_iot/chirpstack/+/+"))
    for seq in range(1, FLUSH_AT + 1):
        _fire(hass, seq, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, seq))
    await hass.async_block_till_done()
    assert _acks(mqtt_mock) == [[[1, FLUSH_AT]]]


async def test_acknowledgements_and_plain_bridge_topics_on_the_same_filter(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = _hub("ange_iot/chirpstack/+/+")
    await _setup(hass, entry)
    # Our own (and other hubs') acknowledgements match the bridge filter: not uplinks.
    async_fire_mqtt_message(hass, ACK_TOPIC, "[[1,2]]")
    async_fire_mqtt_message(hass, HELLO_TOPIC, '{"protocol":1}')
    # A bridge in its fallback mode publishes without sequence: taken, not acknowledged.
    async_fire_mqtt_message(
        hass,
        f"ange_iot/chirpstack/{ERS_CO2}/up",
        json.dumps(chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 3)),
    )
    await _tick(hass, freezer)
    assert rejected_total(hass, entry.entry_id) == 0
    assert entry.runtime_data.uplinks_received == 1
    assert _acks(mqtt_mock) == []


async def test_what_was_taken_is_acknowledged_when_home_assistant_stops(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, chirpstack_up: Envelope
) -> None:
    await _setup(hass, _hub("ange_iot/chirpstack/+/+"))
    _fire(hass, 41, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 41))
    await hass.async_block_till_done()
    assert _acks(mqtt_mock) == []
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert _acks(mqtt_mock) == [[[41, 41]]]
    # HA's MQTT client keeps delivering until the process ends, after the hub's state
    # was written for the last time: such an event is neither taken nor acknowledged.
    hub = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    taken = hub.uplinks_received
    _fire(hass, 42, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 42))
    await hass.async_block_till_done()
    assert hub.uplinks_received == taken
    assert _acks(mqtt_mock) == [[[41, 41]]]
