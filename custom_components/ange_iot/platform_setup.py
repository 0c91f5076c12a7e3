"""Create entities dynamically, as a device first reports a reading key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import signal_new_keys
from .device import Device
from .hub import Hub, static_keys

type EntityFactory[D: EntityDescription] = Callable[[Hub, Device, D], Entity]


@callback
def async_setup_device_entities[D: EntityDescription](
    hass: HomeAssistant,
    hub: Hub,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Mapping[str, D],
    factory: EntityFactory[D],
) -> None:
    """Add entities for known keys now, and for new keys whenever they first appear."""
    created: dict[str, set[str]] = {}

    @callback
    def add(device: Device, keys: Iterable[str]) -> None:
        if device.dev_eui not in hub.devices:
            return
        entities = []
        done = created.setdefault(device.dev_eui, set())
        for key in keys:
            description = descriptions.get(key)
            if description is None or key in done:
                continue
            done.add(key)
            entities.append(factory(hub, device, description))
        if entities:
            async_add_entities(entities, config_subentry_id=device.config.subentry_id)

    registered = hub.registered_keys()
    for device in hub.devices.values():
        add(device, static_keys(device) | set(device.values) | registered.get(device.dev_eui, set()))

    hub.entry.async_on_unload(
        async_dispatcher_connect(hass, signal_new_keys(hub.entry.entry_id), add)
    )

    @callback
    def forget_removed(*_: object) -> None:
        # Entities of a removed device go with its subentry; allow re-adding it later.
        for dev_eui in created.keys() - hub.devices.keys():
            del created[dev_eui]

    hub.add_unsubscriber(hub.add_sync_listener(forget_removed))
