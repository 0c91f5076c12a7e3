"""A water meter whose register went backwards: one repair, until staff say what happened.

The hub raises the repair when the water-meter feature reports a register below the last
one (a replaced meter, or a misread) and clears it once the register passes the old value;
the repair flow (repairs.py) lets staff confirm a replacement.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, LOGGER
from .derived import FeatureName
from .derived.water_meter import WaterMeter
from .device import Device


def meter_backwards_issue_id(dev_eui: str) -> str:
    """The repair of one meter that went backwards."""
    return f"meter_backwards_{dev_eui}"


@callback
def follow_meter_backwards(hass: HomeAssistant, entry_id: str, device: Device) -> None:
    """Raise the repair while the device's register is below its old reading, else clear it."""
    meter = device.features.get(FeatureName.WATER_METER)
    if not isinstance(meter, WaterMeter):
        return
    issue_id = meter_backwards_issue_id(device.dev_eui)
    if meter.backwards is None:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    if ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None:
        LOGGER.warning(
            "Water meter %s went backwards from %.3f to %.3f m³; nothing is counted until "
            "it is confirmed as a replacement or passes the old reading",
            device.dev_eui,
            meter.backwards.previous,
            meter.backwards.current,
        )
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="meter_backwards",
        translation_placeholders={
            "name": device.config.name,
            "dev_eui": device.dev_eui,
            "previous": f"{meter.backwards.previous:.3f}",
            "current": f"{meter.backwards.current:.3f}",
        },
        data={"entry_id": entry_id, "dev_eui": device.dev_eui},
    )
