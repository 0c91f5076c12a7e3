"""Discovery of unknown devices: an uplink from a DevEUI no hub has starts a config flow."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow

from .const import DOMAIN
from .ingest import Ingest
from .lorawan.codecs import MODELS, guess_model
from .lorawan.uplink import Uplink


class Discovery:
    """Offers unknown devices to the installer, once each, and keeps their uplinks."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, ingest: Ingest) -> None:
        """Discover for the hub of ``entry``; ``ingest`` holds the uplinks meanwhile."""
        self.hass = hass
        self.entry = entry
        self.ingest = ingest
        self._started: set[str] = set()

    @callback
    def unknown_device(self, uplink: Uplink) -> None:
        """Hold the uplink and start a discovery flow, unless the device is known elsewhere."""
        dev_eui = uplink.dev_eui
        if self.known_elsewhere(dev_eui):
            return
        self.ingest.hold(uplink)
        if dev_eui in self._started:
            return
        self._started.add(dev_eui)
        model = (
            uplink.model_hint
            if uplink.model_hint in MODELS
            else guess_model(profile_name=uplink.profile_name)
        )
        discovery_flow.async_create_flow(
            self.hass,
            DOMAIN,
            # The key lets HA tell us when an ignored discovery is un-ignored.
            discovery_key=discovery_flow.DiscoveryKey(domain=DOMAIN, key=dev_eui, version=1),
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={
                "hub_entry_id": self.entry.entry_id,
                "dev_eui": dev_eui,
                "model": model,
                "device_name": uplink.device_name,
                "profile_name": uplink.profile_name,
            },
        )

    @callback
    def added(self, dev_eui: str) -> None:
        """The installer added the device: a later removal may discover it again."""
        self._started.discard(dev_eui)

    @callback
    def entry_removed(self, entry: ConfigEntry) -> None:
        """An ignored device was un-ignored: discover it again on its next uplink."""
        if entry.unique_id:
            self._started.discard(entry.unique_id)

    @callback
    def known_elsewhere(self, dev_eui: str) -> bool:
        """Whether another hub has the device, or the installer ignored it."""
        for entry in self.hass.config_entries.async_entries(DOMAIN, include_ignore=True):
            if entry.unique_id == dev_eui:
                return True
            if entry.entry_id != self.entry.entry_id and any(
                sub.unique_id == dev_eui for sub in entry.subentries.values()
            ):
                return True
        return False
