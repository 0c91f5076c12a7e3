"""End-to-end acknowledgement: the protocol module, and the bridge against real Mosquitto.

``Integration`` below plays the Ånge IoT integration the way Home Assistant's MQTT client
runs it: a clean session, a retained announcement, batched acknowledgements, and a
birth message on ``homeassistant/status`` after it has subscribed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import logging
from pathlib import Path
import signal
import threading
import time
from typing import Any

import aiohttp
from paho.mqtt.client import Client, MQTTMessage, MQTTv311
from paho.mqtt.enums import CallbackAPIVersion
import pytest

from conftest import Broker, Collector, chirpstack_up, free_port, options_for, publisher, wait_until
from lorawan_bridge import ack as ack_module
from lorawan_bridge.ack import (
    HELLO_WAIT_S,
    AckMode,
    AckState,
    announces,
    parse_ranges,
    sequenced_topic,
)
from lorawan_bridge.options import OptionsError, parse_options
from lorawan_bridge.status_page import render

DEV = "0011223344556677"
HELLO = "ange_iot/chirpstack/ack/hello"


# ------------------------------------------------------------------ the protocol


def test_ranges_are_parsed_strictly() -> None:
    assert parse_ranges(b"[[1, 3], [7, 7]]") == [(1, 3), (7, 7)]
    assert parse_ranges(b"[]") == []
    for bad in (b"", b"{}", b"[1, 2]", b"[[3, 1]]", b"[[0, 1]]", b"[[1, true]]", b'[["1", 2]]'):
        with pytest.raises(ValueError, match="not"):
            parse_ranges(bad)


def test_announcements() -> None:
    assert announces(b'{"protocol": 1}')
    assert announces(b'{"protocol": 2}')
    for withdrawn in (b"", b"{}", b'{"protocol": 0}', b"not json", b'{"protocol": true}'):
        assert not announces(withdrawn)
    assert sequenced_topic(f"ange_iot/chirpstack/{DEV}/up", "ab12cd34", 9) == (
        f"ange_iot/chirpstack/{DEV}/up/ab12cd34/9"
    )


def test_mode_waits_for_the_announcement_from_the_first_connect(tmp_path: Path) -> None:
    state = AckState(tmp_path, 30, now=0.0)
    assert state.mode is AckMode.WAITING
    assert not state.tick(100.0, None)  # never connected: still waiting
    state.connected(100.0)
    assert not state.tick(100.0 + HELLO_WAIT_S / 2, None)
    assert state.tick(100.0 + HELLO_WAIT_S, None)
    assert state.mode is AckMode.BROKER
    # The announcement arrives later: end to end from now on, remembered on disk.
    assert state.hello(b'{"protocol": 1}', 200.0)
    assert AckState(tmp_path, 30, now=0.0).mode is AckMode.END_TO_END
    assert state.hello(b"", 300.0)  # withdrawn
    assert AckState(tmp_path, 30, now=0.0).mode is AckMode.BROKER


def test_only_a_probe_goes_out_until_the_integration_is_known_to_listen(tmp_path: Path) -> None:
    state = AckState(tmp_path, 30, now=0.0)
    state.hello(b'{"protocol": 1}', 0.0)
    state.connected(0.0)
    assert state.window(4096) == 1
    state.acked(1.0)  # the probe was taken
    assert state.window(4096) == 4096
    state.ha_status(False, 2.0)  # HA's will
    assert state.window(4096) == 1
    state.ha_status(True, 3.0)  # its birth, sent after it subscribed again
    assert state.window(4096) == 4096
    state.connected(4.0)  # the broker may have lost HA's session
    assert state.window(4096) == 1


def test_stale_announcement_falls_back_only_after_home_assistant_is_back(tmp_path: Path) -> None:
    state = AckState(tmp_path, 30, now=0.0)
    state.hello(b'{"protocol": 1}', 0.0)
    wait = ack_module.FALLBACK_AFTER_S
    # HA's status unknown or offline: keep everything, however long.
    assert not state.tick(10 * wait, oldest_sent_at=0.0)
    state.ha_status(False, 10.0)
    assert not state.tick(10 * wait, oldest_sent_at=0.0)
    assert not state.resend_due(10 * wait, 0.0)  # nobody to resend to
    state.ha_status(True, 1000.0)
    assert state.resend_due(1000.0, 0.0)
    assert not state.tick(1000.0 + wait - 1, oldest_sent_at=0.0)
    assert state.tick(1000.0 + wait, oldest_sent_at=0.0)
    assert state.mode is AckMode.BROKER
    # An acknowledgement since the birth would have kept it end to end.
    other = AckState(tmp_path / "x", 30, now=0.0)
    (tmp_path / "x").mkdir()
    other.hello(b'{"protocol": 1}', 0.0)
    other.ha_status(True, 1000.0)
    other.acked(1001.0)
    assert not other.tick(1000.0 + 2 * wait, oldest_sent_at=1002.0)


def test_options() -> None:
    options = parse_options({"upstream_host": "ns"})
    assert (options.ack_timeout_s, options.ha_birth_topic) == (30, "homeassistant/status")
    custom = parse_options({"upstream_host": "ns", "ack_timeout_s": 5, "ha_birth_topic": "ha/st"})
    assert (custom.ack_timeout_s, custom.ha_birth_topic) == (5, "ha/st")
    for bad in ({"ack_timeout_s": 1}, {"ack_timeout_s": "5"}, {"ha_birth_topic": "ha/#"}):
        with pytest.raises(OptionsError):
            parse_options({"upstream_host": "ns"} | bad)


def test_status_page_shows_the_fallback() -> None:
    snapshot: dict[str, Any] = dict.fromkeys(
        (
            "received",
            "forwarded",
            "queued",
            "oldest_queued_age_s",
            "invalid",
            "duplicates",
            "dropped",
            "downlinks_forwarded",
            "downlinks_invalid",
            "awaiting_ack",
            "uptime_s",
        ),
        0,
    ) | {"upstream_connected": True, "downstream_connected": True, "ack_mode": "broker"}
    page = render("en", "", "chirpstack", snapshot, upstream_used=True, http_used=False)
    assert 'class="bad">by the broker only' in page
    page = render("sv", "", "chirpstack", snapshot | {"ack_mode": "end_to_end"}, True, False)
    assert "från Ånge IoT-integrationen" in page


# ------------------------------------------------------------------ with real brokers


class Integration:
    """A stand-in for the integration on HA's broker, with HA's clean-session client."""

    def __init__(self, broker: Broker, *, acknowledge: bool = True, announce: bool = True) -> None:
        self.broker = broker
        self.acknowledge = acknowledge
        self.announce = announce
        self.birth = True
        self.taken: list[tuple[str, int, bytes]] = []
        self.drop_next = 0
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client: Client | None = None

    def start(self) -> None:
        self._subscribed.clear()
        client = Client(
            CallbackAPIVersion.VERSION2, client_id="ha", clean_session=True, protocol=MQTTv311
        )
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.connect("127.0.0.1", self.broker.port, keepalive=10)
        client.loop_start()
        self.client = client
        if not self._subscribed.wait(10):
            raise TimeoutError("integration did not subscribe")

    def _on_connect(self, client: Client, *args: Any) -> None:
        client.subscribe("ange_iot/chirpstack/+/+/+/+", qos=1)

    def _on_subscribe(self, client: Client, *args: Any) -> None:
        if self.announce:
            client.publish(HELLO, json.dumps({"protocol": 1}), qos=1, retain=True)
        if self.birth:  # HA sends its birth after it has subscribed again.
            client.publish("homeassistant/status", "online", qos=1)
        self._subscribed.set()

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        levels = message.topic.split("/")
        with self._lock:
            if self.drop_next:
                self.drop_next -= 1
                return
            self.taken.append((levels[4], int(levels[5]), message.payload))
        if self.acknowledge:
            client.publish(
                f"ange_iot/chirpstack/ack/{levels[4]}", json.dumps([[int(levels[5])] * 2]), qos=1
            )

    def stop(self) -> None:
        """Go away the way HA does when it stops: offline on the birth topic."""
        if self.client is not None:
            self.client.publish("homeassistant/status", "offline", qos=1).wait_for_publish(5)
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None

    def f_cnts(self) -> list[int]:
        with self._lock:
            return [json.loads(p)["fCnt"] for _, _, p in self.taken]


def _send_slowly(broker: Broker, f_cnts: range, per_second: float) -> None:
    pub = publisher(broker)
    begin = time.monotonic()
    infos = []
    for i, n in enumerate(f_cnts):
        time.sleep(max(0.0, begin + i / per_second - time.monotonic()))
        infos.append(pub.publish(*chirpstack_up(DEV, n), qos=1))
    for info in infos:
        info.wait_for_publish(20)
    pub.disconnect()
    pub.loop_stop()


def _send(broker: Broker, f_cnts: range) -> None:
    pub = publisher(broker)
    infos = [pub.publish(*chirpstack_up(DEV, n), qos=1) for n in f_cnts]
    for info in infos:
        info.wait_for_publish(10)
    pub.disconnect()
    pub.loop_stop()


@pytest.fixture
def integration(downstream: Broker) -> Any:
    made: list[Integration] = []

    def make(**kwargs: Any) -> Integration:
        item = Integration(downstream, **kwargs)
        made.append(item)
        return item

    yield make
    for item in made:
        if item.client is not None:
            item.client.disconnect()
            item.client.loop_stop()


async def test_rows_wait_for_the_integration_not_the_broker(
    upstream: Broker,
    downstream: Broker,
    bridge_factory: Any,
    integration: Callable[..., Integration],
) -> None:
    ha = integration()
    ha.start()
    bridge = await bridge_factory(options_for(upstream, downstream))
    await wait_until(lambda: bridge.stats.ack_mode == "end_to_end")
    await wait_until(lambda: bridge.stats.upstream_connected)
    await asyncio.to_thread(_send, upstream, range(50))
    await wait_until(lambda: len(ha.taken) == 50)
    await wait_until(lambda: bridge.stats.queued == 0)
    assert ha.f_cnts() == list(range(50))  # in order
    assert {bridge_id for bridge_id, _, _ in ha.taken} == {bridge.instance}
    assert bridge.stats.forwarded == 50

    # Taken but not acknowledged: the rows stay on disk.
    ha.acknowledge = False
    await asyncio.to_thread(_send, upstream, range(50, 60))
    await wait_until(lambda: len(ha.taken) == 60)
    await asyncio.sleep(0.5)
    assert bridge.stats.queued == 10
    assert bridge.stats.awaiting_ack == 10


async def test_home_assistant_away_loses_nothing(
    upstream: Broker,
    downstream: Broker,
    bridge_factory: Any,
    integration: Callable[..., Integration],
) -> None:
    # The measured failure: HA's clean session is away, the broker PUBACKs and drops.
    ha = integration()
    ha.start()
    bridge = await bridge_factory(options_for(upstream, downstream, ack_timeout_s=600))
    await wait_until(
        lambda: bridge.stats.ack_mode == "end_to_end" and bridge.stats.upstream_connected
    )
    await asyncio.to_thread(_send, upstream, range(100))
    await wait_until(lambda: len(ha.taken) == 100)
    ha.stop()
    await asyncio.to_thread(_send, upstream, range(100, 300))
    await wait_until(lambda: bridge.stats.received == 300)
    await asyncio.sleep(0.5)
    assert bridge.stats.queued == 200  # PUBACKed by the broker, and still kept
    ha.start()  # the birth message brings the resend; the timeout is far away
    await wait_until(lambda: bridge.stats.queued == 0, 20)
    got = ha.f_cnts()
    assert sorted(set(got)) == list(range(300))
    assert got[:100] == list(range(100))


async def test_resent_after_the_timeout(
    upstream: Broker,
    downstream: Broker,
    bridge_factory: Any,
    integration: Callable[..., Integration],
) -> None:
    ha = integration()
    ha.start()
    bridge = await bridge_factory(options_for(upstream, downstream, ack_timeout_s=2))
    await wait_until(
        lambda: bridge.stats.ack_mode == "end_to_end" and bridge.stats.upstream_connected
    )
    ha.drop_next = 5  # lost on the way, as if HA had not been listening
    await asyncio.to_thread(_send, upstream, range(5))
    await asyncio.sleep(1.0)
    assert ha.taken == [] and bridge.stats.queued == 5
    await wait_until(lambda: bridge.stats.queued == 0, 10)
    assert ha.f_cnts() == list(range(5))


async def test_broker_restart_mid_stream_keeps_order_and_loses_nothing(
    upstream: Broker,
    downstream: Broker,
    bridge_factory: Any,
    integration: Callable[..., Integration],
) -> None:
    # Both clean sessions vanish with HA's broker. The bridge reconnects first and resends
    # into the void; HA subscribes again later. Nothing newer may reach HA before the
    # older events it missed: its frame-counter guard would refuse those as replays.
    ha = integration()
    ha.start()
    ha.client.reconnect_delay_set(2, 2)  # type: ignore[union-attr]
    bridge = await bridge_factory(options_for(upstream, downstream, ack_timeout_s=600))
    await wait_until(
        lambda: bridge.stats.ack_mode == "end_to_end" and bridge.stats.upstream_connected
    )
    sender = asyncio.create_task(asyncio.to_thread(_send_slowly, upstream, range(600), 200.0))
    await wait_until(lambda: len(ha.taken) >= 150)
    downstream.stop(signal.SIGKILL)
    await asyncio.sleep(0.3)
    downstream.start()
    await sender
    await wait_until(lambda: bridge.stats.received == 600 and bridge.stats.queued == 0, 30)
    got = ha.f_cnts()
    firsts = list(dict.fromkeys(got))
    assert firsts == list(range(600))  # every one, and never an older after a newer


async def test_without_an_integration_the_broker_acknowledges(
    upstream: Broker,
    downstream: Broker,
    collector: Collector,
    bridge_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="lorawan_bridge")
    port = free_port()
    bridge = await bridge_factory(options_for(upstream, downstream), ingress_port=port)
    await wait_until(lambda: bridge.stats.ack_mode == "broker")
    await wait_until(lambda: bridge.stats.upstream_connected)
    await asyncio.to_thread(_send, upstream, range(10))
    await wait_until(lambda: bridge.stats.queued == 0 and len(collector.payloads()) == 10)
    assert {t for t, _ in collector.messages} == {f"ange_iot/chirpstack/{DEV}/up"}
    fallback = [r for r in caplog.records if "No acknowledging" in r.getMessage()]
    assert len(fallback) == 1 and fallback[0].levelno == logging.WARNING
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/health") as resp:
            assert (await resp.json())["ack_mode"] == "broker"
        async with http.get(f"http://127.0.0.1:{port}/?lang=en") as resp:
            assert "by the broker only" in await resp.text()


async def test_an_announcement_nobody_honours_falls_back_after_ha_birth(
    upstream: Broker,
    downstream: Broker,
    collector: Collector,
    bridge_factory: Any,
    integration: Callable[..., Integration],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stale retained announcement: the integration was removed or downgraded.
    monkeypatch.setattr(ack_module, "FALLBACK_AFTER_S", 1.0)
    ha = integration(acknowledge=False)
    ha.start()
    bridge = await bridge_factory(options_for(upstream, downstream, ack_timeout_s=600))
    await wait_until(
        lambda: bridge.stats.ack_mode == "end_to_end" and bridge.stats.upstream_connected
    )
    ha.stop()
    ha.start()  # a birth: from now on, silence means nobody acknowledges
    await asyncio.to_thread(_send, upstream, range(4))
    await wait_until(lambda: bridge.stats.ack_mode == "broker", 10)
    await wait_until(lambda: bridge.stats.queued == 0)
    # Sent again on the plain topics, which an older integration reads.
    plain = [p for t, p in collector.messages if t == f"ange_iot/chirpstack/{DEV}/up"]
    assert [json.loads(p)["fCnt"] for p in plain] == [0, 1, 2, 3]
