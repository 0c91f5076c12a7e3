"""Apply an import plan to a hub: every device subentry at once, then one device sync.

Each added or changed subentry makes Home Assistant call the hub's update listener; the
hub syncs its devices once for the last change rather than once per device (see
``Hub.sync_devices``), so 2,000 rows take seconds, not minutes.
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
    return compute_plan(devices, existing_devices(entry), table.columns)


@callback
def apply_plan(hass: HomeAssistant, entry: ConfigEntry, plan: ImportPlan) -> None:
    """Create and update the plan's subentries; the hub registers their devices."""
    manager = hass.config_entries
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
    if entry.state is ConfigEntryState.LOADED and (plan.create or plan.update):
        # Entities now, not when the listener tasks get their turn.
        entry.runtime_data.sync_devices()
