"""End-to-end acknowledgement to the lorawan_bridge add-on (the integration's half).

The bridge keeps an event on disk until we say we have taken it; a broker's PUBACK only
says the broker has it, and the broker drops what arrives while Home Assistant is not
subscribed. The protocol (docs/DESIGN.md, "Bridge acknowledgement"):

- The bridge publishes on ``ange_iot/<network>/<dev_eui>/<event>/<bridge_id>/<seq>``. We
  strip the last two levels before the envelope is parsed; the body is untouched.
- After ``Hub.handle_envelope`` has taken the event (accepted, duplicate or rejected: it is
  final either way) we acknowledge on ``ange_iot/<network>/ack/<bridge_id>`` with a JSON
  list of inclusive ranges ``[[first, last], ...]``, in batches, at least once a second,
  at QoS 0, and only over the connection the events came in on (see ``_ACK_QOS``).
- We announce ourselves with the retained ``ange_iot/<network>/ack/hello`` =
  ``{"protocol": 1}``, at start and after each reconnect to the broker. A bridge that
  never sees it (an older integration) deletes on the broker's PUBACK instead.
- The bridge resends what is not acknowledged. A sequence number taken before is
  acknowledged again and not processed twice. The numbers taken are kept in HA's storage,
  written with the hub's state, so this holds across a restart of Home Assistant.
- A sequence number not taken before is a new event, even when its frame counter is
  below the device's last one: HA missed it (it was not subscribed) and later events
  overtook it. The hub applies it as a late frame instead of refusing it as a replay.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
import json
import re
from typing import Any, Final

from homeassistant.components import mqtt
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .windowed_save import WindowedSave

PREFIX: Final = "ange_iot"
PROTOCOL: Final = 1
ACK_LEVEL: Final = "ack"
FLUSH_AFTER_S: Final = 0.5
"""Acknowledge at most this long after taking an event (the contract says one second)."""
FLUSH_AT: Final = 1000
"""Acknowledge at once when this many are waiting, so the bridge's window keeps moving."""
KEEP_RANGES: Final = 4096
"""Sequence ranges remembered per bridge to recognise resends; contiguous runs cost one."""
SAVE_DELAY: Final = 30
"""The hub's own save window: both are written together when HA stops."""
STORAGE_VERSION: Final = 1
_ACK_QOS: Final = 0
"""An acknowledgement must never outlive the connection it belongs to. The bridge takes any
acknowledgement as proof that we are subscribed and opens its window. At QoS 1, HA's MQTT
client would keep one published while the broker was away and send it again right after
reconnecting, before HA has subscribed again: the bridge would then send into the void,
the broker would drop those events, and later ones would overtake them. A lost
acknowledgement costs only a resend, which is recognised and acknowledged again."""
_BRIDGE_ID = re.compile(r"^[0-9a-z_-]{1,32}$")

type Token = tuple[str, int]
"""(bridge id, sequence number) of one sequenced event."""


def sequenced_filter(topic_filter: str) -> str | None:
    """The filter for sequenced events that goes with a hub's bridge filter.

    ``ange_iot/<network>/+/+`` gets ``ange_iot/<network>/+/+/+/+``; a filter that does not
    name bridge topics (ChirpStack's or TTS's own) gets none, and one ending in ``#``
    covers them already.
    """
    levels = topic_filter.split("/")
    if levels[0] != PREFIX or len(levels) != 4 or "#" in levels:
        return None
    return f"{topic_filter}/+/+"


def is_ack_topic(topic: str) -> bool:
    """Our own acknowledgements and announcement, which a bridge filter also matches."""
    levels = topic.split("/")
    return len(levels) == 4 and levels[0] == PREFIX and levels[2] == ACK_LEVEL


def unwrap(topic: str) -> tuple[str, Token | None]:
    """The event topic without bridge id and sequence number, and those two."""
    levels = topic.split("/")
    if len(levels) == 6 and levels[0] == PREFIX and levels[5].isdigit():
        bridge_id = levels[4]
        if _BRIDGE_ID.match(bridge_id) and (seq := int(levels[5])) > 0:
            return "/".join(levels[:4]), (bridge_id, seq)
    return topic, None


def to_ranges(seqs: list[int]) -> list[list[int]]:
    """Sorted, merged inclusive ranges of sequence numbers."""
    ranges: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if ranges and seq == ranges[-1][1] + 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return ranges


@dataclass(slots=True)
class SeqWindow:
    """Sequence numbers taken from one bridge, as merged ranges (bounded)."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def __contains__(self, seq: int) -> bool:
        """Whether ``seq`` was taken."""
        i = bisect_right(self.starts, seq) - 1
        return i >= 0 and seq <= self.ends[i]

    def as_list(self) -> list[list[int]]:
        """The ranges, for storage."""
        return [[a, b] for a, b in zip(self.starts, self.ends, strict=True)]

    @classmethod
    def from_list(cls, data: object) -> SeqWindow:
        """Rebuild from as_list(), skipping anything malformed."""
        window = cls()
        if isinstance(data, list):
            for item in data:
                if (
                    isinstance(item, list)
                    and len(item) == 2
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in item)
                    and 0 < item[0] <= item[1]
                    and (not window.ends or item[0] > window.ends[-1])
                ):
                    window.starts.append(item[0])
                    window.ends.append(item[1])
        return window

    def add(self, seq: int) -> None:
        """Remember ``seq``, merging it with its neighbours."""
        i = bisect_right(self.starts, seq) - 1
        if i >= 0 and seq <= self.ends[i]:
            return
        joins_left = i >= 0 and self.ends[i] == seq - 1
        joins_right = i + 1 < len(self.starts) and self.starts[i + 1] == seq + 1
        if joins_left and joins_right:
            self.ends[i] = self.ends[i + 1]
            del self.starts[i + 1], self.ends[i + 1]
        elif joins_left:
            self.ends[i] = seq
        elif joins_right:
            self.starts[i + 1] = seq
        else:
            self.starts.insert(i + 1, seq)
            self.ends.insert(i + 1, seq)
            if len(self.starts) > KEEP_RANGES:
                # The oldest go: a resend that old is left to the frame-counter guard.
                del self.starts[0], self.ends[0]


class BridgeAcks:
    """Acknowledges one hub's sequenced events to every bridge that sends them."""

    def __init__(self, hass: HomeAssistant, network: str, entry_id: str) -> None:
        """Nothing is published before async_start()."""
        self._hass = hass
        self._network = network
        self._taken: dict[str, SeqWindow] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.bridge_ack.{entry_id}", private=True
        )
        self._save_soon = WindowedSave(self._store, self._storage_data, SAVE_DELAY)
        self._pending: dict[str, list[int]] = {}
        self._pending_count = 0
        self._cancel_flush: CALLBACK_TYPE | None = None
        self._unsubscribers: list[Callable[[], None]] = []
        self._remove_stop_listener: CALLBACK_TYPE | None = None
        self._closed = False

    @property
    def hello_topic(self) -> str:
        """Where we announce that we acknowledge."""
        return f"{PREFIX}/{self._network}/{ACK_LEVEL}/hello"

    def ack_topic(self, bridge_id: str) -> str:
        """Where a bridge listens for our acknowledgements."""
        return f"{PREFIX}/{self._network}/{ACK_LEVEL}/{bridge_id}"

    @callback
    def _storage_data(self) -> dict[str, Any]:
        return {"taken": {bridge: window.as_list() for bridge, window in self._taken.items()}}

    @property
    def closed(self) -> bool:
        """Home Assistant is stopping: take nothing more (see async_start)."""
        return self._closed

    async def async_load(self) -> None:
        """Load what was taken before; call before subscribing."""
        stored = await self._store.async_load()
        taken = stored.get("taken") if isinstance(stored, dict) else None
        if isinstance(taken, dict):
            self._taken = {
                bridge: SeqWindow.from_list(ranges)
                for bridge, ranges in taken.items()
                if isinstance(bridge, str) and _BRIDGE_ID.match(bridge)
            }

    async def async_start(self) -> None:
        """Announce ourselves now and after every reconnect to the broker."""

        @callback
        def connection_changed(connected: bool) -> None:
            if connected:
                self._publish(self.hello_topic, {"protocol": PROTOCOL}, retain=True, qos=1)
            else:
                # Sent after the reconnect, they would come before our subscriptions
                # (see _ACK_QOS). The bridge sends these events again; they are
                # recognised as taken and acknowledged then.
                self._drop_pending()

        @callback
        def stopping(_event: Event) -> None:
            # HA's MQTT client finishes its pending publishes before it goes: what we
            # took is acknowledged, and not sent again after the restart. From now on
            # nothing is taken: HA's MQTT client keeps delivering until the process
            # ends, after the final write of the hub's state, so an event taken then
            # would be acknowledged and lost. The bridge sends it again after the restart.
            self._remove_stop_listener = None
            self.flush()
            self._closed = True

        self._unsubscribers.append(mqtt.async_subscribe_connection_status(self._hass, connection_changed))
        self._remove_stop_listener = self._hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stopping)
        await self._async_publish(
            self.hello_topic,
            json.dumps({"protocol": PROTOCOL}, separators=(",", ":")),
            retain=True,
            qos=1,
        )

    @callback
    def async_stop(self) -> None:
        """Send what is waiting, and stop; the bridge resends anything not acknowledged."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        if self._remove_stop_listener is not None:
            self._remove_stop_listener()
            self._remove_stop_listener = None
        self.flush()
        self._hass.async_create_task(self._store.async_save(self._storage_data()), eager_start=True)

    @callback
    def repeat(self, token: Token) -> bool:
        """Whether this event was taken already in this run; it is acknowledged again."""
        bridge_id, seq = token
        window = self._taken.get(bridge_id)
        if window is None or seq not in window:
            return False
        self._queue(bridge_id, seq)
        return True

    @callback
    def taken(self, token: Token) -> None:
        """The hub has taken this event: remember it and acknowledge it soon."""
        bridge_id, seq = token
        self._taken.setdefault(bridge_id, SeqWindow()).add(seq)
        self._save_soon.schedule()
        self._queue(bridge_id, seq)

    @callback
    def _queue(self, bridge_id: str, seq: int) -> None:
        self._pending.setdefault(bridge_id, []).append(seq)
        self._pending_count += 1
        if self._pending_count >= FLUSH_AT:
            self.flush()
        elif self._cancel_flush is None:
            self._cancel_flush = async_call_later(self._hass, FLUSH_AFTER_S, self._flush_later)

    @callback
    def _flush_later(self, _now: object) -> None:
        self._cancel_flush = None
        self.flush()

    @callback
    def flush(self) -> None:
        """Publish one acknowledgement per bridge for everything waiting."""
        pending = self._drop_pending()
        for bridge_id, seqs in pending.items():
            self._publish(self.ack_topic(bridge_id), to_ranges(seqs), retain=False, qos=_ACK_QOS)

    @callback
    def _drop_pending(self) -> dict[str, list[int]]:
        """Forget the acknowledgements waiting to be sent; return them."""
        if self._cancel_flush is not None:
            self._cancel_flush()
            self._cancel_flush = None
        pending, self._pending, self._pending_count = self._pending, {}, 0
        return pending

    @callback
    def _publish(self, topic: str, payload: object, *, retain: bool, qos: int) -> None:
        self._hass.async_create_task(
            self._async_publish(
                topic, json.dumps(payload, separators=(",", ":")), retain=retain, qos=qos
            ),
            eager_start=True,
        )

    async def _async_publish(self, topic: str, payload: str, *, retain: bool, qos: int) -> None:
        try:
            await mqtt.async_publish(self._hass, topic, payload, qos=qos, retain=retain)
        except HomeAssistantError as err:
            # The bridge sends the events again, and they are acknowledged then.
            LOGGER.debug("Could not publish on %s: %s", topic, err)
