"""The ingest pipeline: envelope, dedup, frame guard, decode, readings with their time.

No Home Assistant imports: the pipeline is plain Python, tested on its own
(tests/test_ingest.py) and measured on its own. What a reading means for Home Assistant
(entities, repairs, discovery, care) is the sink's business: the thin HA hub implements
``IngestSink`` and the pipeline calls it, so the hot path builds no result objects.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from .const import LOGGER as _LOGGER, MODEL_NETWORK_DECODED
from .derived import ROLE, Role, Value
from .derived.feature import CountsLate
from .derived.roles import readings_for_role
from .device import Device, DownlinkPush
from .lorawan.codecs import CodecError, SkippedItems, decode_frame, readings_from_decoded
from .lorawan.errors import EnvelopeError
from .lorawan.frame_guard import Verdict
from .lorawan.networks import parse
from .lorawan.quantities import INVALID_SUFFIX, Readings
from .lorawan.uplink import Uplink, UplinkKind
from .rejections import Rejection, RejectionCounter

# Unknown devices whose latest uplinks are kept until the installer adds or ignores them.
MAX_PENDING_DEVICES: Final = 500
PENDING_UPLINKS_PER_DEVICE: Final = 4
# Keys every device gets an entity for, before any reading has arrived.
BASE_KEYS: Final = frozenset({"last_seen", "rssi", "snr", "f_cnt"})
# Keys every accepted uplink updates, whatever it carries.
RADIO_KEYS: Final = frozenset({"last_seen", "rssi", "snr", "f_cnt", "gateway_count"})
_INTRUSION_KEYS: Final = BASE_KEYS | {"intrusion"}
# A reading measured longer ago than this when it arrives is late history (a backlog
# drained, a replayed day, a meter's stored frames): its state would be written now,
# in the wrong hour, so it also goes to the long-term statistics of its own hour. Five
# minutes is one short-term statistics period of the recorder.
LATE_AFTER: Final = timedelta(minutes=5)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def static_keys(device: Device) -> frozenset[str]:
    """Keys a device has an entity for from the start: radio data, and its role's own.

    A role's own readings that the model measures (a water meter's volume, a bed sensor's
    occupancy) get their entity before the first uplink, so an imported device shows what
    it is for, as unknown until it reports; its other readings appear as they arrive.
    """
    role = device.config.settings.get(ROLE)
    if role == Role.INTRUSION:
        return _INTRUSION_KEYS
    model = device.config.model_info
    if not isinstance(role, str) or role not in Role or model is None:
        return BASE_KEYS
    return BASE_KEYS | (readings_for_role(Role(role)) & model.keys)


@dataclass(slots=True)
class IngestResult:
    """What became of one incoming message: for the transport's answer and for tests."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[str | None, Rejection]] = field(default_factory=list)


class IngestSink(Protocol):
    """What the pipeline tells its owner (the HA hub, or a test)."""

    def rejected(self, reason: Rejection, dev_eui: str | None) -> None:
        """A message or uplink was refused (already counted and logged)."""

    def unknown_device(self, uplink: Uplink) -> None:
        """An uplink of a DevEUI no device has (already counted as a rejection)."""

    def readings(self, device: Device, changed: set[str], at: datetime) -> None:
        """A device's values changed (before ``updated``): care, meter checks."""

    def new_keys(self, device: Device, keys: set[str]) -> None:
        """A device reported keys for the first time: they need entities."""

    def heard(self, device: Device, uplink: Uplink) -> None:
        """A device's uplink was taken: the gateways that carried it (coverage)."""

    def updated(self, device: Device, changed: frozenset[str]) -> None:
        """A device took an uplink; ``changed`` are the keys whose entities must write."""

    def history(
        self, device: Device, values: Mapping[str, Value], at: datetime, *, in_order: bool
    ) -> None:
        """Values measured at ``at`` that arrived late: for the statistics of their hour.

        ``in_order`` is False for values older than the device's shown state.
        """


class Ingest:
    """The path from a network server's message to device values, without Home Assistant."""

    def __init__(
        self,
        network: str,
        devices: dict[str, Device],
        sink: IngestSink,
        local_time: Callable[[datetime], datetime] = datetime.astimezone,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """Work on ``devices`` (shared with the owner).

        ``local_time`` turns a time into local time ("today" of derived values), ``clock``
        tells the time now (UTC), which late history and clock skew are judged against.
        """
        self.network = network
        self.devices = devices
        self.sink = sink
        self.local_time = local_time
        self.clock = clock
        # Frame items our codecs did not know: skipped, counted, warned about once.
        self.skipped_items = SkippedItems()
        self.rejections = RejectionCounter()
        self.uplinks_received = 0
        self.pending: OrderedDict[str, list[Uplink]] = OrderedDict()
        # Keys each device has reported since start-up; a first one gets an entity.
        self._announced: dict[str, set[str]] = {}
        self._warned: dict[str | None, set[Rejection]] = {}

    # ------------------------------------------------------------------ rejections

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
            _LOGGER.debug("Rejected message from %s (%s): %s", who, reason, detail)
        else:
            warned.add(reason)
            _LOGGER.warning("Rejected message from %s (%s): %s", who, reason, detail)
        self.sink.rejected(reason, dev_eui)

    # ---------------------------------------------------------------------- intake

    def handle_envelope(
        self,
        body: Mapping[str, Any],
        event: str | None = None,
        downlink_push: DownlinkPush | None = None,
        *,
        late_ok: bool = False,
    ) -> IngestResult:
        """Parse one network-server message and apply every uplink in it.

        ``late_ok``: the transport knows this message is new (the bridge's sequence
        number, bridge_ack.py), so a lower frame counter is a late frame, not a replay.
        """
        result = IngestResult()
        try:
            uplinks = parse(self.network, body, event)
        except EnvelopeError as err:
            self.reject(Rejection.MALFORMED_ENVELOPE, _dev_eui_hint(body), str(err), result)
            return result
        now = self.clock()
        for uplink in uplinks:
            self.process(uplink, result, downlink_push, now, late_ok=late_ok)
        return result

    def process(
        self,
        uplink: Uplink,
        result: IngestResult,
        downlink_push: DownlinkPush | None = None,
        now: datetime | None = None,
        *,
        late_ok: bool = False,
    ) -> None:
        """Apply one uplink: judge its frame counter and time, decode it, update the device.

        An uplink measured before the device's newest one (a backlog arriving out of
        order) never overwrites the newer state: it is history only.
        """
        device = self.devices.get(uplink.dev_eui)
        if device is None:
            self.reject(
                Rejection.UNKNOWN_DEVICE,
                uplink.dev_eui,
                "no device with this DevEUI is configured",
                result,
            )
            self.sink.unknown_device(uplink)
            return
        if now is None:
            now = self.clock()
        at = uplink.received_at
        # A gateway or server clock ahead of ours cannot date readings in the future
        # (it would hide every later reading as older); it is taken as arrival time.
        at = min(at, now)
        newest = device.measured_at
        stale = newest is not None and at < newest
        kind = uplink.kind
        if kind is UplinkKind.JOIN:
            device.guard.joined()
            if not stale:
                self._seen(device, uplink, at, frozenset())
            result.accepted += 1
            return
        if kind is UplinkKind.STATUS:
            readings: Readings = (
                {} if uplink.battery is None else {"battery": round(uplink.battery)}
            )
            if stale:
                self._history(device, readings, at, now)
            else:
                self._seen(device, uplink, at, self._apply(device, readings, at, now))
            result.accepted += 1
            return
        verdict = device.guard.check(uplink.f_cnt, uplink.payload)
        if verdict is Verdict.DUPLICATE:
            self.rejections.duplicates += 1
            result.duplicates += 1
            _LOGGER.debug("Duplicate uplink %s from %s ignored", uplink.f_cnt, device.dev_eui)
            return
        if verdict is Verdict.REPLAY and not stale and not late_ok:
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
        if uplink.application_id:
            device.application_id = uplink.application_id
        if uplink.device_id:
            device.device_id = uplink.device_id
        if downlink_push:
            device.downlink_push = downlink_push
        readings = self._decode(device, uplink, result)
        if stale:
            # An older frame arriving after a newer one (its counter is lower, and so is
            # its network-server time, which a replay cannot fake): history, not state.
            self._history(device, readings, at, now)
            device.guard.taken_late(uplink.f_cnt, uplink.payload)
            # Counts still add up, when the frame is known to be new: an unseen counter,
            # or the bridge's sequence number. A lower counter alone may be a replay.
            if verdict is Verdict.ACCEPT or late_ok:
                self._late_counts(device, readings, at)
        else:
            self._seen(device, uplink, at, self._apply(device, readings, at, now))
        result.accepted += 1

    def _decode(self, device: Device, uplink: Uplink, result: IngestResult) -> Readings:
        """Decode with our codec; fall back to the network server's decoded object."""
        model = device.config.model
        if model != MODEL_NETWORK_DECODED and uplink.payload and uplink.f_port:
            try:
                frame = decode_frame(model, uplink.f_port, uplink.payload)
            except CodecError as err:
                self.reject(Rejection.UNDECODABLE_PAYLOAD, device.dev_eui, str(err), result)
                # A device that sends something is alive, so radio data still counts.
            else:
                if frame.skipped:
                    self.skipped_items.record(model, frame, device.dev_eui)
                return frame.readings
        if uplink.decoded:
            return readings_from_decoded(uplink.decoded)
        return {}

    def _apply(
        self, device: Device, readings: Readings, at: datetime, now: datetime
    ) -> frozenset[str]:
        values = _values(readings)
        device.values.update(values)
        changed = set(values)
        if device.features:
            # Only derived values need the local time ("today"); most uplinks have none.
            local = self.local_time(at)
            for feature in device.features.values():
                derived = feature.update(device.values, changed, local)
                device.values.update(derived)
                changed.update(derived)
        iso = at.isoformat()
        device.measured_at, device.measured_iso = at, iso
        key_times, key_iso = device.key_times, device.key_iso
        for key in changed:
            key_times[key] = at
            key_iso[key] = iso
        self.sink.readings(device, changed, at)
        if now - at > LATE_AFTER:
            current = device.values
            self.sink.history(device, {key: current[key] for key in changed}, at, in_order=True)
        return self.announce(device, changed)

    def _history(self, device: Device, readings: Readings, at: datetime, now: datetime) -> None:
        """Readings older than the device's state: only their hour's statistics take them."""
        if now - at > LATE_AFTER:
            self.sink.history(device, _values(readings), at, in_order=False)
        else:
            _LOGGER.debug(
                "Uplink from %s measured at %s, before its newest reading, is not shown",
                device.dev_eui,
                at.isoformat(),
            )

    def _late_counts(self, device: Device, readings: Readings, at: datetime) -> None:
        """Add what an older uplink counted to the features whose readings add up."""
        values = _values(readings)
        changed: set[str] = set()
        local = self.local_time(at)
        for feature in device.features.values():
            if isinstance(feature, CountsLate) and (derived := feature.late(values, local)):
                device.values.update(derived)
                changed.update(derived)
        if changed:
            self.sink.updated(device, self.announce(device, changed))

    def announce(self, device: Device, changed: set[str]) -> frozenset[str]:
        """Tell the sink about keys seen for the first time; return the changed keys."""
        announced = self._announced.get(device.dev_eui)
        if announced is None:
            announced = self._announced[device.dev_eui] = set()
        new_keys = changed - announced
        if new_keys:
            announced.update(new_keys)
            self.sink.new_keys(device, new_keys)
        return frozenset(changed)

    def forget(self, dev_eui: str) -> None:
        """A device was removed: its keys count as new if it comes back."""
        self._announced.pop(dev_eui, None)

    def _seen(
        self, device: Device, uplink: Uplink, at: datetime, changed: frozenset[str]
    ) -> None:
        device.activity.seen(at)
        if device.measured_at is None or at > device.measured_at:
            device.measured_at, device.measured_iso = at, at.isoformat()
        if uplink.rssi is not None:
            device.rssi = uplink.rssi
            device.snr = uplink.snr
        if uplink.f_cnt is not None:
            device.f_cnt = uplink.f_cnt
        device.gateway_count = uplink.gateway_count
        # A good uplink re-arms the warning, so a new problem is logged again.
        self._warned.pop(device.dev_eui, None)
        if not device.available:
            device.available = True
            _LOGGER.info("Device %s is sending again", device.dev_eui)
        self.sink.heard(device, uplink)
        self.sink.updated(device, changed | RADIO_KEYS)

    # -------------------------------------------------------------- unknown devices

    def hold(self, uplink: Uplink) -> None:
        """Keep an unknown device's latest uplinks until the installer adds it."""
        dev_eui = uplink.dev_eui
        pending = self.pending.setdefault(dev_eui, [])
        self.pending.move_to_end(dev_eui)
        pending.append(uplink)
        del pending[:-PENDING_UPLINKS_PER_DEVICE]
        while len(self.pending) > MAX_PENDING_DEVICES:
            self.pending.popitem(last=False)

    def release(self, dev_eui: str) -> None:
        """Apply the uplinks held for a device that was just added."""
        for uplink in self.pending.pop(dev_eui, []):
            self.process(uplink, IngestResult())


def _values(readings: Readings) -> dict[str, Value]:
    """Readings as device values: one the sensor marks invalid is unknown, not its old value."""
    values: dict[str, Value] = {}
    for key, reading in readings.items():
        if key.endswith(INVALID_SUFFIX):
            values[key.removesuffix(INVALID_SUFFIX)] = None
        else:
            values[key] = reading
    return values


def _dev_eui_hint(body: Mapping[str, Any]) -> str | None:
    """Best-effort DevEUI of a malformed envelope, only for the log line."""
    for path in (("deviceInfo", "devEui"), ("end_device_ids", "dev_eui"), ("devEui",)):
        node: Any = body
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str) and len(node) <= 32:
            return node.lower()
    return None
