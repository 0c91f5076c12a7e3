"""Home Assistant's broker: forwarding the queue in order, and taking HA's downlinks."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import json
import logging
import threading
from typing import Any, Final

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.reasoncodes import ReasonCode

from . import discovery
from .downlink import down_topic
from .mqttclient import BrokerSettings, make_client
from .stats import Stats
from .store import Reader, Store

_LOGGER = logging.getLogger(__name__)

WINDOW: Final = 512
"""Events published and not yet acknowledged. One connection, sent in queue order: the
broker keeps that order, so each device's events arrive in the order they were received."""
_IDLE_WAIT_S: Final = 0.5

type DownlinkHandler = Callable[[str, bytes], None]


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
    ) -> None:
        """Set the client and the forwarding thread up; nothing runs before start()."""
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
        self._acked: deque[int] = deque()
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

    def publish_state(self, snapshot: dict[str, int | float | bool]) -> None:
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
        client.subscribe(down_topic(self._network), qos=1)
        for topic, payload in discovery.configs(self._instance):
            client.publish(topic, payload, qos=1, retain=True)
        client.publish(discovery.availability_topic(self._instance), "online", qos=1, retain=True)
        _LOGGER.info(
            "Home Assistant's broker %s:%d connected", self._settings.host, self._settings.port
        )
        self._was_connected = True
        self._wake.set()

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
        self._acked.append(mid)
        self._wake.set()

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        self._on_downlink(message.topic, message.payload)

    def _forward(self) -> None:
        reader = Reader(self._store.path)
        # mid -> (row id, size). Only this thread touches it.
        outstanding: dict[int, tuple[int, int]] = {}
        last_id = 0
        try:
            while not self._stopping.is_set():
                self._wake.wait(_IDLE_WAIT_S)
                self._wake.clear()
                while self._acked:
                    sent = outstanding.pop(self._acked.popleft(), None)
                    if sent is not None:
                        self._store.forwarded(*sent)
                # paho resends what it has in flight after a reconnect; new events
                # wait until the broker is back.
                room = WINDOW - len(outstanding)
                if room <= 0 or not self._client.is_connected():
                    continue
                rows = reader.after(last_id, room)
                for row in rows:
                    info = self._client.publish(row.topic, row.payload, qos=1)
                    outstanding[info.mid] = (row.id, row.size)
                    last_id = row.id
                if len(rows) == room:
                    self._wake.set()
        finally:
            reader.close()
