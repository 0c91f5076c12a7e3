"""Home Assistant's broker: forwarding the queue in order, and taking HA's downlinks."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import json
import logging
import threading
import time
from typing import Any, Final

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.reasoncodes import ReasonCode

from . import discovery
from .ack import (
    AckMode,
    AckSettings,
    AckState,
    ack_filter,
    ack_topic,
    hello_topic,
    parse_ranges,
    sequenced_topic,
)
from .downlink import down_topic
from .mqttclient import BrokerSettings, make_client
from .stats import Stats
from .store import Reader, Store

_LOGGER = logging.getLogger(__name__)

WINDOW: Final = 512
"""Events published and not yet acknowledged by the broker. One connection, sent in queue
order: the broker keeps that order, so each device's events arrive in the order they
were received."""
WINDOW_END_TO_END: Final = 4096
"""Events published and not yet acknowledged by the integration, which acknowledges in
batches up to a second apart: the window must hold about a second of traffic."""
_IDLE_WAIT_S: Final = 0.5

type DownlinkHandler = Callable[[str, bytes], None]
type _Inbox = tuple[str, Any]


class Downstream:
    """Publishes queued events to ``ange_iot/<network>/<dev_eui>/<event>`` (QoS 1)."""

    def __init__(
        self,
        settings: BrokerSettings,
        network: str,
        instance: str,
        store: Store,
        stats: Stats,
        on_downlink: DownlinkHandler,
        ack: AckSettings | None = None,
    ) -> None:
        """Set the client and the forwarding thread up; nothing runs before start()."""
        self._ack = ack or AckSettings(store.path.parent)
        self._settings = settings
        self._network = network
        self._instance = instance
        self._store = store
        self._stats = stats
        self._on_downlink = on_downlink
        # A clean session: a downlink HA sent while the bridge was away may be hours
        # old by now, and an old command is not one to send to a device.
        self._client = make_client(settings, f"ange-iot-bridge-{instance}-down", clean_session=True)
        # The window is ours (WINDOW). Left to paho, a limit makes it walk every
        # message in flight on each acknowledgement.
        self._client.max_inflight_messages_set(0)
        self._client.will_set(discovery.availability_topic(instance), "offline", qos=1, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        # From paho's thread to the forwarder: PUBACKs, acknowledgements, announcements,
        # HA's status and connects. Only the forwarder thread keeps state.
        self._inbox: deque[_Inbox] = deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._was_connected = False
        self._thread = threading.Thread(target=self._forward, name="forwarder", daemon=True)
        store.on_committed = self._wake.set

    def start(self) -> None:
        """Connect in the background and start forwarding."""
        self._client.connect_async(self._settings.host, self._settings.port, keepalive=30)
        self._client.loop_start()
        self._thread.start()

    def stop(self) -> None:
        """Stop forwarding and disconnect; unacknowledged events stay queued on disk."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._client.is_connected():
            self._client.publish(
                discovery.availability_topic(self._instance), "offline", qos=1, retain=True
            ).wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()

    def publish_state(self, snapshot: dict[str, int | float | bool | str]) -> None:
        """Publish the counters for the discovery sensors."""
        if self._client.is_connected():
            self._client.publish(
                discovery.state_topic(self._instance),
                json.dumps(snapshot).encode(),
                qos=0,
                retain=True,
            )

    def _on_connect(
        self,
        client: Client,
        userdata: Any,
        flags: ConnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        if reason_code.is_failure:
            _LOGGER.error(
                "Home Assistant's broker %s:%d refused the connection: %s",
                self._settings.host,
                self._settings.port,
                reason_code,
            )
            return
        self._stats.downstream_connected = True
        client.subscribe(
            [
                (down_topic(self._network), 1),
                (ack_filter(self._network), 1),
                (self._ack.birth_topic, 1),
            ]
        )
        for topic, payload in discovery.configs(self._instance):
            client.publish(topic, payload, qos=1, retain=True)
        client.publish(discovery.availability_topic(self._instance), "online", qos=1, retain=True)
        _LOGGER.info(
            "Home Assistant's broker %s:%d connected", self._settings.host, self._settings.port
        )
        self._was_connected = True
        self._post("connected", None)

    def _on_disconnect(
        self,
        client: Client,
        userdata: Any,
        flags: DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._stats.downstream_connected = False
        if self._was_connected and not self._stopping.is_set():
            _LOGGER.warning(
                "Home Assistant's broker connection lost (%s); events stay queued", reason_code
            )
        self._was_connected = False

    def _on_publish(
        self, client: Client, userdata: Any, mid: int, reason_code: ReasonCode, properties: Any
    ) -> None:
        # Called with paho's message lock held: hand over and return, never block here.
        self._post("puback", mid)

    def _post(self, kind: str, value: Any) -> None:
        self._inbox.append((kind, value))
        self._wake.set()

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        topic = message.topic
        if topic == self._ack.birth_topic:
            status = message.payload.strip().lower()
            if status in (b"online", b"offline"):
                self._post("status", status == b"online")
        elif topic == hello_topic(self._network):
            self._post("hello", message.payload)
        elif topic == ack_topic(self._network, self._instance):
            try:
                self._post("ack", parse_ranges(message.payload))
            except ValueError as err:
                _LOGGER.warning("Ignored a malformed acknowledgement on %s: %s", topic, err)
        elif topic.startswith(ack_filter(self._network)[:-1]):
            return  # another bridge's acknowledgements
        else:
            self._on_downlink(topic, message.payload)

    def _forward(self) -> None:
        forwarder = _Forwarder(
            self, AckState(self._ack.data_dir, self._ack.timeout_s, time.monotonic())
        )
        try:
            while not self._stopping.is_set():
                self._wake.wait(_IDLE_WAIT_S)
                self._wake.clear()
                forwarder.step()
        finally:
            forwarder.close()


class _Forwarder:
    """The forwarding thread's state: what is out, and who is to acknowledge it."""

    def __init__(self, downstream: Downstream, state: AckState) -> None:
        self._down = downstream
        self._reader = Reader(downstream._store.path)
        self.state = state
        # Broker mode: mid -> (row id, size), deleted on PUBACK.
        self._by_mid: dict[int, tuple[int, int]] = {}
        # End-to-end mode: row id -> when it was sent, in sending order.
        self._awaiting: dict[int, float] = {}
        # Rows acknowledged whose delete may not be committed yet: not sent again.
        self._acked: set[int] = set()
        self._last_id = 0
        downstream._stats.ack_mode = state.mode.value

    def close(self) -> None:
        self._reader.close()

    def _rewind(self) -> None:
        """Send every row still queued again, from the oldest, in order.

        PUBACKs of the earlier sends no longer delete anything, so a row is never
        deleted on a PUBACK after it was re-sent for the integration to acknowledge.
        """
        self._by_mid.clear()
        self._awaiting.clear()
        self._last_id = 0

    def _take_acks(self, ranges: list[tuple[int, int]]) -> None:
        store = self._down._store
        for first, last in ranges:
            store.acknowledged(first, last)
            if last - first < len(self._awaiting):
                gone = [rid for rid in range(first, last + 1) if rid in self._awaiting]
            else:
                gone = [rid for rid in self._awaiting if first <= rid <= last]
            for rid in gone:
                del self._awaiting[rid]
                self._acked.add(rid)
        if len(self._acked) > 4 * WINDOW_END_TO_END:
            self._acked.clear()

    def step(self) -> None:
        down = self._down
        state = self.state
        now = time.monotonic()
        rewind = False
        while down._inbox:
            kind, value = down._inbox.popleft()
            if kind == "puback":
                sent = self._by_mid.pop(value, None)
                if sent is not None:
                    down._store.forwarded(*sent)
            elif kind == "ack":
                state.acked(now)
                self._take_acks(value)
            elif kind == "hello":
                rewind |= state.hello(value, now)
            elif kind == "status":
                state.ha_status(value, now)
                # HA's birth comes after it has subscribed again: what it missed, it
                # can take now.
                rewind |= value and state.mode is AckMode.END_TO_END
            elif kind == "connected":
                state.connected(now)
                # Broker mode: paho itself resends what was in flight.
                rewind |= state.mode is AckMode.END_TO_END
        oldest = next(iter(self._awaiting.values()), None)
        if state.tick(now, oldest) or state.resend_due(now, oldest):
            rewind = True
        if rewind:
            self._rewind()
        down._stats.ack_mode = state.mode.value
        down._stats.awaiting_ack = len(self._awaiting)
        self._send(now)

    def _send(self, now: float) -> None:
        down = self._down
        mode = self.state.mode
        if mode is AckMode.WAITING or not down._client.is_connected():
            return
        if mode is AckMode.END_TO_END:
            room = self.state.window(WINDOW_END_TO_END) - len(self._awaiting) - len(self._by_mid)
        else:
            room = WINDOW - len(self._by_mid)
        if room <= 0:
            return
        rows = self._reader.after(self._last_id, room)
        for row in rows:
            self._last_id = row.id
            if mode is AckMode.END_TO_END:
                if row.id in self._acked:
                    continue
                down._client.publish(
                    sequenced_topic(row.topic, down._instance, row.id), row.payload, qos=1
                )
                self._awaiting[row.id] = now
            else:
                info = down._client.publish(row.topic, row.payload, qos=1)
                self._by_mid[info.mid] = (row.id, row.size)
        if len(rows) == room:
            down._wake.set()
