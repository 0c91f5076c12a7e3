"""Gateway health for one hub: gateway devices, one repair per silent gateway, stored state.

Every gateway id in the uplinks' reception metadata becomes a device "Gateway <id>" of the
hub. A gateway that carried traffic and then forwards nothing for the hub option
``gateway_silent_minutes`` (default 30) raises ONE repair issue, listing the devices that
now have no other gateway, instead of each of those devices raising its own later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .gateway_sharing import release_gateways, shared_gateways
from .lorawan.coverage import CoverageTracker
from .lorawan.uplink import Uplink
from .windowed_save import WindowedSave

if TYPE_CHECKING:
    from .hub import Hub

CONF_GATEWAY_SILENT: Final = "gateway_silent_minutes"
DEFAULT_GATEWAY_SILENT_MIN: Final = 30
CHECK_INTERVAL: Final = timedelta(minutes=1)
SAVE_DELAY: Final = 60
# How many device names the repair lists before "and N more".
LISTED_DEVICES: Final = 25


def signal_gateway_added(entry_id: str) -> str:
    """Dispatcher signal: a gateway was seen for the first time (argument: its id)."""
    return f"{DOMAIN}_{entry_id}_gateway_added"


def signal_gateways_update(entry_id: str) -> str:
    """Dispatcher signal: gateway figures changed (minute tick, silence, return)."""
    return f"{DOMAIN}_{entry_id}_gateways_update"


def issue_id(gateway_id: str) -> str:
    """The repair issue of a silent gateway."""
    return f"gateway_silent_{gateway_id}"


class GatewayMonitor:
    """The gateways of one hub and their health."""

    def __init__(self, hass: HomeAssistant, hub: Hub) -> None:
        """Nothing runs until async_start."""
        self.hass = hass
        self.hub = hub
        self.tracker = CoverageTracker()
        entry_id = hub.entry.entry_id
        self._store: Store[dict[str, Any]] = Store(hass, 1, f"{DOMAIN}.{entry_id}.gateways", private=True)
        self._save = WindowedSave(self._store, self.tracker_data, SAVE_DELAY)
        self._unsub: CALLBACK_TYPE | None = None
        self._added = signal_gateway_added(entry_id)
        self._updated = signal_gateways_update(entry_id)

    @property
    def silent_after(self) -> timedelta:
        """Quiet time after which a gateway counts as silent (hub option)."""
        minutes = self.hub.entry.options.get(CONF_GATEWAY_SILENT, DEFAULT_GATEWAY_SILENT_MIN)
        return timedelta(minutes=float(minutes))

    async def async_start(self) -> None:
        """Load the stored gateways, register their devices and start the silence check."""
        self.tracker = CoverageTracker.from_dict(await self._store.async_load())
        now = dt_util.utcnow()
        for gateway_id, state in self.tracker.gateways.items():
            self._register(gateway_id)
            if state.silent:
                self._raise(gateway_id, now)  # repairs of silent gateways do not outlive a restart
        self._unsub = async_track_time_interval(
            self.hass, self._check, CHECK_INTERVAL, name="ange_iot gateways"
        )

    async def async_stop(self) -> None:
        """Stop the check and write the state."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        release_gateways(self.hass, self.hub.entry.entry_id)
        await self._store.async_save(self.tracker_data())

    @callback
    def tracker_data(self) -> dict[str, Any]:
        """What the Store keeps."""
        return self.tracker.as_dict()

    @callback
    def observe(self, dev_eui: str, uplink: Uplink) -> None:
        """Count the gateways of one accepted uplink."""
        if not uplink.gateways:
            return
        new, back = self.tracker.observe(dev_eui, uplink.gateways, uplink.received_at)
        for gateway_id in new:
            self._register(gateway_id)
            async_dispatcher_send(self.hass, self._added, gateway_id)
        for gateway_id in back:
            self._back(gateway_id)
        if back:
            async_dispatcher_send(self.hass, self._updated)
        self._save.schedule()

    @callback
    def forget(self, gateway_id: str) -> None:
        """A gateway taken down: removing its device forgets it (it returns if heard again)."""
        self.tracker.forget_gateway(gateway_id)
        ir.async_delete_issue(self.hass, DOMAIN, issue_id(gateway_id))
        self._save.schedule()

    @callback
    def explains_silence(self, dev_eui: str) -> bool:
        """Whether a device's silence is already reported as its silent gateway's."""
        return self.tracker.explains_silence(dev_eui)

    @callback
    def device_name(self, dev_eui: str) -> str:
        """A device's name as the hub knows it (its DevEUI when no longer configured)."""
        device = self.hub.devices.get(dev_eui)
        return device.config.name if device else dev_eui

    @callback
    def _register(self, gateway_id: str) -> None:
        dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.hub.entry.entry_id,
            identifiers={(DOMAIN, f"gateway_{gateway_id}")},
            name=f"Gateway {gateway_id}",
            manufacturer="LoRaWAN",
            model="Gateway",
            serial_number=gateway_id,
        )

    @callback
    def _back(self, gateway_id: str) -> None:
        LOGGER.info("Gateway %s forwards uplinks again", gateway_id)
        ir.async_delete_issue(self.hass, DOMAIN, issue_id(gateway_id))

    @callback
    def _share_last_heard(self) -> None:
        """Tell the other hubs when this one last heard each gateway, and learn the same."""
        last_heard = shared_gateways(self.hass).last_heard
        for gateway_id, state in self.tracker.gateways.items():
            newest = last_heard.get(gateway_id)
            if newest is None or state.last_uplink > newest:
                last_heard[gateway_id] = state.last_uplink
            elif self.tracker.heard_elsewhere(gateway_id, newest):
                self._back(gateway_id)

    @callback
    def _check(self, now: datetime) -> None:
        for dev_eui in set(self.tracker.heard) - set(self.hub.devices):
            self.tracker.forget_device(dev_eui)
        self.tracker.forget_old(now)
        self._share_last_heard()
        for gateway_id in self.tracker.newly_silent(now, self.silent_after):
            self._raise(gateway_id, now)
        async_dispatcher_send(self.hass, self._updated)

    @callback
    def _orphan_names(self, gateway_id: str, now: datetime) -> list[str]:
        """The devices only this gateway heard lately, of every hub that hears it.

        A gateway two hubs hear has one repair: it lists the devices of both.
        """
        monitors: list[GatewayMonitor] = [self]
        for entry in self.hass.config_entries.async_loaded_entries(DOMAIN):
            other = getattr(entry.runtime_data, "gateways", None)
            if isinstance(other, GatewayMonitor) and other is not self:
                monitors.append(other)
        return [
            monitor.device_name(dev_eui)
            for monitor in monitors
            if gateway_id in monitor.tracker.gateways
            for dev_eui in monitor.tracker.orphans(gateway_id, now)
        ]

    @callback
    def _raise(self, gateway_id: str, now: datetime) -> None:
        state = self.tracker.gateways[gateway_id]
        orphans = self._orphan_names(gateway_id, now)
        listed = ", ".join(orphans[:LISTED_DEVICES])
        if len(orphans) > LISTED_DEVICES:
            listed += f" (+{len(orphans) - LISTED_DEVICES})"
        LOGGER.warning(
            "Gateway %s has forwarded nothing since %s; %d devices have no other gateway",
            gateway_id,
            state.last_uplink.isoformat(timespec="minutes"),
            len(orphans),
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id(gateway_id),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR if orphans else ir.IssueSeverity.WARNING,
            translation_key="gateway_silent",
            translation_placeholders={
                "gateway": gateway_id,
                "last_uplink": dt_util.as_local(state.last_uplink).isoformat(timespec="minutes"),
                "minutes": str(round(self.silent_after.total_seconds() / 60)),
                "count": str(len(orphans)),
                "devices": listed or "-",
            },
            data={"entry_id": self.hub.entry.entry_id, "gateway_id": gateway_id},
        )
        self._save.schedule()
