"""The one shape every network server's envelope is parsed into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import re
from typing import Any

_DEV_EUI = re.compile(r"^[0-9a-f]{16}$")


class UplinkKind(StrEnum):
    """What kind of network-server event an Uplink stands for."""

    UPLINK = "up"
    # Battery/margin report from the network server (ChirpStack "status" event).
    STATUS = "status"
    # The device (re)joined: its frame counters start again from zero.
    JOIN = "join"


def normalize_dev_eui(value: object) -> str:
    """Return a DevEUI as 16 lowercase hex characters, or raise ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"DevEUI must be a string, not {type(value).__name__}")
    cleaned = value.strip().replace("-", "").replace(":", "").lower()
    if not _DEV_EUI.match(cleaned):
        raise ValueError(f"DevEUI {value!r} is not 16 hexadecimal characters")
    return cleaned


@dataclass(slots=True, frozen=True, kw_only=True)
class GatewayRx:
    """One gateway that received an uplink, with its signal and, when sent, its position."""

    gateway_id: str
    rssi: float | None = None
    snr: float | None = None
    latitude: float | None = None
    longitude: float | None = None


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building an Uplink the dearest step of parsing an event. Nothing changes an Uplink
# after its parser made it (treat it as read-only).
@dataclass(slots=True, kw_only=True)
class Uplink:
    """A network-server event about one end device, independent of the network server."""

    network: str
    dev_eui: str
    kind: UplinkKind = UplinkKind.UPLINK
    f_port: int | None = None
    f_cnt: int | None = None
    payload: bytes = b""
    # The network server's own payload decoding (ChirpStack "object", TTS "decoded_payload").
    decoded: Mapping[str, Any] | None = None
    rssi: float | None = None
    snr: float | None = None
    gateway_count: int = 0
    # Every receiving gateway with an id (one entry per gateway, its best antenna).
    gateways: tuple[GatewayRx, ...] = ()
    # When the uplink was measured: the network server's reception time, else a gateway's
    # time, else when the envelope was parsed (networks/*). The time every reading of
    # this uplink carries (``measured_at``), and what ordering and late history go by.
    received_at: datetime
    device_name: str | None = None
    profile_name: str | None = None
    # A model id guessed from network-server metadata (TTS version_ids), if any.
    model_hint: str | None = None
    # Battery level in % from a network-server status event; None when unknown.
    battery: float | None = None
    # Network-server identifiers needed to address downlinks and to deduplicate.
    application_id: str | None = None
    device_id: str | None = None
    dedup_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def measured_at(self) -> datetime:
        """When the readings of this uplink were measured (``received_at``)."""
        return self.received_at
