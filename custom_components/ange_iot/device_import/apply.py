"""Apply an import plan to a hub: every device subentry at once, then one device sync.

Each added or changed subentry makes Home Assistant call the hub's update listener at
once; the hub's sync is paused meanwhile and runs once at the end, so 2,000 rows cost
one device sync, not 2,000 of them.
"""

from __future__ import annotations

from types import MappingProxyType

from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant, callback

from ..const import CONF_DEV_EUI, DOMAIN, SUBENTRY_DEVICE
from ..lorawan.codecs import MODELS
from .csv_format import parse
from .plan import ExistingDevice, ImportPlan, compute_plan
from .validation import validate


@callback
def existing_devices(entry: ConfigEntry) -> dict[str, ExistingDevice]:
    """The hub's device subentries, keyed by DevEUI."""
    return {
        str(sub.data[CONF_DEV_EUI]).lower(): ExistingDevice(sub.subentry_id, sub.title, sub.data)
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_DEVICE and CONF_DEV_EUI in sub.data
    }


@callback
def devices_elsewhere(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, str]:
    """DevEUIs other hubs have, with the title of the hub that has each."""
    return {
        str(sub.data[CONF_DEV_EUI]).lower(): other.title
        for other in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if other.entry_id != entry.entry_id
        for sub in other.subentries.values()
        if sub.subentry_type == SUBENTRY_DEVICE and CONF_DEV_EUI in sub.data
    }


@callback
def build_plan(hass: HomeAssistant, entry: ConfigEntry, data: bytes | str) -> ImportPlan:
    """Read and check a device file against the hub; raises ImportProblem."""
    table = parse(data)
    devices = validate(table, MODELS, devices_elsewhere(hass, entry))
    plan = compute_plan(devices, existing_devices(entry), table.columns)
    plan.ignored_columns = list(table.ignored)
    return plan


@callback
def apply_plan(hass: HomeAssistant, entry: ConfigEntry, plan: ImportPlan) -> None:
    """Create and update the plan's subentries; the hub registers their devices."""
    manager = hass.config_entries
    hub = entry.runtime_data if entry.state is ConfigEntryState.LOADED else None
    if hub is not None:
        # Each change below calls the hub's update listener; one sync at the end does it all.
        hub.sync_paused = True
    try:
        for change in plan.create:
            manager.async_add_subentry(
                entry,
                ConfigSubentry(
                    data=MappingProxyType(dict(change.data)),
                    subentry_type=SUBENTRY_DEVICE,
                    title=change.name,
                    unique_id=change.dev_eui,
                ),
            )
            # An imported device leaves no "Discovered" card behind, as one added by hand.
            for flow in manager.flow.async_progress_by_handler(
                DOMAIN, match_context={"unique_id": change.dev_eui}
            ):
                manager.flow.async_abort(flow["flow_id"])
        for change in plan.update:
            if change.subentry_id is None or (sub := entry.subentries.get(change.subentry_id)) is None:
                continue
            manager.async_update_subentry(entry, sub, data=dict(change.data), title=change.name)
    finally:
        if hub is not None:
            hub.sync_paused = False
    if hub is not None and (plan.create or plan.update):
        hub.sync_devices()
