"""The network server's MQTT broker: a persistent QoS 1 session, acknowledged after commit."""

from __future__ import annotations

from functools import partial
import logging
import threading
from typing import Any, Final

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.reasoncodes import ReasonCode

from .downlink import Downlink
from .events import Event, InvalidEvent, from_mqtt
from .mqttclient import BrokerSettings, make_client
from .stats import Stats
from .store import Outcome, Store

_LOGGER = logging.getLogger(__name__)
_RETRY_S: Final = 1.0
# Our own TTS downlinks, if the broker echoes them: not events.
_OWN_TTS_LEVELS: Final = frozenset({"push", "replace"})


class Upstream:
    """Receives events and sends downlinks on the network server's broker."""

    def __init__(
        self,
        settings: BrokerSettings,
        network: str,
        topics: list[str],
        client_id: str,
        store: Store,
        stats: Stats,
    ) -> None:
        """Set the client up; nothing connects before start()."""
        self._settings = settings
        self._network = network
        self._topics = topics
        self._store = store
        self._stats = stats
        # clean_session=False: the broker keeps our subscription and queues QoS 1
        # messages while we are away. Manual acks: PUBACK only after the commit.
        self._client = make_client(settings, client_id, clean_session=False)
        self._client.manual_ack_set(True)
        self._client.max_queued_messages_set(10_000)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._generation = 0
        self._was_connected = False
        self._closing = threading.Event()

    def start(self) -> None:
        """Connect in the background and keep reconnecting."""
        self._client.connect_async(self._settings.host, self._settings.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect; unacknowledged messages stay with the broker."""
        self._closing.set()
        self._client.disconnect()
        self._client.loop_stop()

    def send_downlink(self, downlink: Downlink) -> None:
        """Publish a downlink (QoS 1); paho holds it in memory while the broker is away."""
        self._client.publish(downlink.topic, downlink.payload, qos=1)

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
                "Upstream broker %s:%d refused the connection: %s",
                self._settings.host,
                self._settings.port,
                reason_code,
            )
            return
        # Message ids of the previous connection mean nothing on this one.
        self._generation += 1
        self._stats.upstream_connected = True
        client.subscribe([(topic, 1) for topic in self._topics])
        _LOGGER.info(
            "Upstream broker %s:%d connected (session %s), subscribed to %s",
            self._settings.host,
            self._settings.port,
            "resumed" if flags.session_present else "new",
            ", ".join(self._topics),
        )
        self._was_connected = True

    def _on_disconnect(
        self,
        client: Client,
        userdata: Any,
        flags: DisconnectFlags,
        reason_code: ReasonCode,
        properties: Any,
    ) -> None:
        self._stats.upstream_connected = False
        if self._was_connected and not self._closing.is_set():
            _LOGGER.warning("Upstream broker connection lost (%s); reconnecting", reason_code)
        self._was_connected = False

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        topic = message.topic
        levels = topic.split("/")
        if self._network == "tts" and len(levels) == 6 and levels[5] in _OWN_TTS_LEVELS:
            self._ack(self._generation, message.mid, message.qos, Outcome.DUPLICATE)
            return
        try:
            event = from_mqtt(self._network, topic, message.payload)
        except InvalidEvent as err:
            self._stats.count_invalid()
            _LOGGER.warning("Dropped upstream message on %s (%s): %s", topic, err.reason, err)
            self._ack(self._generation, message.mid, message.qos, Outcome.DUPLICATE)
            return
        done = partial(self._ack, self._generation, message.mid, message.qos, event=event)
        self._store.submit(event, done)

    def _ack(
        self, generation: int, mid: int, qos: int, outcome: Outcome, *, event: Event | None = None
    ) -> None:
        if outcome is Outcome.FAILED and event is not None:
            # Not on disk: no PUBACK. Try again shortly; the store logs the cause.
            timer = threading.Timer(
                _RETRY_S,
                self._store.submit,
                (event, partial(self._ack, generation, mid, qos, event=event)),
            )
            timer.daemon = True
            timer.start()
            return
        if qos and generation == self._generation:
            self._client.ack(mid, qos)
