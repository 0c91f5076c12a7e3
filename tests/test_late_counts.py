"""Counts of an older uplink that arrives after newer ones still add up, and only once.

A trail counter's period counts (people_in) are passers-by since the previous uplink.
When a backlog is resent out of order (the bridge sends an unacknowledged event again
after newer ones got through), the older uplink must not change the shown state, but
its walkers happened: they belong in the visitor totals. A lower frame counter alone
may be a replay, so only an uplink known to be new (the bridge's sequence number, or
an unseen counter) adds its counts.

Frames from Milesight's VS121 documentation (SD vs-series): ``05 CC`` is the period
count, people in then people out, each 2 bytes little-endian; ``05cc02000100`` is
"people_in 2, people_out 1".
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.ange_iot.derived.visitors import VISITORS_TODAY, VISITORS_TOTAL
from custom_components.ange_iot.device import Device, DeviceConfig
from custom_components.ange_iot.ingest import Ingest

from .test_ingest import RecordingSink

FIXTURES = Path(__file__).parent / "fixtures"
COUNTER = "24e124538b223213"
NOW = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
VS121_PORT = 85


def period_frame(people_in: int, people_out: int = 0) -> bytes:
    return b"\x05\xcc" + people_in.to_bytes(2, "little") + people_out.to_bytes(2, "little")


def up(f_cnt: int, frame: bytes, measured: datetime) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / "chirpstack_up.json").read_text()))
    body["deviceInfo"]["devEui"] = COUNTER
    body["fCnt"], body["fPort"] = f_cnt, VS121_PORT
    body["data"] = base64.b64encode(frame).decode()
    body["time"] = measured.isoformat()
    return body


@pytest.fixture
def counter() -> Device:
    config = DeviceConfig(
        subentry_id="trail",
        dev_eui=COUNTER,
        model="milesight_vs121",
        name="Leden norr",
        settings={"role": "trail"},
    )
    device = Device(config=config)
    device.configure(config)
    return device


@pytest.fixture
def pipeline(counter: Device, sink: RecordingSink) -> Ingest:
    return Ingest("chirpstack", {COUNTER: counter}, sink, local_time=lambda at: at, clock=lambda: NOW)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


def test_the_documented_frame_counts_walkers(pipeline: Ingest, counter: Device) -> None:
    pipeline.handle_envelope(up(10, bytes.fromhex("05cc02000100"), NOW - timedelta(minutes=5)), "up")
    assert counter.values["people_in"] == 2
    assert counter.values[VISITORS_TOTAL] == 2


def test_an_older_uplink_resent_by_the_bridge_adds_its_walkers(
    pipeline: Ingest, counter: Device, sink: RecordingSink
) -> None:
    pipeline.handle_envelope(up(10, period_frame(2), NOW - timedelta(minutes=5)), "up")
    sink.updates.clear()

    # Frame 9 was measured earlier and comes later: the bridge knows it is new.
    pipeline.handle_envelope(up(9, period_frame(3), NOW - timedelta(minutes=15)), "up", late_ok=True)

    assert counter.values[VISITORS_TOTAL] == 5
    assert counter.values[VISITORS_TODAY] == 5
    # The shown period count stays the newest uplink's: the older one is history.
    assert counter.values["people_in"] == 2
    assert counter.measured_at == NOW - timedelta(minutes=5)
    assert sink.updates == [frozenset({"visitors_today", "visitors_season", "visitors_total"})]


def test_a_late_uplink_from_yesterday_counts_in_the_total_not_today(
    pipeline: Ingest, counter: Device
) -> None:
    pipeline.handle_envelope(up(10, period_frame(2), NOW - timedelta(minutes=5)), "up")
    pipeline.handle_envelope(up(9, period_frame(4), NOW - timedelta(days=1)), "up", late_ok=True)

    assert counter.values[VISITORS_TOTAL] == 6
    assert counter.values[VISITORS_TODAY] == 2


def test_a_lower_counter_without_the_bridges_word_is_not_counted(
    pipeline: Ingest, counter: Device, sink: RecordingSink
) -> None:
    """It may be a replay: the walkers are not counted (its reading is history only)."""
    pipeline.handle_envelope(up(10, period_frame(2), NOW - timedelta(minutes=5)), "up")
    sink.updates.clear()

    pipeline.handle_envelope(up(9, period_frame(3), NOW - timedelta(minutes=15)), "up")

    assert counter.values[VISITORS_TOTAL] == 2
    assert sink.updates == []


def test_the_same_late_uplink_twice_counts_once(pipeline: Ingest, counter: Device) -> None:
    pipeline.handle_envelope(up(10, period_frame(2), NOW - timedelta(minutes=5)), "up")
    late = up(9, period_frame(3), NOW - timedelta(minutes=15))
    pipeline.handle_envelope(late, "up", late_ok=True)
    result = pipeline.handle_envelope(late, "up", late_ok=True)

    assert result.duplicates == 1
    assert counter.values[VISITORS_TOTAL] == 5


def test_a_late_uplink_resent_after_a_restart_counts_once(
    pipeline: Ingest, counter: Device
) -> None:
    """The frames taken late are stored with the device: after HA restarts, the same
    uplink resent (by the bridge, or the network server's retry) is still a duplicate."""
    pipeline.handle_envelope(up(10, period_frame(2), NOW - timedelta(minutes=5)), "up")
    late = up(9, period_frame(3), NOW - timedelta(minutes=15))
    pipeline.handle_envelope(late, "up", late_ok=True)
    stored = json.loads(json.dumps(counter.persistent_state()))

    counter.guard = type(counter.guard)()
    counter.restore(stored)
    result = pipeline.handle_envelope(late, "up", late_ok=True)

    assert result.duplicates == 1
    assert counter.values[VISITORS_TOTAL] == 5


def test_a_late_running_total_changes_nothing(pipeline: Ingest, counter: Device) -> None:
    """A device total measured earlier is included in the newer total already taken."""
    counter.values.clear()
    pipeline.handle_envelope(up(10, period_frame(2), NOW - timedelta(minutes=5)), "up")
    total = counter.values[VISITORS_TOTAL]
    # VS121 "people_counter_all" (04 C9): a running count, not walkers since the last uplink.
    pipeline.handle_envelope(up(9, bytes.fromhex("04c903030002"), NOW - timedelta(minutes=9)), "up", late_ok=True)

    assert counter.values[VISITORS_TOTAL] == total
