"""The demo's two gateways: one stops forwarding, and some devices had only that one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ange_iot.lorawan.coverage import CoverageTracker
from custom_components.ange_iot.lorawan.networks import parse
from scripts import lorawan_simulator
from scripts.lorawan_simulator import GATEWAYS, demo_devices

TOWER = GATEWAYS[1].gateway_id


@pytest.fixture
def outage() -> Iterator[datetime]:
    stop = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    lorawan_simulator.GATEWAY_OUTAGE[TOWER] = stop
    yield stop
    lorawan_simulator.GATEWAY_OUTAGE.clear()


def test_outage_leaves_devices_without_a_gateway(outage: datetime) -> None:
    """A day of uplinks, then the tower stops: one silent gateway, some devices orphaned."""
    tracker = CoverageTracker()
    devices = demo_devices(seed=7)
    at = outage - timedelta(hours=23)
    while at < outage + timedelta(minutes=45):
        for device in devices:
            for uplink in parse("chirpstack", device.uplink(at)):
                tracker.observe(uplink.dev_eui, uplink.gateways, at)
        at += timedelta(minutes=15)
    assert tracker.newly_silent(at, timedelta(minutes=30)) == [TOWER]
    orphans = tracker.orphans(TOWER, at)
    assert orphans, "some demo devices are out of the town hall gateway's reach"
    assert len(orphans) < len(devices) / 2
    single = tracker.single_gateway_devices(at)
    assert set(single.values()) == {GATEWAYS[0].gateway_id}
