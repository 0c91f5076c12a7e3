"""The hub: one network-server application, its devices, and their place in Home Assistant.

The path from envelope to device values is ingest.py (no Home Assistant in it); this
module gives it a home: storage, the device registry, entities' signals, repairs, care.
Discovery of unknown devices is discovery.py, the offline check availability.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, signal_discovered_config_entry_removed
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .availability import check_offline, device_heard, silent_issue_id
from .care_runtime.manager import CareManager
from .const import (
    CONF_APPLICATION_ID,
    CONF_NETWORK,
    CONF_OFFLINE_TIMEOUT,
    CONF_TRANSPORT,
    DEFAULT_OFFLINE_TIMEOUT_MIN,
    DOMAIN,
    LOGGER,
    OFFLINE_CHECK_INTERVAL,
    SUBENTRY_DEVICE,
    TRANSPORT_WEBHOOK,
    signal_hub_update,
    signal_new_keys,
)
from .derived import Value
from .device import Device, DeviceConfig, DownlinkPush
from .discovery import Discovery
from .gateways import GatewayMonitor
from .ha_compat import via_hub
from .ingest import BASE_KEYS, RADIO_KEYS, Ingest, IngestResult, static_keys
from .late_statistics import LateStatistics
from .lorawan.uplink import Uplink
from .meter_backwards import follow_meter_backwards, meter_backwards_issue_id
from .rejections import Rejection, RejectionCounter
from .windowed_save import WindowedSave

__all__ = ["BASE_KEYS", "RADIO_KEYS", "DeviceListener", "Hub", "IngestResult", "static_keys"]

type DeviceListener = Callable[[frozenset[str] | None], None]

STORAGE_VERSION = 1
SAVE_DELAY = 30


class Hub:
    """Runtime object of one hub config entry; the sink of its ingest pipeline."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Set up from the config entry; nothing is started yet."""
        self.hass = hass
        self.entry = entry
        self.network: str = entry.data[CONF_NETWORK]
        self.transport: str = entry.data.get(CONF_TRANSPORT, TRANSPORT_WEBHOOK)
        self.application_id: str | None = entry.data.get(CONF_APPLICATION_ID) or None
        self.devices: dict[str, Device] = {}
        self.ingest = Ingest(self.network, self.devices, self, dt_util.as_local, dt_util.utcnow)
        self.late_statistics = LateStatistics(hass)
        self.discovery = Discovery(hass, entry, self.ingest)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}", private=True
        )
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._hub_signal = signal_hub_update(entry.entry_id)
        self._new_keys_signal = signal_new_keys(entry.entry_id)
        # The entities of each device: (their key, or None for every update; handler).
        # Called directly rather than through a dispatcher signal: per uplink, only the
        # entities whose key changed are called, with no dispatch machinery between.
        # A tuple per device, replaced on (un)subscribe: notify runs for every uplink
        # and iterates it without a copy, even when a listener unsubscribes meanwhile.
        self._device_listeners: dict[str, tuple[tuple[str | None, DeviceListener], ...]] = {}
        self._stored: dict[str, Any] = {}
        self._sync_listeners: list[Callable[[], None]] = []
        self._save_soon = WindowedSave(self._store, self._storage_data, SAVE_DELAY)
        self.care = CareManager(hass, self)
        self.gateways = GatewayMonitor(hass, self)
        # The entry's data and options when set up; a change in them needs a reload.
        self.settings_snapshot: tuple[Any, ...] | None = None
        # A bulk import pauses the per-change sync and syncs once at its end.
        self.sync_paused = False

    @property
    def rejections(self) -> RejectionCounter:
        """Rejected messages by reason, and the ignored duplicates."""
        return self.ingest.rejections

    @property
    def uplinks_received(self) -> int:
        """Data uplinks accepted since the hub was created."""
        return self.ingest.uplinks_received

    # ----------------------------------------------------------------- lifecycle

    @property
    def offline_floor(self) -> timedelta:
        """The shortest silence that counts as offline (hub option)."""
        minutes = self.entry.options.get(CONF_OFFLINE_TIMEOUT, DEFAULT_OFFLINE_TIMEOUT_MIN)
        return timedelta(minutes=float(minutes))

    async def async_start(self) -> None:
        """Load stored state, build the devices and start the offline check."""
        stored = await self._store.async_load() or {}
        self._stored = stored.get("devices", {}) if isinstance(stored, dict) else {}
        if isinstance(stored, dict):
            self.ingest.rejections = RejectionCounter.from_dict(stored.get("rejections"))
            received = stored.get("uplinks_received")
            self.ingest.uplinks_received = received if isinstance(received, int) else 0
        dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry.entry_id,
            identifiers={(DOMAIN, self.entry.entry_id)},
            name=self.entry.title,
            manufacturer="Ånge IoT",
            model=f"LoRaWAN hub ({self.network}, {self.transport})",
            entry_type=dr.DeviceEntryType.SERVICE,
        )
        self.sync_devices()
        await self.care.async_start()
        self._unsubscribers.append(
            async_dispatcher_connect(
                self.hass,
                signal_discovered_config_entry_removed(DOMAIN),
                self.discovery.entry_removed,
            )
        )
        self._unsubscribers.append(
            async_track_time_interval(
                self.hass, self._check_offline, OFFLINE_CHECK_INTERVAL, name="ange_iot offline"
            )
        )

    async def async_stop(self) -> None:
        """Stop timers and write the state to disk."""
        while self._unsubscribers:
            self._unsubscribers.pop()()
        await self.care.async_stop()
        await self.late_statistics.async_flush()
        await self._store.async_save(self._storage_data())

    @callback
    def _storage_data(self) -> dict[str, Any]:
        devices = dict(self._stored)
        devices.update({eui: dev.persistent_state() for eui, dev in self.devices.items()})
        return {
            "devices": devices,
            "rejections": self.rejections.as_dict(),
            "uplinks_received": self.uplinks_received,
        }

    # ------------------------------------------------------------------ devices

    @callback
    def device_configs(self) -> dict[str, DeviceConfig]:
        """Device settings from the entry's subentries, keyed by DevEUI."""
        return {
            config.dev_eui: config
            for config in (
                DeviceConfig.from_subentry(sub)
                for sub in self.entry.subentries.values()
                if sub.subentry_type == SUBENTRY_DEVICE
            )
        }

    @callback
    def sync_devices(self) -> None:
        """Bring the live devices in line with the subentries: add, update, remove."""
        configs = self.device_configs()
        for dev_eui in set(self.devices) - set(configs):
            removed = self.devices.pop(dev_eui)
            self.care.device_changed(removed, "removed")
            self._stored.pop(dev_eui, None)
            self.ingest.forget(dev_eui)
            ir.async_delete_issue(self.hass, DOMAIN, silent_issue_id(removed))
            ir.async_delete_issue(self.hass, DOMAIN, meter_backwards_issue_id(dev_eui))
            LOGGER.debug("Device %s removed from hub", removed.dev_eui)
        added: list[Device] = []
        for dev_eui, config in configs.items():
            device = self.devices.get(dev_eui)
            if device is None:
                device = Device(config=config)
                device.configure(config)
                if stored := self._stored.get(dev_eui):
                    device.restore(stored)
                device.available = not device.activity.is_silent(
                    dt_util.utcnow(), self.offline_floor
                )
                self.devices[dev_eui] = device
                added.append(device)
            elif device.config != config:
                device.configure(config)
                self.care.device_changed(device, "settings")
                # A new role may bring an entity of its own (intrusion).
                async_dispatcher_send(self.hass, self._new_keys_signal, device, set(static_keys(device)))
            else:
                continue
            self._register_device(device)
        registered = self.registered_keys() if added else {}
        for device in added:
            self.care.device_changed(device, "added")
            self.discovery.added(device.dev_eui)
            keys = set(static_keys(device)) | registered.get(device.dev_eui, set())
            async_dispatcher_send(self.hass, self._new_keys_signal, device, keys)
            # Uplinks that arrived before the installer added the device are not lost.
            self.ingest.release(device.dev_eui)
        self.care.sync()
        for listener in self._sync_listeners:
            listener()

    @callback
    def add_sync_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after every device sync; returns the remover."""
        self._sync_listeners.append(listener)
        return lambda: self._sync_listeners.remove(listener)

    @callback
    def _register_device(self, device: Device) -> None:
        config = device.config
        info = config.model_info
        registry = dr.async_get(self.hass)
        device_info = DeviceInfo(
            identifiers={(DOMAIN, config.dev_eui)},
            manufacturer=info.manufacturer if info else None,
            model=info.name if info else None,
            model_id=config.model,
            name=config.name,
            serial_number=config.dev_eui,
        )
        device_info.update(via_hub(self.hass, self.entry.entry_id))
        entry = registry.async_get_or_create(
            config_entry_id=self.entry.entry_id,
            config_subentry_id=config.subentry_id,
            **device_info,
        )
        if config.area_id and entry.area_id is None:
            registry.async_update_device(entry.id, area_id=config.area_id)

    @callback
    def registered_keys(self) -> dict[str, set[str]]:
        """Reading keys that already have an entity in the registry, by DevEUI.

        One pass over the registry, so setting up thousands of devices stays linear.
        """
        keys: dict[str, set[str]] = {}
        registry = er.async_get(self.hass)
        for ent in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            dev_eui, _, key = ent.unique_id.partition("_")
            if key and dev_eui in self.devices:
                keys.setdefault(dev_eui, set()).add(key)
        return keys

    def device_by_registry_id(self, device_id: str) -> Device | None:
        """Find the device behind a device-registry id."""
        device_entry = dr.async_get(self.hass).async_get(device_id)
        if device_entry is None:
            return None
        for domain, identifier in device_entry.identifiers:
            if domain == DOMAIN and identifier in self.devices:
                return self.devices[identifier]
        return None

    # ----------------------------------------------------------------- ingestion

    @callback
    def reject(
        self,
        reason: Rejection,
        dev_eui: str | None,
        detail: str,
        result: IngestResult | None = None,
    ) -> None:
        """Count a rejection and log it: once at warning level, then at debug level."""
        self.ingest.reject(reason, dev_eui, detail, result)

    @callback
    def handle_envelope(
        self,
        body: Mapping[str, Any],
        event: str | None = None,
        downlink_push: DownlinkPush | None = None,
        *,
        late_ok: bool = False,
    ) -> IngestResult:
        """Parse one network-server message and apply every uplink in it.

        ``downlink_push`` is where the network server takes downlinks for the device of
        this message, when it says so (The Things Stack's webhook headers).
        ``late_ok``: the transport knows this message is new (the bridge's sequence
        number, bridge_ack.py), so a lower frame counter is a late frame, not a replay.
        """
        return self.ingest.handle_envelope(body, event, downlink_push, late_ok=late_ok)

    # The IngestSink side: what the pipeline's results mean in Home Assistant.

    @callback
    def rejected(self, reason: Rejection, dev_eui: str | None) -> None:
        """Show the new count on the hub's sensor and keep it."""
        async_dispatcher_send(self.hass, self._hub_signal)
        self._save_soon.schedule()

    @callback
    def unknown_device(self, uplink: Uplink) -> None:
        """Offer the device to the installer."""
        self.discovery.unknown_device(uplink)

    @callback
    def readings(self, device: Device, changed: set[str], at: datetime) -> None:
        """Follow up readings: a meter going backwards, care alarms."""
        if "volume" in changed:
            follow_meter_backwards(self.hass, self.entry.entry_id, device)
        if device.config.is_care:
            self.care.on_readings(device, frozenset(changed), at)

    @callback
    def new_keys(self, device: Device, keys: set[str]) -> None:
        """Create the entities of keys a device reported for the first time."""
        async_dispatcher_send(self.hass, self._new_keys_signal, device, set(keys))

    @callback
    def updated(self, device: Device, changed: frozenset[str]) -> None:
        """Let the device's entities write their new state."""
        device_heard(self, device)
        self.notify(device.dev_eui, changed)
        self._save_soon.schedule()

    @callback
    def add_device_listener(
        self, dev_eui: str, key: str | None, listener: DeviceListener
    ) -> Callable[[], None]:
        """Call ``listener(changed)`` when ``key`` (None: anything) of a device changes.

        ``changed`` is None when the device's availability changed. Returns the remover.
        """
        entry = (key, listener)
        self._device_listeners[dev_eui] = (*self._device_listeners.get(dev_eui, ()), entry)

        def remove() -> None:
            listeners = self._device_listeners.get(dev_eui, ())
            if entry not in listeners:
                return
            if remaining := tuple(other for other in listeners if other is not entry):
                self._device_listeners[dev_eui] = remaining
            else:
                del self._device_listeners[dev_eui]

        return remove

    @callback
    def notify(self, dev_eui: str, changed: frozenset[str] | None) -> None:
        """Tell a device's entities that ``changed`` keys (None: availability) changed."""
        listeners = self._device_listeners.get(dev_eui)
        if not listeners:
            return
        for key, listener in listeners:
            if changed is None or key is None or key in changed:
                listener(changed)

    @callback
    def history(
        self, device: Device, values: Mapping[str, Value], at: datetime, *, in_order: bool
    ) -> None:
        """Late readings go to the statistics of the hour they were measured in."""
        self.late_statistics.add(device, values, at, in_order=in_order)

    @callback
    def apply_derived(self, device: Device, derived: Mapping[str, Value]) -> None:
        """Publish derived values an action or a timer changed."""
        if not derived:
            return
        device.values.update(derived)
        self.notify(device.dev_eui, self.ingest.announce(device, set(derived)))
        self._save_soon.schedule()

    @callback
    def heard(self, device: Device, uplink: Uplink) -> None:
        """The radio side of an uplink: which gateways carried it (coverage, HPR1)."""
        self.gateways.observe(device.dev_eui, uplink)

    def known_elsewhere(self, dev_eui: str) -> bool:
        """Whether another hub has the device, or the installer ignored it."""
        return self.discovery.known_elsewhere(dev_eui)

    # ------------------------------------------------------------- availability

    @callback
    def _check_offline(self, now: datetime) -> None:
        check_offline(self, now)

    # ------------------------------------------------------------------ helpers

    def devices_in(self, dev_euis: Iterable[str]) -> list[Device]:
        """Known devices among the given DevEUIs."""
        return [self.devices[eui] for eui in dev_euis if eui in self.devices]

    def add_unsubscriber(self, unsubscribe: Callable[[], None]) -> None:
        """Call ``unsubscribe`` when the hub stops."""
        self._unsubscribers.append(unsubscribe)
