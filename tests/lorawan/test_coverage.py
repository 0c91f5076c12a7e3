"""The coverage tracker on its own: silence, orphans, single-gateway devices, storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.ange_iot.lorawan.coverage import CoverageTracker
from custom_components.ange_iot.lorawan.uplink import GatewayRx

T0 = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
A, B = GatewayRx(gateway_id="gw-a", rssi=-90, snr=5), GatewayRx(gateway_id="gw-b", rssi=-110, snr=-3)


def test_silence_orphans_and_return() -> None:
    tracker = CoverageTracker()
    assert tracker.observe("d1", [A, B], T0) == ({"gw-a", "gw-b"}, set())
    tracker.observe("d2", [B], T0)
    tracker.observe("d1", [A], T0 + timedelta(minutes=40))
    assert tracker.newly_silent(T0 + timedelta(minutes=31), timedelta(minutes=30)) == ["gw-b"]
    assert tracker.newly_silent(T0 + timedelta(minutes=50), timedelta(minutes=30)) == []  # once
    assert tracker.orphans("gw-b", T0 + timedelta(minutes=50)) == ["d2"]
    assert tracker.explains_silence("d2") and not tracker.explains_silence("d1")
    assert tracker.single_gateway_devices(T0 + timedelta(minutes=50)) == {"d1": "gw-a"}
    assert tracker.signal["d1"] == (-90, 5)
    assert tracker.observe("d2", [B], T0 + timedelta(hours=1)) == (set(), {"gw-b"})


def test_storage_round_trip_and_damage() -> None:
    tracker = CoverageTracker()
    tracker.observe("d1", [GatewayRx(gateway_id="gw-a", rssi=-90, snr=5, latitude=62.5, longitude=15.6)], T0)
    restored = CoverageTracker.from_dict(tracker.as_dict())
    assert restored.as_dict() == tracker.as_dict()
    assert restored.gateways["gw-a"].latitude == 62.5
    damaged = CoverageTracker.from_dict({"gateways": {"x": {"last_uplink": "yesterday"}}, "heard": [1], "signal": {"d": "x"}})
    assert damaged.gateways == {} and damaged.heard == {} and damaged.signal == {}
    assert CoverageTracker.from_dict(None).gateways == {}
    tracker.forget_old(T0 + timedelta(hours=25))
    assert tracker.heard == {}
