"""What the bridge needs to know about one network-server event, without changing it.

The bridge forwards bodies byte for byte; the integration parses them. Here we only find
the DevEUI (for the downstream topic and per-device order), the event type and the
dedup key, and reject what cannot be an event at all.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
import re
from typing import Any, Final

MAX_BODY_BYTES: Final = 1024 * 1024
"""The same limit the integration's webhook applies, so nothing we accept is refused there."""

NETWORKS: Final = frozenset({"chirpstack", "tts"})
HTTP_NETWORKS: Final = NETWORKS | {"generic"}
BRIDGE_PREFIX: Final = "ange_iot"

_DEV_EUI = re.compile(r"^[0-9a-fA-F]{16}$")
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# TTS message fields, in the order they are looked for when no topic names the event.
_TTS_MESSAGES: Final = (
    ("uplink_message", "up"),
    ("join_accept", "join"),
    ("downlink_ack", "downlink_ack"),
    ("downlink_nack", "downlink_nack"),
    ("downlink_sent", "downlink_sent"),
    ("downlink_failed", "downlink_failed"),
    ("downlink_queued", "downlink_queued"),
    ("downlink_queue_invalidated", "downlink_queue_invalidated"),
    ("location_solved", "location_solved"),
    ("service_data", "service_data"),
)


class InvalidEvent(ValueError):
    """A message that is not a network-server event the bridge can forward."""

    def __init__(self, reason: str, detail: str) -> None:
        """Keep a short machine reason (for counters) apart from the log detail."""
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Event:
    """One accepted event: where it goes downstream and how to recognise a repeat."""

    network: str
    dev_eui: str
    event: str
    dedup_key: str
    body: bytes

    @property
    def topic(self) -> str:
        """The downstream topic, ``ange_iot/<network>/<dev_eui>/<event>``."""
        return f"{BRIDGE_PREFIX}/{self.network}/{self.dev_eui}/{self.event}"


def _load(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise InvalidEvent("oversize", f"body of {len(body)} bytes is over {MAX_BODY_BYTES}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidEvent("not_json", f"not JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidEvent("wrong_shape", "not a JSON object")
    return data


def _dev_eui(value: object, where: str) -> str:
    if not isinstance(value, str) or not _DEV_EUI.match(value):
        raise InvalidEvent("wrong_shape", f"{where}: no 16-hex-digit DevEUI")
    return value.lower()


def _f_cnt(value: object) -> int | None:
    # bool is an int to Python, but never a frame counter.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _dedup_key(
    network: str, dev_eui: str, event: str, f_cnt: int | None, dedup_id: str | None, body: bytes
) -> str:
    if f_cnt is None and dedup_id is None:
        # Without a counter or id only a byte-identical redelivery can be recognised.
        return f"{network}|{dev_eui}|{event}|sha1:{hashlib.sha1(body).hexdigest()}"
    # The event type is part of the key: ChirpStack's status event repeats the
    # deduplicationId of the uplink it belongs to.
    return f"{network}|{dev_eui}|{event}|{'' if f_cnt is None else f_cnt}|{dedup_id or ''}"


def _event_name(value: str, where: str) -> str:
    name = value.strip().lower()
    if not _EVENT_NAME.match(name):
        raise InvalidEvent("wrong_shape", f"{where}: unusable event name {value!r}")
    return name


def _chirpstack(data: dict[str, Any], dev_eui: str | None, event: str | None, body: bytes) -> Event:
    info = data.get("deviceInfo")
    body_eui = info.get("devEui") if isinstance(info, dict) else None
    if dev_eui is None:
        dev_eui = _dev_eui(body_eui, "chirpstack deviceInfo.devEui")
    elif body_eui is not None and _dev_eui(body_eui, "chirpstack deviceInfo.devEui") != dev_eui:
        raise InvalidEvent("wrong_shape", "chirpstack: topic and deviceInfo.devEui disagree")
    if event is None:
        # ChirpStack's HTTP integration names the event in ?event=; an uplink is the
        # only one recognisable from its body alone.
        if "fCnt" in data and "deduplicationId" in data:
            event = "up"
        else:
            raise InvalidEvent("wrong_shape", "chirpstack: event type unknown (no ?event=)")
    dedup_id = data.get("deduplicationId")
    return Event(
        "chirpstack",
        dev_eui,
        event,
        _dedup_key(
            "chirpstack",
            dev_eui,
            event,
            _f_cnt(data.get("fCnt")),
            dedup_id if isinstance(dedup_id, str) and dedup_id else None,
            body,
        ),
        body,
    )


def _tts(data: dict[str, Any], event: str | None, body: bytes) -> Event:
    ids = data.get("end_device_ids")
    if not isinstance(ids, dict):
        raise InvalidEvent("wrong_shape", "tts: no end_device_ids")
    dev_eui = _dev_eui(ids.get("dev_eui"), "tts end_device_ids.dev_eui")
    if event is None:
        event = next((name for field, name in _TTS_MESSAGES if field in data), None)
        if event is None:
            raise InvalidEvent("wrong_shape", "tts: no known message field")
    f_cnt = None
    if event == "up":
        uplink = data.get("uplink_message")
        if not isinstance(uplink, dict):
            raise InvalidEvent("wrong_shape", "tts up: no uplink_message object")
        f_cnt = _f_cnt(uplink.get("f_cnt", 0))
    return Event("tts", dev_eui, event, _dedup_key("tts", dev_eui, event, f_cnt, None, body), body)


def _generic(data: dict[str, Any], event: str | None, body: bytes) -> Event:
    dev_eui = _dev_eui(data.get("devEui", data.get("dev_eui")), "generic devEui")
    event = event or "up"
    f_cnt = _f_cnt(data.get("fCnt", data.get("f_cnt")))
    return Event(
        "generic", dev_eui, event, _dedup_key("generic", dev_eui, event, f_cnt, None, body), body
    )


def tts_event_from_levels(levels: list[str]) -> str:
    """``up``, ``join`` or ``downlink_<status>`` from the levels after the device id.

    The downstream topic has exactly one event level (the integration reads the fourth
    level), so ``down/ack`` becomes ``downlink_ack``, TTS's own message name.
    """
    if len(levels) == 1:
        return levels[0]
    if len(levels) == 2 and levels[0] == "down":
        return f"downlink_{levels[1]}"
    return "_".join(levels)


def from_mqtt(network: str, topic: str, payload: bytes) -> Event:
    """An event received upstream on ``topic``; raises InvalidEvent."""
    data = _load(payload)
    levels = topic.split("/")
    if network == "chirpstack":
        # application/<app>/device/<dev_eui>/event/<event>
        if len(levels) != 6 or levels[0] != "application" or levels[4] != "event":
            raise InvalidEvent("wrong_shape", f"not a ChirpStack event topic: {topic}")
        return _chirpstack(
            data,
            _dev_eui(levels[3], "chirpstack topic"),
            _event_name(levels[5], "chirpstack topic"),
            payload,
        )
    # v3/<app>@<tenant>/devices/<device_id>/<event...>
    if len(levels) < 5 or levels[0] != "v3" or levels[2] != "devices":
        raise InvalidEvent("wrong_shape", f"not a TTS topic: {topic}")
    return _tts(data, _event_name(tts_event_from_levels(levels[4:]), "tts topic"), payload)


def from_http(network: str, event: str | None, payload: bytes) -> Event:
    """An event pushed over HTTP; ``event`` is the ``?event=`` parameter when given."""
    data = _load(payload)
    name = _event_name(event, "event parameter") if event else None
    if network == "chirpstack":
        return _chirpstack(data, None, name, payload)
    if network == "tts":
        return _tts(data, name, payload)
    return _generic(data, name, payload)
