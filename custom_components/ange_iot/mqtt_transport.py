"""The MQTT transport: network-server events through Home Assistant's MQTT integration."""

from __future__ import annotations

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.json import json_loads

from .bridge_ack import BridgeAcks, is_ack_topic, sequenced_filter, unwrap
from .const import (
    CONF_MQTT_TOPIC,
    MAX_BODY_BYTES,
    NETWORK_CHIRPSTACK,
    NETWORK_TTS,
)
from .hub import Hub
from .rejections import Rejection

BRIDGE_PREFIX = "ange_iot"
# Our own downlinks travel on the bridge topics too; they are not uplinks.
_NOT_UPLINKS = frozenset({"down", "command"})


def default_topic(network: str, application_id: str | None) -> str:
    """The topic filter a hub subscribes to unless the installer sets another."""
    if network == NETWORK_CHIRPSTACK:
        return f"application/{application_id or '+'}/device/+/event/+"
    if network == NETWORK_TTS:
        return f"v3/{application_id or '+'}/devices/+/up"
    return f"{BRIDGE_PREFIX}/{network}/+/+"


def event_from_topic(topic: str) -> str | None:
    """The event type a topic carries: its last level for ChirpStack, TTS and the bridge.

    TTS puts sub-events on deeper levels (``.../down/ack``); those are not uplinks and
    are reported as ``None`` so the envelope parser infers from the body.
    """
    levels = topic.split("/")
    if levels[0] == BRIDGE_PREFIX and len(levels) == 4:
        return levels[3]
    if levels[0] == "application" and len(levels) == 6 and levels[4] == "event":
        return levels[5]
    if levels[0] == "v3" and len(levels) >= 5 and levels[2] == "devices":
        return "/".join(levels[4:])
    return None


@callback
def _take(hub: Hub, topic: str, payload: str | bytes | bytearray, *, late_ok: bool = False) -> None:
    """Hand one message to the hub, or count why it cannot be taken."""
    event = event_from_topic(topic)
    if event in _NOT_UPLINKS or (event or "").startswith("down") or is_ack_topic(topic):
        return
    if len(payload) > MAX_BODY_BYTES:
        hub.reject(Rejection.OVERSIZE, None, f"{topic}: message over {MAX_BODY_BYTES} bytes")
        return
    try:
        body = json_loads(payload)
    except ValueError as err:
        hub.reject(Rejection.MALFORMED_JSON, None, f"{topic}: not JSON: {err}")
        return
    if not isinstance(body, dict):
        hub.reject(Rejection.MALFORMED_ENVELOPE, None, f"{topic}: not a JSON object")
        return
    hub.handle_envelope(body, event, late_ok=late_ok)


async def async_subscribe(hass: HomeAssistant, hub: Hub) -> None:
    """Subscribe the hub to its topic; the subscription ends when the hub stops."""
    topic = hub.entry.options.get(CONF_MQTT_TOPIC) or default_topic(
        hub.network, hub.application_id
    )

    @callback
    def message_received(message: mqtt.ReceiveMessage) -> None:
        _take(hub, message.topic, message.payload)

    hub.add_unsubscriber(
        await mqtt.async_subscribe(hass, topic, message_received, qos=1, encoding=None)
    )
    if (sequenced := sequenced_filter(topic)) is None:
        return
    # The lorawan_bridge add-on's sequenced events: acknowledged once taken (bridge_ack.py).
    acks = BridgeAcks(hass, hub.network, hub.entry.entry_id)
    await acks.async_load()

    @callback
    def sequenced_received(message: mqtt.ReceiveMessage) -> None:
        event_topic, token = unwrap(message.topic)
        if token is None:
            _take(hub, message.topic, message.payload)
        elif acks.closed:
            return  # HA is stopping: not taken, not acknowledged, sent again later
        elif not acks.repeat(token):
            try:
                _take(hub, event_topic, message.payload, late_ok=True)
            finally:
                # Taken even if it was refused: a resend would be refused again.
                acks.taken(token)

    hub.add_unsubscriber(
        await mqtt.async_subscribe(hass, sequenced, sequenced_received, qos=1, encoding=None)
    )
    hub.add_unsubscriber(acks.async_stop)
    await acks.async_start()
