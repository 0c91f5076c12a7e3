"""One LoRaWAN end device as the hub sees it: its settings and its live state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .care_runtime.naming import care_device_name
from .const import (
    CONF_AREA,
    CONF_CARE_UNIT,
    CONF_DEV_EUI,
    CONF_MODEL,
    CONF_NAME,
    CONF_ROOM,
    MODEL_NETWORK_DECODED,
)
from .derived import ROLE, Feature, Value, build_features
from .derived.feature import parse_time
from .lorawan.activity import ActivityTracker
from .lorawan.codecs import MODELS, ModelInfo
from .lorawan.frame_guard import FrameGuard

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry


@dataclass(slots=True, frozen=True, kw_only=True)
class DeviceConfig:
    """A device's settings, from its config subentry."""

    subentry_id: str
    dev_eui: str
    model: str
    name: str
    area_id: str | None = None
    care_unit: str | None = None
    room: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> DeviceConfig:
        """Read a device subentry; only dev_eui and model are required."""
        data = subentry.data
        dev_eui = str(data[CONF_DEV_EUI]).lower()
        model = str(data.get(CONF_MODEL) or MODEL_NETWORK_DECODED)
        care_unit, room = data.get(CONF_CARE_UNIT) or None, data.get(CONF_ROOM) or None
        # A care device is named from its codes only (care_naming), whatever it was called.
        name = (
            care_device_name(care_unit, room, data.get(ROLE), model)
            if care_unit and room
            else str(data.get(CONF_NAME) or subentry.title or dev_eui)
        )
        return cls(
            subentry_id=subentry.subentry_id,
            dev_eui=dev_eui,
            model=model,
            name=name,
            area_id=data.get(CONF_AREA) or None,
            care_unit=care_unit,
            room=room,
            settings=dict(data),
        )

    @property
    def is_care(self) -> bool:
        """Care devices carry special-category data and the care marker."""
        return bool(self.care_unit and self.room)

    @property
    def model_info(self) -> ModelInfo | None:
        """Metadata of the device's model; None when the network server decodes it."""
        return MODELS.get(self.model)


@dataclass(slots=True, frozen=True)
class DownlinkPush:
    """A network server's own downlink address for one device, with its API key."""

    url: str
    api_key: str


@dataclass(slots=True, kw_only=True)
class Device:
    """Live state of one device."""

    config: DeviceConfig
    values: dict[str, Value] = field(default_factory=dict)
    features: dict[str, Feature] = field(default_factory=dict)
    activity: ActivityTracker = field(default_factory=ActivityTracker)
    guard: FrameGuard = field(default_factory=FrameGuard)
    available: bool = True
    rssi: float | None = None
    snr: float | None = None
    f_cnt: int | None = None
    gateway_count: int = 0
    # Addressing learned from the network server, needed for downlinks.
    application_id: str | None = None
    device_id: str | None = None
    silent_issue_raised: bool = False
    # The Things Stack sends, with each webhook uplink, where and with which key to push
    # downlinks (X-Downlink-Push, X-Downlink-Apikey). Kept in memory only: it is a secret,
    # and the next uplink brings it again after a restart.
    downlink_push: DownlinkPush | None = None
    # When the newest applied uplink was measured, and each key's value (ingest.py).
    measured_at: datetime | None = None
    key_times: dict[str, datetime] = field(default_factory=dict)
    # The same as ISO 8601 text, made once per uplink rather than once per entity write.
    measured_iso: str | None = None
    key_iso: dict[str, str] = field(default_factory=dict)

    @property
    def dev_eui(self) -> str:
        """The device's DevEUI, 16 lowercase hex characters."""
        return self.config.dev_eui

    @property
    def last_seen(self) -> datetime | None:
        """When the device last sent anything."""
        return self.activity.last_seen

    def persistent_state(self) -> dict[str, Any]:
        """What the hub stores so a restart keeps counters and timing."""
        return {
            "activity": self.activity.as_dict(),
            "guard": self.guard.as_dict(),
            "application_id": self.application_id,
            "device_id": self.device_id,
            "features": {name: feature.as_dict() for name, feature in self.features.items()},
            "measured_at": self.measured_at.isoformat() if self.measured_at else None,
            "key_times": {key: at.isoformat() for key, at in self.key_times.items()},
        }

    def configure(self, config: DeviceConfig) -> None:
        """Apply new settings; features that stay keep their state (calibration, counts)."""
        self.config = config
        kept = {name: feature.as_dict() for name, feature in self.features.items()}
        self.features = build_features(config.settings, config.model_info)
        self._restore_features(kept)

    def _restore_features(self, stored: Mapping[str, Any]) -> None:
        for name, feature in self.features.items():
            if isinstance(state := stored.get(name), dict):
                feature.restore(state)

    def restore(self, stored: Mapping[str, Any]) -> None:
        """Load persistent_state() output."""
        activity = stored.get("activity")
        if isinstance(activity, dict):
            self.activity = ActivityTracker.from_dict(activity)
        guard = stored.get("guard")
        if isinstance(guard, dict):
            self.guard = FrameGuard.from_dict(guard)
        self.application_id = stored.get("application_id")
        self.device_id = stored.get("device_id")
        features = stored.get("features")
        if isinstance(features, dict):
            self._restore_features(features)
        self.measured_at = parse_time(stored.get("measured_at"))
        self.measured_iso = self.measured_at.isoformat() if self.measured_at else None
        key_times = stored.get("key_times")
        if isinstance(key_times, dict):
            for key, value in key_times.items():
                if (at := parse_time(value)) is not None:
                    self.key_times[str(key)] = at
                    self.key_iso[str(key)] = at.isoformat()

    def measured_time(self, key: str) -> datetime | None:
        """When the value of ``key`` was measured; the newest uplink's time for radio data."""
        return self.key_times.get(key) or self.measured_at

    def measured_text(self, key: str) -> str | None:
        """``measured_time`` as ISO 8601 text, for the entities' ``measured_at``."""
        return self.key_iso.get(key) or self.measured_iso

