"""Which gateways hear which devices, and which gateway has gone quiet (risk HPR1).

Pure Python: no Home Assistant. A gateway is known from the uplinks it forwards. One that
carried traffic and then forwards nothing for a while is silent; the devices it alone
heard are the ones that silence costs. A device heard by a single gateway over the last
day is one gateway failure away from being lost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import statistics
from typing import Any, Final

from .uplink import GatewayRx

HEARD_WINDOW: Final = timedelta(hours=1)
SINGLE_GATEWAY_WINDOW: Final = timedelta(hours=24)
SIGNAL_SAMPLES: Final = 100


@dataclass(slots=True)
class GatewayState:
    """What one gateway has done lately."""

    gateway_id: str
    last_uplink: datetime
    latitude: float | None = None
    longitude: float | None = None
    rssi: deque[float] = field(default_factory=lambda: deque(maxlen=SIGNAL_SAMPLES))
    snr: deque[float] = field(default_factory=lambda: deque(maxlen=SIGNAL_SAMPLES))
    silent: bool = False

    @property
    def median_rssi(self) -> float | None:
        """Median RSSI of its recent receptions, dBm."""
        return round(statistics.median(self.rssi), 1) if self.rssi else None

    @property
    def median_snr(self) -> float | None:
        """Median SNR of its recent receptions, dB."""
        return round(statistics.median(self.snr), 1) if self.snr else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe state."""
        return {
            "last_uplink": self.last_uplink.isoformat(),
            "latitude": self.latitude,
            "longitude": self.longitude,
            "rssi": list(self.rssi),
            "snr": list(self.snr),
            "silent": self.silent,
        }


def _signal_rank(rx: GatewayRx) -> tuple[bool, float, float]:
    """Order receptions by signal: a known RSSI first, then RSSI, then SNR."""
    return (rx.rssi is not None, rx.rssi or 0.0, rx.snr or 0.0)


@dataclass(slots=True)
class CoverageTracker:
    """Every gateway seen, and for each device the gateways that heard it and when."""

    gateways: dict[str, GatewayState] = field(default_factory=dict)
    # dev_eui -> gateway id -> last time that gateway heard the device.
    heard: dict[str, dict[str, datetime]] = field(default_factory=dict)
    # dev_eui -> gateways of its latest uplink.
    latest: dict[str, frozenset[str]] = field(default_factory=dict)
    # dev_eui -> (RSSI, SNR) at the best gateway of its latest uplink.
    signal: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def observe(
        self, dev_eui: str, receptions: Sequence[GatewayRx], at: datetime
    ) -> tuple[set[str], set[str]]:
        """Record one uplink; return (gateways seen for the first time, gateways back from silence).

        This runs for every uplink, so it builds nothing that the previous uplink of the
        device left as it is (the same gateways, the same best signal).
        """
        new: set[str] = set()
        back: set[str] = set()
        heard = self.heard.get(dev_eui)
        if heard is None:
            heard = self.heard[dev_eui] = {}
        for rx in receptions:
            gateway_id = rx.gateway_id
            state = self.gateways.get(gateway_id)
            if state is None:
                state = self.gateways[gateway_id] = GatewayState(gateway_id, at)
                new.add(gateway_id)
            state.last_uplink = max(state.last_uplink, at)
            if state.silent:
                state.silent = False
                back.add(gateway_id)
            if rx.latitude is not None and rx.longitude is not None:
                state.latitude, state.longitude = rx.latitude, rx.longitude
            if rx.rssi is not None:
                state.rssi.append(rx.rssi)
            if rx.snr is not None:
                state.snr.append(rx.snr)
            heard[gateway_id] = at
        if not receptions:
            return new, back
        latest = self.latest.get(dev_eui)
        if latest is None or len(latest) != len(receptions) or any(
            rx.gateway_id not in latest for rx in receptions
        ):
            self.latest[dev_eui] = frozenset(rx.gateway_id for rx in receptions)
        best = receptions[0] if len(receptions) == 1 else max(receptions, key=_signal_rank)
        signal = self.signal.get(dev_eui)
        if signal is None or signal[0] != best.rssi or signal[1] != best.snr:
            self.signal[dev_eui] = (best.rssi, best.snr)
        return new, back

    def devices_heard(self, gateway_id: str, now: datetime, window: timedelta = HEARD_WINDOW) -> list[str]:
        """The devices a gateway heard within ``window``."""
        since = now - window
        return sorted(
            dev_eui for dev_eui, by in self.heard.items() if (at := by.get(gateway_id)) and at >= since
        )

    def single_gateway_devices(self, now: datetime, window: timedelta = SINGLE_GATEWAY_WINDOW) -> dict[str, str]:
        """Devices that exactly one working gateway heard within ``window``, with that gateway.

        A silent gateway no longer counts: the devices it shared with one other gateway
        are now a single failure away from being lost.
        """
        since = now - window
        single: dict[str, str] = {}
        for dev_eui, by in self.heard.items():
            recent = [
                gateway for gateway, at in by.items()
                if at >= since and (state := self.gateways.get(gateway)) is not None and not state.silent
            ]
            if len(recent) == 1:
                single[dev_eui] = recent[0]
        return single

    def gateways_per_device(self, now: datetime, window: timedelta = SINGLE_GATEWAY_WINDOW) -> dict[str, int]:
        """How many working gateways heard each device within ``window``."""
        since = now - window
        return {
            dev_eui: sum(
                1 for gateway, at in by.items()
                if at >= since and (state := self.gateways.get(gateway)) is not None and not state.silent
            )
            for dev_eui, by in self.heard.items()
        }

    def newly_silent(self, now: datetime, after: timedelta) -> list[str]:
        """Gateways quiet for ``after`` that were not silent yet; they are marked silent."""
        found = []
        for state in self.gateways.values():
            if not state.silent and now - state.last_uplink >= after:
                state.silent = True
                found.append(state.gateway_id)
        return sorted(found)

    def heard_elsewhere(self, gateway_id: str, at: datetime) -> bool:
        """Another hub took an uplink through the gateway at ``at``; True if it was silent.

        The gateway's devices are that hub's business; only its last uplink and its
        silence are shared.
        """
        state = self.gateways.get(gateway_id)
        if state is None or at <= state.last_uplink:
            return False
        state.last_uplink = at
        if not state.silent:
            return False
        state.silent = False
        return True

    def orphans(self, gateway_id: str, now: datetime, window: timedelta = SINGLE_GATEWAY_WINDOW) -> list[str]:
        """Devices this gateway heard within ``window`` that no gateway still working heard."""
        since = now - window
        lost = []
        for dev_eui, by in self.heard.items():
            if (at := by.get(gateway_id)) is None or at < since:
                continue
            others = [
                gateway for gateway, when in by.items()
                if gateway != gateway_id and when >= since
                and (state := self.gateways.get(gateway)) is not None and not state.silent
            ]
            if not others:
                lost.append(dev_eui)
        return sorted(lost)

    def explains_silence(self, dev_eui: str) -> bool:
        """Whether every gateway of the device's latest uplink is silent now."""
        latest = self.latest.get(dev_eui)
        return bool(latest) and all(
            (state := self.gateways.get(gateway)) is not None and state.silent for gateway in latest or ()
        )

    def forget_old(self, now: datetime, keep: timedelta = SINGLE_GATEWAY_WINDOW) -> None:
        """Drop receptions older than ``keep``; the latest gateways of each device stay."""
        since = now - keep
        for dev_eui in list(self.heard):
            by = {gateway: at for gateway, at in self.heard[dev_eui].items() if at >= since}
            if by:
                self.heard[dev_eui] = by
            else:
                del self.heard[dev_eui]

    def forget_gateway(self, gateway_id: str) -> None:
        """Drop a gateway and its receptions, as if it had never been seen."""
        self.gateways.pop(gateway_id, None)
        for by in self.heard.values():
            by.pop(gateway_id, None)
        self.heard = {dev_eui: by for dev_eui, by in self.heard.items() if by}
        self.latest = {dev_eui: ids - {gateway_id} for dev_eui, ids in self.latest.items()}

    def forget_device(self, dev_eui: str) -> None:
        """A device removed from the hub no longer counts anywhere."""
        self.heard.pop(dev_eui, None)
        self.latest.pop(dev_eui, None)
        self.signal.pop(dev_eui, None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe state, to persist across restarts."""
        return {
            "gateways": {gateway: state.as_dict() for gateway, state in self.gateways.items()},
            "heard": {
                dev_eui: {gateway: at.isoformat() for gateway, at in by.items()}
                for dev_eui, by in self.heard.items()
            },
            "latest": {dev_eui: sorted(ids) for dev_eui, ids in self.latest.items()},
            "signal": {dev_eui: list(pair) for dev_eui, pair in self.signal.items()},
        }

    @classmethod
    def from_dict(cls, data: object) -> CoverageTracker:
        """Load as_dict() output; damaged parts are skipped, not fatal."""
        tracker = cls()
        if not isinstance(data, Mapping):
            return tracker
        for gateway, raw in _mapping(data.get("gateways")).items():
            raw_map = _mapping(raw)
            last = _time(raw_map.get("last_uplink"))
            if last is None:
                continue
            state = GatewayState(str(gateway), last)
            state.latitude = _float(raw_map.get("latitude"))
            state.longitude = _float(raw_map.get("longitude"))
            state.rssi.extend(v for v in map(_float, _list(raw_map.get("rssi"))) if v is not None)
            state.snr.extend(v for v in map(_float, _list(raw_map.get("snr"))) if v is not None)
            state.silent = raw_map.get("silent") is True
            tracker.gateways[state.gateway_id] = state
        for dev_eui, by in _mapping(data.get("heard")).items():
            times = {str(g): t for g, raw in _mapping(by).items() if (t := _time(raw)) is not None}
            if times:
                tracker.heard[str(dev_eui)] = times
        for dev_eui, ids in _mapping(data.get("latest")).items():
            tracker.latest[str(dev_eui)] = frozenset(str(i) for i in _list(ids))
        for dev_eui, pair in _mapping(data.get("signal")).items():
            values = _list(pair)
            if len(values) == 2:
                tracker.signal[str(dev_eui)] = (_float(values[0]), _float(values[1]))
        return tracker


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
