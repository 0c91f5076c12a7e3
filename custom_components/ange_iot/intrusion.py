"""Intrusion: presence in a building outside its opening hours.

Opening hours are a schedule helper that is on while the building is open, so staff
change them in the UI without touching the device.
"""

from __future__ import annotations

from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant

from .derived.feature import Value


def presence_in(values: dict[str, Value]) -> bool | None:
    """Whether the latest uplink saw someone: occupancy, motion or an opened door."""
    seen: list[bool] = []
    for key in ("occupancy", "door_open", "window_open"):
        if isinstance(value := values.get(key), bool):
            seen.append(value)
    motion = values.get("motion")
    if isinstance(motion, int) and not isinstance(motion, bool):
        seen.append(motion > 0)
    return any(seen) if seen else None


def schedule_open(hass: HomeAssistant, schedule_entity: str | None) -> bool | None:
    """Whether the opening-hours schedule is on; None when it is missing."""
    if not schedule_entity or (state := hass.states.get(schedule_entity)) is None:
        return None
    return state.state == STATE_ON
