"""Events from a real upstream Mosquitto reach a real downstream Mosquitto, unchanged."""

from __future__ import annotations

import base64
import json
from typing import Any

from conftest import (
    Broker,
    Collector,
    chirpstack_up,
    options_for,
    publisher,
    tts_up,
    wait_until,
)


async def test_chirpstack_events_arrive_unchanged_and_in_order(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any
) -> None:
    bridge = await bridge_factory(options_for(upstream, downstream))
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    pub = publisher(upstream)
    sent = []
    for f_cnt in range(50):
        for dev_eui in ("0011223344556677", "a1b2c3d4e5f60718"):
            topic, payload = chirpstack_up(dev_eui, f_cnt)
            pub.publish(topic, payload, qos=1)
            sent.append((dev_eui, payload))
    join = json.dumps({"deduplicationId": "j-1", "deviceInfo": {"devEui": "0011223344556677"}})
    pub.publish("application/app-1/device/0011223344556677/event/join", join, qos=1)

    await wait_until(lambda: len(collector.payloads()) == 101)
    for dev_eui in ("0011223344556677", "a1b2c3d4e5f60718"):
        got = collector.payloads(f"ange_iot/chirpstack/{dev_eui}/up")
        assert got == [p for d, p in sent if d == dev_eui]  # byte for byte, in order
    assert collector.payloads("ange_iot/chirpstack/0011223344556677/join") == [join.encode()]
    await wait_until(lambda: bridge.stats.queued == 0)
    assert bridge.stats.received == 101
    assert bridge.stats.forwarded == 101
    pub.disconnect()


async def test_tts_up_join_and_downlink_status_topics(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any
) -> None:
    bridge = await bridge_factory(
        options_for(upstream, downstream, network="tts", upstream_username="ange@ttn")
    )
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    pub = publisher(upstream)
    topic, up = tts_up("70B3D57ED0000001", 7)
    pub.publish(topic, up, qos=1)
    ids = {"device_id": "dev-1", "dev_eui": "70B3D57ED0000001"}
    join = json.dumps({"end_device_ids": ids, "join_accept": {"session_key_id": "x"}}).encode()
    ack = json.dumps({"end_device_ids": ids, "downlink_ack": {"f_port": 2}}).encode()
    pub.publish("v3/ange@ttn/devices/dev-1/join", join, qos=1)
    pub.publish("v3/ange@ttn/devices/dev-1/down/ack", ack, qos=1)
    # Another application is not ours: the default topic is scoped to our login.
    pub.publish(*tts_up("70B3D57ED0000009", 1, app="other@ttn"), qos=1)

    await wait_until(lambda: len(collector.payloads()) == 3)
    assert collector.payloads("ange_iot/tts/70b3d57ed0000001/up") == [up]
    assert collector.payloads("ange_iot/tts/70b3d57ed0000001/join") == [join]
    assert collector.payloads("ange_iot/tts/70b3d57ed0000001/downlink_ack") == [ack]
    assert bridge.stats.received == 3
    pub.disconnect()


async def test_repeated_uplinks_are_forwarded_once(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any
) -> None:
    bridge = await bridge_factory(options_for(upstream, downstream))
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    pub = publisher(upstream)
    topic, payload = chirpstack_up("0011223344556677", 1)
    for _ in range(3):  # the network server retransmits
        pub.publish(topic, payload, qos=1)
    # Same fCnt, other deduplicationId: a different reception, forwarded.
    pub.publish(*chirpstack_up("0011223344556677", 1, dedup="other-id"), qos=1)
    await wait_until(lambda: bridge.stats.received == 4)
    await wait_until(lambda: len(collector.payloads()) == 2)
    assert bridge.stats.duplicates == 2
    pub.disconnect()


async def test_downlinks_reach_chirpstack_and_tts_topics(
    upstream: Broker, downstream: Broker, bridge_factory: Any
) -> None:
    # A TTS request may name only the application; the tenant comes from the login.
    for network, application, expected_topic in (
        ("chirpstack", "app-9", "application/app-9/device/0011223344556677/command/down"),
        ("tts", "ange", "v3/ange@ttn/devices/dev-7/down/push"),
    ):
        seen = Collector(upstream, "application/+/device/+/command/down", client_id=f"ns-{network}")
        seen.client.subscribe("v3/+/devices/+/down/push", qos=1)
        bridge = await bridge_factory(
            options_for(upstream, downstream, network=network, upstream_username="ange@ttn"),
            data=upstream.directory.parent / f"data-{network}",
        )
        await wait_until(
            lambda b=bridge: b.stats.upstream_connected and b.stats.downstream_connected
        )
        ha = publisher(downstream)
        request = {
            "devEui": "0011223344556677",
            "fPort": 10,
            "data": base64.b64encode(b"\x01\x02").decode(),
            "confirmed": True,
            "applicationId": application,
            "deviceId": "dev-7",
        }
        ha.publish(f"ange_iot/{network}/0011223344556677/down", json.dumps(request), qos=1)
        ha.publish(f"ange_iot/{network}/0011223344556677/down", b"{not json", qos=1)
        await wait_until(lambda s=seen: len(s.messages) == 1)
        topic, payload = seen.messages[0]
        assert topic == expected_topic
        body = json.loads(payload)
        if network == "chirpstack":
            assert body == {
                "devEui": "0011223344556677",
                "confirmed": True,
                "fPort": 10,
                "data": "AQI=",
            }
        else:
            assert body == {
                "downlinks": [
                    {"f_port": 10, "frm_payload": "AQI=", "confirmed": True, "priority": "NORMAL"}
                ]
            }
        await wait_until(lambda b=bridge: b.stats.downlinks_invalid == 1)
        assert bridge.stats.downlinks_forwarded == 1
        await bridge.stop()
        seen.close()
        ha.disconnect()


async def test_counters_are_published_as_discovery_sensors(
    upstream: Broker, downstream: Broker, bridge_factory: Any
) -> None:
    ha = Collector(downstream, "homeassistant/#", client_id="ha-discovery")
    ha.client.subscribe("ange_iot_bridge/#", qos=1)
    bridge = await bridge_factory(options_for(upstream, downstream))
    node = f"ange_iot_bridge_{bridge.instance}"
    # Every counter's discovery config and a first state: on a busy machine the state can
    # arrive before the last config, so wait for both rather than for the state alone.
    await wait_until(
        lambda: any(t.endswith("/state") for t, _ in ha.messages)
        and sum(t.startswith(f"homeassistant/sensor/{node}/") for t, _ in ha.messages) >= 7
    )
    configs = {t: json.loads(p) for t, p in ha.messages if t.startswith("homeassistant/")}
    received = configs[f"homeassistant/sensor/{node}/received/config"]
    assert received["state_topic"] == f"ange_iot_bridge/{bridge.instance}/state"
    assert received["unique_id"] == f"{node}_received"
    assert received["entity_category"] == "diagnostic"
    age = configs[f"homeassistant/sensor/{node}/oldest_queued_age_s/config"]
    assert age["device_class"] == "duration" and age["unit_of_measurement"] == "s"
    assert {t.rsplit("/", 2)[1] for t in configs} == {
        "received",
        "forwarded",
        "queued",
        "invalid",
        "dropped",
        "duplicates",
        "oldest_queued_age_s",
    }
    state = json.loads([p for t, p in ha.messages if t.endswith("/state")][-1])
    assert state["queued"] == 0 and "forwarded" in state
    assert (f"ange_iot_bridge/{bridge.instance}/status", b"online") in ha.messages
    ha.close()
