"""Ånge IoT: LoRaWAN sensors from the municipality's network server in Home Assistant."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .care_runtime.camera import async_start_care_cameras
from .care_runtime.camera_services import async_setup_care_camera_services
from .care_runtime.camera_view import async_register_care_camera_http
from .care_runtime.devices import remove_care_device_in_ui
from .const import CONF_DEV_EUI, DOMAIN, TRANSPORT_MQTT
from .hub import Hub
from .ice import SUBENTRY_ICE_PLACE
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.NUMBER, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

type AngeIotConfigEntry = ConfigEntry[Hub]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once, whatever the number of hubs."""
    async_setup_services(hass)
    async_setup_care_camera_services(hass)
    await async_register_care_camera_http(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AngeIotConfigEntry) -> bool:
    """Start the hub, its transport and its platforms."""
    hub = Hub(hass, entry)
    if hub.transport == TRANSPORT_MQTT:
        # Imported here: MQTT is an optional after-dependency.
        from homeassistant.components import mqtt

        if not await mqtt.async_wait_for_mqtt_client(hass):
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key="mqtt_unavailable"
            )
    await hub.async_start()
    await hub.gateways.async_start()
    entry.runtime_data = hub
    await async_start_care_cameras(hass, entry, hub.care)
    if hub.transport == TRANSPORT_MQTT:
        from .mqtt_transport import async_subscribe

        await async_subscribe(hass, hub)
    else:
        from .webhook import async_register_webhook

        async_register_webhook(hass, hub)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    hub.settings_snapshot = _settings(entry)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: AngeIotConfigEntry) -> bool:
    """Stop the hub after its platforms."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.gateways.async_stop()
        await entry.runtime_data.async_stop()
    return unloaded


def _settings(entry: ConfigEntry) -> tuple[Any, ...]:
    # Ice places are entities of their own rather than hub devices: a change reloads.
    ice_places = sorted(
        (sub.subentry_id, tuple(sorted(sub.data.items())))
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_ICE_PLACE
    )
    return entry.data, entry.options, tuple(ice_places)


async def _async_entry_updated(hass: HomeAssistant, entry: AngeIotConfigEntry) -> None:
    """Reload on changed settings; a changed device list is applied live."""
    hub = entry.runtime_data
    if hub.sync_paused:
        return
    if _settings(entry) != hub.settings_snapshot:
        await hass.config_entries.async_reload(entry.entry_id)
        return
    hub.sync_devices()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: AngeIotConfigEntry, device_entry: DeviceEntry
) -> bool:
    """Removing a device in the UI removes its subentry; the hub itself stays."""
    care = remove_care_device_in_ui(hass, entry, entry.runtime_data.care, device_entry)
    if care is not None:
        return care
    for subentry in entry.subentries.values():
        if (DOMAIN, subentry.data.get(CONF_DEV_EUI)) in device_entry.identifiers:
            hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
            return True
    for domain, identifier in device_entry.identifiers:
        if domain == DOMAIN and identifier.startswith("gateway_"):
            entry.runtime_data.gateways.forget(identifier.removeprefix("gateway_"))
    return (DOMAIN, entry.entry_id) not in device_entry.identifiers
