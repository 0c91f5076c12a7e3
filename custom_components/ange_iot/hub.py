"""The hub: one network-server application, its devices, and the path from envelope to state."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntry,
    signal_discovered_config_entry_removed,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    discovery_flow,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .care_manager import CareManager
from .const import (
    CONF_APPLICATION_ID,
    CONF_NETWORK,
    CONF_OFFLINE_TIMEOUT,
    CONF_TRANSPORT,
    DEFAULT_OFFLINE_TIMEOUT_MIN,
    DOMAIN,
    LOGGER,
    MODEL_NETWORK_DECODED,
    OFFLINE_CHECK_INTERVAL,
    SILENT_REPAIR_AFTER,
    SUBENTRY_DEVICE,
    TRANSPORT_WEBHOOK,
    signal_device_update,
    signal_hub_update,
    signal_new_keys,
)
from .derived import ROLE, Role, Value
from .derived.water_meter import WaterMeter
from .device import Device, DeviceConfig, DownlinkPush
from .gateways import GatewayMonitor
from .lorawan.codecs import MODELS, CodecError, decode, guess_model, readings_from_decoded
from .lorawan.errors import EnvelopeError
from .lorawan.frame_guard import Verdict
from .lorawan.networks import parse
from .lorawan.quantities import INVALID_SUFFIX, Readings
from .lorawan.uplink import Uplink, UplinkKind
from .rejections import Rejection, RejectionCounter
from .windowed_save import WindowedSave

STORAGE_VERSION = 1
SAVE_DELAY = 30
# Unknown devices whose latest uplinks are kept until the installer adds or ignores them.
MAX_PENDING_DEVICES = 500
PENDING_UPLINKS_PER_DEVICE = 4
# Keys every device gets an entity for, before any reading has arrived.
BASE_KEYS = frozenset({"last_seen", "rssi", "snr", "f_cnt"})


def static_keys(device: Device) -> frozenset[str]:
    """Keys a device has an entity for from the start: radio data, and its role's own."""
    if device.config.settings.get(ROLE) == Role.INTRUSION:
        return BASE_KEYS | {"intrusion"}
    return BASE_KEYS
RADIO_KEYS = frozenset({"last_seen", "rssi", "snr", "f_cnt", "gateway_count"})


@dataclass(slots=True)
class IngestResult:
    """What became of one incoming message: for the transport's answer and for tests."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[str | None, Rejection]] = field(default_factory=list)


class Hub:
    """Runtime object of one hub config entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Set up from the config entry; nothing is started yet."""
        self.hass = hass
        self.entry = entry
        self.network: str = entry.data[CONF_NETWORK]
        self.transport: str = entry.data.get(CONF_TRANSPORT, TRANSPORT_WEBHOOK)
        self.application_id: str | None = entry.data.get(CONF_APPLICATION_ID) or None
        self.devices: dict[str, Device] = {}
        self.rejections = RejectionCounter()
        self.uplinks_received = 0
        self._pending: OrderedDict[str, list[Uplink]] = OrderedDict()
        self._discovery_started: set[str] = set()
        # Keys each device has reported since start-up; a first one gets an entity.
        self._announced: dict[str, set[str]] = {}
        self._warned: dict[str | None, set[Rejection]] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}", private=True
        )
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._hub_signal = signal_hub_update(entry.entry_id)
        self._new_keys_signal = signal_new_keys(entry.entry_id)
        self._stored: dict[str, Any] = {}
        self._sync_listeners: list[Callable[[], None]] = []
        self._save_soon = WindowedSave(self._store, self._storage_data, SAVE_DELAY)
        self.care = CareManager(hass, self)
        self.gateways = GatewayMonitor(hass, self)
        # The entry's data and options when set up; a change in them needs a reload.
        self.settings_snapshot: tuple[Any, ...] | None = None
        # A bulk import pauses the per-change sync and syncs once at its end.
        self.sync_paused = False

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
            self.rejections = RejectionCounter.from_dict(stored.get("rejections"))
            received = stored.get("uplinks_received")
            self.uplinks_received = received if isinstance(received, int) else 0
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
                self._discovery_entry_removed,
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
            self._announced.pop(dev_eui, None)
            ir.async_delete_issue(self.hass, DOMAIN, f"device_silent_{dev_eui}")
            ir.async_delete_issue(self.hass, DOMAIN, f"meter_backwards_{dev_eui}")
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
            self._discovery_started.discard(device.dev_eui)
            keys = set(static_keys(device)) | registered.get(device.dev_eui, set())
            async_dispatcher_send(self.hass, self._new_keys_signal, device, keys)
            # Uplinks that arrived before the installer added the device are not lost.
            for uplink in self._pending.pop(device.dev_eui, []):
                self._process(uplink, IngestResult())
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
        entry = registry.async_get_or_create(
            config_entry_id=self.entry.entry_id,
            config_subentry_id=config.subentry_id,
            identifiers={(DOMAIN, config.dev_eui)},
            manufacturer=info.manufacturer if info else None,
            model=info.name if info else None,
            model_id=config.model,
            name=config.name,
            serial_number=config.dev_eui,
            via_device=(DOMAIN, self.entry.entry_id),
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
        self.rejections.add(reason)
        if result is not None:
            result.rejected.append((dev_eui, reason))
        warned = self._warned.setdefault(dev_eui, set())
        who = f"device {dev_eui}" if dev_eui else "an unidentified sender"
        if reason in warned:
            LOGGER.debug("Rejected message from %s (%s): %s", who, reason, detail)
        else:
            warned.add(reason)
            LOGGER.warning("Rejected message from %s (%s): %s", who, reason, detail)
        async_dispatcher_send(self.hass, self._hub_signal)
        self._save_soon.schedule()

    @callback
    def handle_envelope(
        self,
        body: Mapping[str, Any],
        event: str | None = None,
        downlink_push: DownlinkPush | None = None,
    ) -> IngestResult:
        """Parse one network-server message and apply every uplink in it.

        ``downlink_push`` is where the network server takes downlinks for the device of
        this message, when it says so (The Things Stack's webhook headers).
        """
        result = IngestResult()
        try:
            uplinks = parse(self.network, body, event)
        except EnvelopeError as err:
            dev_eui = _dev_eui_hint(body)
            self.reject(Rejection.MALFORMED_ENVELOPE, dev_eui, str(err), result)
            return result
        for uplink in uplinks:
            self._process(uplink, result, downlink_push)
        return result

    @callback
    def _process(
        self, uplink: Uplink, result: IngestResult, downlink_push: DownlinkPush | None = None
    ) -> None:
        device = self.devices.get(uplink.dev_eui)
        if device is None:
            self._unknown_device(uplink, result)
            return
        if uplink.kind is UplinkKind.JOIN:
            device.guard.joined()
            self._seen(device, uplink, frozenset())
            result.accepted += 1
            return
        if uplink.kind is UplinkKind.STATUS:
            readings: Readings = (
                {} if uplink.battery is None else {"battery": round(uplink.battery)}
            )
            self._seen(device, uplink, self._apply(device, readings, uplink.received_at))
            result.accepted += 1
            return
        verdict = device.guard.check(uplink.f_cnt, uplink.payload)
        if verdict is Verdict.DUPLICATE:
            self.rejections.duplicates += 1
            result.duplicates += 1
            LOGGER.debug("Duplicate uplink %s from %s ignored", uplink.f_cnt, device.dev_eui)
            return
        if verdict is Verdict.REPLAY:
            self.reject(
                Rejection.REPLAYED_FRAME,
                device.dev_eui,
                f"frame counter {uplink.f_cnt} is not above {device.guard.last_f_cnt}",
                result,
            )
            return
        self.uplinks_received += 1
        # Downlinks are addressed with what data uplinks carry; a TTS join accept lacks the
        # tenant ("app" instead of "app@tenant"), so only these update the addressing.
        device.application_id = uplink.application_id or device.application_id
        device.device_id = uplink.device_id or device.device_id
        device.downlink_push = downlink_push or device.downlink_push
        readings = self._decode(device, uplink, result)
        self._seen(device, uplink, self._apply(device, readings, uplink.received_at))
        result.accepted += 1

    @callback
    def _decode(self, device: Device, uplink: Uplink, result: IngestResult) -> Readings:
        """Decode with our codec; fall back to the network server's decoded object."""
        model = device.config.model
        if model != MODEL_NETWORK_DECODED and uplink.payload and uplink.f_port:
            try:
                return decode(model, uplink.f_port, uplink.payload)
            except CodecError as err:
                self.reject(Rejection.UNDECODABLE_PAYLOAD, device.dev_eui, str(err), result)
                # A device that sends something is alive, so radio data still counts.
        if uplink.decoded:
            return readings_from_decoded(uplink.decoded)
        return {}

    @callback
    def _apply(self, device: Device, readings: Readings, at: datetime) -> frozenset[str]:
        values: dict[str, Value] = {}
        for key, reading in readings.items():
            if key.endswith(INVALID_SUFFIX):
                # The sensor says this measurement is invalid: unknown, not the old value.
                values[key.removesuffix(INVALID_SUFFIX)] = None
            else:
                values[key] = reading
        device.values.update(values)
        changed = set(values)
        if device.features:
            # Only derived values need the local time ("today"); most uplinks have none.
            now = dt_util.as_local(at)
            for feature in device.features.values():
                derived = feature.update(device.values, changed, now)
                device.values.update(derived)
                changed.update(derived)
        if "volume" in changed:
            self._follow_meter_backwards(device)
        if device.config.is_care:
            self.care.on_readings(device, frozenset(changed), at)
        return self._announce(device, changed)

    @callback
    def _follow_meter_backwards(self, device: Device) -> None:
        """A register that went backwards needs staff to say: new meter, or a glitch."""
        meter = device.features.get("water_meter")
        if not isinstance(meter, WaterMeter):
            return
        issue_id = f"meter_backwards_{device.dev_eui}"
        if meter.backwards is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id) is None:
            LOGGER.warning(
                "Water meter %s went backwards from %.3f to %.3f m³; nothing is counted until "
                "it is confirmed as a replacement or passes the old reading",
                device.dev_eui,
                meter.backwards.previous,
                meter.backwards.current,
            )
        ir.async_create_issue(
            self.hass,
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
            data={"entry_id": self.entry.entry_id, "dev_eui": device.dev_eui},
        )

    @callback
    def _announce(self, device: Device, changed: set[str]) -> frozenset[str]:
        """Create entities for keys seen for the first time; return the changed keys."""
        new_keys = changed - self._announced.setdefault(device.dev_eui, set())
        if new_keys:
            self._announced[device.dev_eui].update(new_keys)
            async_dispatcher_send(self.hass, self._new_keys_signal, device, set(new_keys))
        return frozenset(changed)

    @callback
    def apply_derived(self, device: Device, derived: Mapping[str, Value]) -> None:
        """Publish derived values an action or a timer changed."""
        if not derived:
            return
        device.values.update(derived)
        changed = self._announce(device, set(derived))
        async_dispatcher_send(
            self.hass, signal_device_update(self.entry.entry_id, device.dev_eui), changed
        )
        self._save_soon.schedule()

    @callback
    def _seen(self, device: Device, uplink: Uplink, changed: frozenset[str]) -> None:
        device.activity.seen(uplink.received_at)
        if uplink.rssi is not None:
            device.rssi = uplink.rssi
            device.snr = uplink.snr
        if uplink.f_cnt is not None:
            device.f_cnt = uplink.f_cnt
        device.gateway_count = uplink.gateway_count
        self.gateways.observe(device.dev_eui, uplink)
        # A good uplink re-arms the warning, so a new problem is logged again.
        self._warned.pop(device.dev_eui, None)
        if not device.available:
            device.available = True
            LOGGER.info("Device %s is sending again", device.dev_eui)
        if device.silent_issue_raised:
            device.silent_issue_raised = False
            ir.async_delete_issue(self.hass, DOMAIN, f"device_silent_{device.dev_eui}")
        async_dispatcher_send(
            self.hass,
            signal_device_update(self.entry.entry_id, device.dev_eui),
            changed | RADIO_KEYS,
        )
        self._save_soon.schedule()

    @callback
    def _unknown_device(self, uplink: Uplink, result: IngestResult) -> None:
        dev_eui = uplink.dev_eui
        self.reject(
            Rejection.UNKNOWN_DEVICE, dev_eui, "no device with this DevEUI is configured", result
        )
        if self.known_elsewhere(dev_eui):
            return
        pending = self._pending.setdefault(dev_eui, [])
        self._pending.move_to_end(dev_eui)
        pending.append(uplink)
        del pending[:-PENDING_UPLINKS_PER_DEVICE]
        while len(self._pending) > MAX_PENDING_DEVICES:
            self._pending.popitem(last=False)
        if dev_eui in self._discovery_started:
            return
        self._discovery_started.add(dev_eui)
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
    def _discovery_entry_removed(self, entry: ConfigEntry) -> None:
        """An ignored device was un-ignored: discover it again on its next uplink."""
        if entry.unique_id:
            self._discovery_started.discard(entry.unique_id)

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

    # ------------------------------------------------------------- availability

    @callback
    def _check_offline(self, now: datetime) -> None:
        floor = self.offline_floor
        local_now = dt_util.as_local(now)
        for device in self.devices.values():
            for feature in device.features.values():
                self.apply_derived(device, feature.tick(local_now))
            last_seen = device.last_seen
            if last_seen is None:
                continue
            if device.available and device.activity.is_silent(now, floor):
                device.available = False
                LOGGER.warning(
                    "Device %s has been silent since %s and is now unavailable",
                    device.dev_eui,
                    last_seen.isoformat(timespec="minutes"),
                )
                async_dispatcher_send(
                    self.hass, signal_device_update(self.entry.entry_id, device.dev_eui), None
                )
                self.care.on_offline(device, now)
            if (
                not device.silent_issue_raised
                and now - last_seen > SILENT_REPAIR_AFTER
                # A silent gateway already reported it: one problem, not one per device.
                and not self.gateways.explains_silence(device.dev_eui)
            ):
                device.silent_issue_raised = True
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    f"device_silent_{device.dev_eui}",
                    is_fixable=True,
                    is_persistent=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="device_silent",
                    translation_placeholders={
                        "name": device.config.name,
                        "dev_eui": device.dev_eui,
                        "last_seen": last_seen.isoformat(timespec="minutes"),
                    },
                    data={"entry_id": self.entry.entry_id, "dev_eui": device.dev_eui},
                )
        self.care.tick(now)

    # ------------------------------------------------------------------ helpers

    def devices_in(self, dev_euis: Iterable[str]) -> list[Device]:
        """Known devices among the given DevEUIs."""
        return [self.devices[eui] for eui in dev_euis if eui in self.devices]

    def add_unsubscriber(self, unsubscribe: Callable[[], None]) -> None:
        """Call ``unsubscribe`` when the hub stops."""
        self._unsubscribers.append(unsubscribe)


def _dev_eui_hint(body: Mapping[str, Any]) -> str | None:
    """Best-effort DevEUI of a malformed envelope, only for the log line."""
    for path in (("deviceInfo", "devEui"), ("end_device_ids", "dev_eui"), ("devEui",)):
        node: Any = body
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str) and len(node) <= 32:
            return node.lower()
    return None
