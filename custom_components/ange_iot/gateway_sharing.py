"""Gateways that more than one hub hears: one set of entities, silence judged on all traffic.

A gateway is a radio on a mast, not a part of one hub. Two hubs can hear the same one: two
applications of one network server set up as two hubs, a move from the webhook to the MQTT
transport, or a packet broker that routes one gateway to two network servers. The gateway's
entities (unique ids ``gateway_<id>_*``) exist once: the hub whose entities the entity
registry already holds shows them, else the first hub that hears the gateway. Every hub
still follows coverage for its own devices, and no hub calls a gateway silent while another
hub still takes uplinks through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

_SHARED: Final[HassKey[SharedGateways]] = HassKey(f"{DOMAIN}_shared_gateways")


@dataclass(slots=True)
class SharedGateways:
    """What the hubs of one Home Assistant know together about their gateways."""

    # Gateway id -> the config entry whose hub shows the gateway's entities.
    owners: dict[str, str] = field(default_factory=dict)
    # Gateway id -> the newest uplink any hub took through it (published each minute).
    last_heard: dict[str, datetime] = field(default_factory=dict)


@callback
def shared_gateways(hass: HomeAssistant) -> SharedGateways:
    """The one SharedGateways of this Home Assistant."""
    if (shared := hass.data.get(_SHARED)) is None:
        shared = hass.data[_SHARED] = SharedGateways()
    return shared


@callback
def shows_gateway_entities(hass: HomeAssistant, gateway_id: str, entry_id: str) -> bool:
    """Whether the hub of ``entry_id`` creates the gateway's entities (the first one claims)."""
    owners = shared_gateways(hass).owners
    owner = owners.get(gateway_id)
    if owner is None:
        owner = owners[gateway_id] = _registered_owner(hass, gateway_id) or entry_id
    return owner == entry_id


@callback
def release_gateways(hass: HomeAssistant, entry_id: str) -> None:
    """A hub stopped: the gateways it showed are claimed anew by whoever sets them up next.

    Its entities stay in the entity registry, so the same hub claims them again on reload.
    """
    owners = shared_gateways(hass).owners
    for gateway_id in [gateway for gateway, owner in owners.items() if owner == entry_id]:
        del owners[gateway_id]


def _registered_owner(hass: HomeAssistant, gateway_id: str) -> str | None:
    """The loaded-or-not config entry the registry has the gateway's entities under."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        "binary_sensor", DOMAIN, f"gateway_{gateway_id}_connectivity"
    )
    registered = registry.async_get(entity_id) if entity_id else None
    if registered is None or registered.config_entry_id is None:
        return None
    if hass.config_entries.async_get_entry(registered.config_entry_id) is None:
        return None
    return registered.config_entry_id
