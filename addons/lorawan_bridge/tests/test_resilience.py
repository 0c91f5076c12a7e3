"""Outages: the downstream broker, the bridge itself and the upstream broker going away."""

from __future__ import annotations

import asyncio
from collections import defaultdict
import json
import logging
import signal
import threading
import time
from typing import Any

import pytest

from conftest import (
    Broker,
    Collector,
    chirpstack_up,
    options_for,
    publisher,
    wait_until,
)

DEVICES = ("0011223344556677", "8899aabbccddeeff", "a1b2c3d4e5f60718")


def _stream(
    broker: Broker, count: int, per_second: float, start: int = 0
) -> tuple[list[tuple[str, bytes]], threading.Thread]:
    """Publish ``count`` uplinks round-robin over three devices at a steady rate."""
    sent: list[tuple[str, bytes]] = []
    messages = []
    for n in range(start, start + count):
        dev_eui = DEVICES[n % len(DEVICES)]
        messages.append((dev_eui, *chirpstack_up(dev_eui, n)))

    def run() -> None:
        pub = publisher(broker)
        begin = time.monotonic()
        infos = []
        for i, (dev_eui, topic, payload) in enumerate(messages):
            delay = begin + i / per_second - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            infos.append(pub.publish(topic, payload, qos=1))
            sent.append((dev_eui, payload))
        for info in infos:
            info.wait_for_publish(20)
        pub.disconnect()
        pub.loop_stop()

    thread = threading.Thread(target=run)
    thread.start()
    return sent, thread


def _by_device(payloads: list[bytes]) -> dict[str, list[int]]:
    result: dict[str, list[int]] = defaultdict(list)
    for payload in payloads:
        body = json.loads(payload)
        result[body["deviceInfo"]["devEui"]].append(body["fCnt"])
    return result


async def test_downstream_killed_mid_stream_loses_and_duplicates_nothing(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any
) -> None:
    # Save the collector's persistent session, so that after the SIGKILL the restarted
    # broker queues for it whatever the bridge sends before the collector is back.
    downstream.process.send_signal(signal.SIGUSR1)  # type: ignore[union-attr]
    await wait_until(lambda: (downstream.directory / "mosquitto.db").exists())
    bridge = await bridge_factory(options_for(upstream, downstream))
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    await wait_until(lambda: bridge.stats.ack_mode == "broker")  # no integration here

    sent, thread = _stream(upstream, 900, per_second=600)
    await wait_until(lambda: len(collector.payloads()) >= 200)
    downstream.stop(signal.SIGKILL)
    await wait_until(lambda: not bridge.stats.downstream_connected)
    await asyncio.sleep(0.5)  # the stream goes on into the queue meanwhile
    assert bridge.stats.queued > 0
    downstream.start()
    await asyncio.to_thread(thread.join)

    await wait_until(lambda: bridge.stats.queued == 0 and bridge.stats.received == 900, 30)
    await wait_until(lambda: len(collector.payloads()) >= 900)
    await asyncio.sleep(0.3)  # a duplicate would show up now
    got = collector.payloads()
    assert len(got) == 900 and len(set(got)) == 900
    assert sorted(got) == sorted(p for _, p in sent)
    expected = _by_device([p for _, p in sent])
    assert _by_device(got) == expected  # each device's events in the order received


async def test_bridge_sigkilled_mid_stream_loses_nothing(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_process: Any
) -> None:
    proc = bridge_process(options_for(upstream, downstream))
    proc.start()
    await wait_until(lambda: (proc.data / "instance_id").exists())
    # No integration here: wait until the bridge has settled on the broker's PUBACK (it
    # remembers the mode in its data folder), as the in-process tests wait for ack_mode.
    # Otherwise the whole stream piles up while it waits and is in flight at once.
    mode = proc.data / "ack_mode"
    await wait_until(lambda: mode.exists() and mode.read_text(encoding="ascii").strip() == "broker", 15)
    await asyncio.sleep(0.5)  # let it subscribe
    sent, thread = _stream(upstream, 900, per_second=600)
    await wait_until(lambda: len(collector.payloads()) >= 250)
    proc.kill(signal.SIGKILL)
    await asyncio.sleep(0.4)
    proc.start()
    await asyncio.to_thread(thread.join)

    await wait_until(lambda: set(collector.payloads()) >= {p for _, p in sent}, 30)
    got = collector.payloads()
    # At least once: a row acknowledged downstream but not yet deleted when the
    # process died is sent again. Nothing may be missing, and each device's
    # first deliveries keep the order they were received in.
    firsts: list[bytes] = list(dict.fromkeys(got))
    assert _by_device(firsts) == _by_device([p for _, p in sent])
    assert len(got) - len(firsts) <= 512  # at most one forwarding window again
    proc.kill(signal.SIGTERM)


async def test_upstream_broker_restart_reconnects_and_keeps_the_session(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any
) -> None:
    bridge = await bridge_factory(options_for(upstream, downstream))
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    await wait_until(lambda: bridge.stats.ack_mode == "broker")  # no integration here
    pub = publisher(upstream)
    for n in range(20):
        pub.publish(*chirpstack_up(DEVICES[0], n), qos=1).wait_for_publish(5)
    await wait_until(lambda: len(collector.payloads()) == 20)
    pub.disconnect()
    pub.loop_stop()

    upstream.stop(signal.SIGTERM)  # a broker restart: it saves its sessions
    await wait_until(lambda: not bridge.stats.upstream_connected)
    upstream.start()
    # Published before the bridge is back: the broker holds them for its session.
    pub = publisher(upstream)
    for n in range(20, 40):
        pub.publish(*chirpstack_up(DEVICES[0], n), qos=1).wait_for_publish(5)
    await wait_until(lambda: bridge.stats.upstream_connected, 20)
    for n in range(40, 60):
        pub.publish(*chirpstack_up(DEVICES[0], n), qos=1).wait_for_publish(5)
    await wait_until(lambda: len(collector.payloads()) == 60)
    assert _by_device(collector.payloads())[DEVICES[0]] == list(range(60))
    pub.disconnect()


async def test_messages_sent_while_the_bridge_is_stopped_arrive_after_restart(
    upstream: Broker, downstream: Broker, collector: Collector, bridge_factory: Any, tmp_path: Any
) -> None:
    options = options_for(upstream, downstream)
    bridge = await bridge_factory(options, data=tmp_path / "same")
    await wait_until(lambda: bridge.stats.upstream_connected)
    await bridge.stop()
    pub = publisher(upstream)
    for n in range(30):
        pub.publish(*chirpstack_up(DEVICES[1], n), qos=1).wait_for_publish(5)
    again = await bridge_factory(options, data=tmp_path / "same")
    await wait_until(lambda: len(collector.payloads()) == 30)
    assert again.instance == bridge.instance  # same client id, same broker session
    assert _by_device(collector.payloads())[DEVICES[1]] == list(range(30))
    pub.disconnect()


async def test_malformed_messages_are_counted_dropped_and_do_not_block(
    upstream: Broker,
    downstream: Broker,
    collector: Collector,
    bridge_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="lorawan_bridge")
    bridge = await bridge_factory(options_for(upstream, downstream))
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    await wait_until(lambda: bridge.stats.ack_mode == "broker")  # no integration here
    pub = publisher(upstream)
    base = "application/app-1/device/0011223344556677/event/up"
    bad = [
        (base, b"\x00\x01 not json"),
        (base, b"[1, 2, 3]"),
        (base, json.dumps({"fCnt": 1, "deviceInfo": {"devEui": "ffffffffffffffff"}}).encode()),
        ("application/app-1/device/not-an-eui/event/up", b"{}"),
        (base, b'{"pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'),
    ]
    pub.publish(*chirpstack_up(DEVICES[0], 1), qos=1)
    for topic, payload in bad:
        pub.publish(topic, payload, qos=1)
    pub.publish(*chirpstack_up(DEVICES[0], 2), qos=1)

    await wait_until(lambda: len(collector.payloads()) == 2)
    await wait_until(lambda: bridge.stats.invalid == 5)
    assert _by_device(collector.payloads())[DEVICES[0]] == [1, 2]
    lines = [r for r in caplog.records if r.name == "lorawan_bridge.upstream"]
    assert len(lines) == 5  # one line per dropped message
    assert not any(b"x" * 100 in r.getMessage().encode() for r in lines)  # no payloads
    pub.disconnect()


async def test_full_queue_drops_the_oldest_and_keeps_running(
    upstream: Broker, downstream: Broker, bridge_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    downstream.stop()  # HA is down for a long time
    bridge = await bridge_factory(options_for(upstream, downstream, queue_max_mb=1))
    await wait_until(lambda: bridge.stats.upstream_connected)
    pub = publisher(upstream)
    infos = []
    for n in range(400):  # about 1.7 MB of events
        topic, payload = chirpstack_up(DEVICES[2], n)
        body = json.loads(payload) | {"pad": "y" * 4000}
        infos.append(pub.publish(topic, json.dumps(body), qos=1))
    for info in infos:
        info.wait_for_publish(10)
    await wait_until(lambda: bridge.stats.received == 400)
    assert bridge.stats.dropped > 0
    assert bridge.store.queued_bytes <= 1024 * 1024
    assert bridge.stats.queued == 400 - bridge.stats.dropped
    assert any("Queue full" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)

    downstream.start()
    late = Collector(downstream, client_id="late")
    await wait_until(lambda: bridge.stats.queued == 0, 20)
    await wait_until(lambda: len(late.payloads()) == 400 - bridge.stats.dropped)
    # The newest survived, still in order.
    assert _by_device(late.payloads())[DEVICES[2]] == list(range(bridge.stats.dropped, 400))
    late.close()
    pub.disconnect()
