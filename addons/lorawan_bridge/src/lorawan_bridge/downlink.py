"""Downlinks from Home Assistant, turned into the network server's downlink message.

HA publishes ``{"devEui", "fPort", "data" (base64), "confirmed", "applicationId",
"deviceId"}`` on ``ange_iot/<network>/<dev_eui>/down`` (DESIGN.md).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import json
import re
from typing import Any

from .events import BRIDGE_PREFIX, InvalidEvent

_DEV_EUI = re.compile(r"^[0-9a-f]{16}$")
_ID = re.compile(r"^[A-Za-z0-9@._-]{1,128}$")


@dataclass(frozen=True, slots=True)
class Downlink:
    """An MQTT message for the network server."""

    topic: str
    payload: bytes


def down_topic(network: str) -> str:
    """The filter the bridge subscribes to downstream for HA's downlinks."""
    return f"{BRIDGE_PREFIX}/{network}/+/down"


def translate(network: str, topic: str, payload: bytes, tts_application: str) -> Downlink:
    """The network-server message for one downlink request; raises InvalidEvent.

    ``tts_application`` (``app@tenant``) is used when the request has no applicationId.
    """
    levels = topic.split("/")
    if len(levels) != 4 or levels[3] != "down" or not _DEV_EUI.match(levels[2].lower()):
        raise InvalidEvent("wrong_shape", f"not a downlink topic: {topic}")
    dev_eui = levels[2].lower()
    try:
        body: Any = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidEvent("not_json", f"downlink for {dev_eui}: not JSON") from None
    if not isinstance(body, dict):
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: not a JSON object")
    body_eui = body.get("devEui")
    if body_eui is not None and (not isinstance(body_eui, str) or body_eui.lower() != dev_eui):
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: devEui disagrees with topic")
    f_port = body.get("fPort")
    if isinstance(f_port, bool) or not isinstance(f_port, int) or not 1 <= f_port <= 223:
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: fPort must be 1-223")
    data = body.get("data")
    try:
        if not isinstance(data, str):
            raise ValueError
        base64.b64decode(data, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: data is not base64") from None
    confirmed = body.get("confirmed", False)
    if not isinstance(confirmed, bool):
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: confirmed must be true/false")
    application = body.get("applicationId")
    if network == "chirpstack":
        if not isinstance(application, str) or not _ID.match(application):
            raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: no applicationId")
        message = {"devEui": dev_eui, "confirmed": confirmed, "fPort": f_port, "data": data}
        return Downlink(
            f"application/{application}/device/{dev_eui}/command/down",
            json.dumps(message, separators=(",", ":")).encode(),
        )
    device = body.get("deviceId")
    if not isinstance(device, str) or not _ID.match(device):
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: no deviceId")
    if isinstance(application, str) and "@" in application and _ID.match(application):
        app = application
    elif isinstance(application, str) and _ID.match(application) and "@" in tts_application:
        # The request names the application; the tenant comes from the bridge's login.
        app = f"{application}@{tts_application.split('@', 1)[1]}"
    elif tts_application:
        app = tts_application
    else:
        raise InvalidEvent("wrong_shape", f"downlink for {dev_eui}: no TTS application id")
    push = {
        "downlinks": [
            {"f_port": f_port, "frm_payload": data, "confirmed": confirmed, "priority": "NORMAL"}
        ]
    }
    return Downlink(
        f"v3/{app}/devices/{device}/down/push", json.dumps(push, separators=(",", ":")).encode()
    )
