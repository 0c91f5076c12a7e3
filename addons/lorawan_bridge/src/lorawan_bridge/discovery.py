"""MQTT discovery: the bridge's counters as diagnostic sensors in Home Assistant."""

from __future__ import annotations

import json
from typing import Any, Final

from . import __version__

_SENSORS: Final[dict[str, dict[str, Any]]] = {
    "received": {"name": "Events received", "state_class": "total_increasing"},
    "forwarded": {"name": "Events forwarded", "state_class": "total_increasing"},
    "queued": {"name": "Events queued", "state_class": "measurement"},
    "invalid": {"name": "Invalid messages", "state_class": "total_increasing"},
    "dropped": {"name": "Events dropped", "state_class": "total_increasing"},
    "duplicates": {"name": "Duplicates", "state_class": "total_increasing"},
    "oldest_queued_age_s": {
        "name": "Oldest queued event age",
        "state_class": "measurement",
        "device_class": "duration",
        "unit_of_measurement": "s",
    },
}


def state_topic(instance: str) -> str:
    """Where the counters are published as one JSON object."""
    return f"ange_iot_bridge/{instance}/state"


def availability_topic(instance: str) -> str:
    """``online`` while connected; the broker publishes ``offline`` as our will."""
    return f"ange_iot_bridge/{instance}/status"


def configs(instance: str) -> list[tuple[str, bytes]]:
    """(topic, retained payload) of each sensor's discovery config."""
    node = f"ange_iot_bridge_{instance}"
    device = {
        "identifiers": [node],
        "name": "Ånge IoT LoRaWAN bridge",
        "manufacturer": "Ånge kommun",
        "model": "lorawan_bridge add-on",
        "sw_version": __version__,
    }
    result = []
    for key, extra in _SENSORS.items():
        config = {
            "unique_id": f"{node}_{key}",
            "object_id": f"lorawan_bridge_{key}",
            "state_topic": state_topic(instance),
            "value_template": f"{{{{ value_json.{key} }}}}",
            "availability_topic": availability_topic(instance),
            "entity_category": "diagnostic",
            "device": device,
            "origin": {"name": "lorawan_bridge", "sw_version": __version__},
            **extra,
        }
        result.append((f"homeassistant/sensor/{node}/{key}/config", json.dumps(config).encode()))
    return result
