"""The gateways that received an uplink, as the envelope parsers report them.

The ChirpStack and The Things Stack parsers turn their reception metadata (one entry per
gateway antenna) into GatewayReadings; ``gateways_of`` and ``best_gateway`` make one entry
per gateway and pick the best reception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import math
from typing import Any

from ..uplink import GatewayRx


@dataclass(slots=True, frozen=True)
class GatewayReading:
    """One receiving gateway (or antenna) of an uplink."""

    # A gateway id or EUI; None when the metadata does not say (counted as a gateway apart).
    key: str | None
    rssi: float | None
    snr: float | None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(slots=True, frozen=True)
class BestGateway:
    """The strongest reception of an uplink, and how many gateways received it."""

    rssi: float | None
    snr: float | None
    key: str | None
    count: int


def gateway_location(item: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """A gateway's position from its ``location`` object; (None, None) when absent or odd.

    Only informational, so a malformed location is ignored rather than rejecting the uplink.
    """
    location = item.get("location")
    if not isinstance(location, Mapping):
        return None, None
    lat, lon = location.get("latitude"), location.get("longitude")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None, None
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return float(lat), float(lon)


def gateways_of(readings: Sequence[GatewayReading]) -> tuple[GatewayRx, ...]:
    """One entry per identified gateway: its strongest antenna, and its position if known."""
    if len(readings) == 1 and (only := readings[0]).key is not None:
        # Most uplinks: one gateway, one antenna. Nothing to choose between or merge.
        has_position = only.latitude is not None and only.longitude is not None
        return (
            GatewayRx(
                gateway_id=only.key,
                rssi=only.rssi,
                snr=only.snr,
                latitude=only.latitude if has_position else None,
                longitude=only.longitude if has_position else None,
            ),
        )
    best: dict[str, GatewayReading] = {}
    located: dict[str, tuple[float, float]] = {}
    for reading in readings:
        if reading.key is None:
            continue
        if reading.latitude is not None and reading.longitude is not None:
            located.setdefault(reading.key, (reading.latitude, reading.longitude))
        current = best.get(reading.key)
        if current is None or (reading.rssi or -math.inf) > (current.rssi or -math.inf):
            best[reading.key] = reading
    return tuple(
        GatewayRx(
            gateway_id=key,
            rssi=reading.rssi,
            snr=reading.snr,
            latitude=located.get(key, (None, None))[0],
            longitude=located.get(key, (None, None))[1],
        )
        for key, reading in best.items()
    )


def best_gateway(readings: Iterable[GatewayReading]) -> BestGateway:
    """The reception with the highest RSSI (SNR breaks ties), and the number of gateways.

    Gateways are counted once however many antennas (metadata entries) they report. When no
    entry has an RSSI, the best SNR is reported with no RSSI.
    """
    entries = list(readings)
    keys = {r.key for r in entries if r.key is not None}
    count = len(keys) + sum(1 for r in entries if r.key is None)
    with_rssi = [r for r in entries if r.rssi is not None]
    if with_rssi:
        best = max(
            with_rssi,
            key=lambda r: (r.rssi, -math.inf if r.snr is None else r.snr),
        )
        return BestGateway(best.rssi, best.snr, best.key, count)
    with_snr = [r for r in entries if r.snr is not None]
    if with_snr:
        best = max(with_snr, key=lambda r: r.snr if r.snr is not None else -math.inf)
        return BestGateway(None, best.snr, best.key, count)
    return BestGateway(None, None, None, count)
