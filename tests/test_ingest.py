"""The ingest pipeline on its own: no Home Assistant, a recording sink, a fixed clock."""

from __future__ import annotations

import base64
from collections.abc import Mapping
import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.ange_iot.derived import Value
from custom_components.ange_iot.device import Device, DeviceConfig
from custom_components.ange_iot.ingest import LATE_AFTER, RADIO_KEYS, Ingest
from custom_components.ange_iot.lorawan.uplink import Uplink
from custom_components.ange_iot.rejections import Rejection

FIXTURES = Path(__file__).parent / "fixtures"
ERS = "a81758fffe0312ab"
STRANGER = "a81758fffe099999"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _frame(temperature_tenths: int, co2: int) -> bytes:
    """An Elsys ERS CO2 frame with temperature (0x01) and CO2 (0x06)."""
    return (
        b"\x01" + temperature_tenths.to_bytes(2, "big", signed=True) + b"\x06" + co2.to_bytes(2, "big")
    )


class RecordingSink:
    """What the pipeline tells its owner, kept for the assertions."""

    def __init__(self) -> None:
        self.rejections: list[tuple[Rejection, str | None]] = []
        self.unknown: list[Uplink] = []
        self.new: list[set[str]] = []
        self.updates: list[frozenset[str]] = []
        self.late: list[tuple[dict[str, Value], datetime, bool]] = []
        self.heard_from: list[tuple[str, tuple[str, ...]]] = []

    def rejected(self, reason: Rejection, dev_eui: str | None) -> None:
        self.rejections.append((reason, dev_eui))

    def unknown_device(self, uplink: Uplink) -> None:
        self.unknown.append(uplink)

    def readings(self, device: Device, changed: set[str], at: datetime) -> None:
        """Nothing to follow up without Home Assistant."""

    def new_keys(self, device: Device, keys: set[str]) -> None:
        self.new.append(set(keys))

    def heard(self, device: Device, uplink: Uplink) -> None:
        self.heard_from.append((device.dev_eui, tuple(g.gateway_id for g in uplink.gateways)))

    def updated(self, device: Device, changed: frozenset[str]) -> None:
        self.updates.append(changed)

    def history(
        self, device: Device, values: Mapping[str, Value], at: datetime, *, in_order: bool
    ) -> None:
        self.late.append((dict(values), at, in_order))


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def device() -> Device:
    config = DeviceConfig(subentry_id="sub", dev_eui=ERS, model="elsys_ers_co2", name="R12")
    built = Device(config=config)
    built.configure(config)
    return built


@pytest.fixture
def ingest(sink: RecordingSink, device: Device) -> Ingest:
    return Ingest("chirpstack", {ERS: device}, sink, clock=lambda: NOW)


def chirpstack(f_cnt: int, frame: bytes, time: datetime | None, dev_eui: str = ERS) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / "chirpstack_up.json").read_text()))
    body["deviceInfo"]["devEui"] = dev_eui
    body["fCnt"], body["fPort"] = f_cnt, 5
    body["data"] = base64.b64encode(frame).decode()
    body.pop("time")
    if time is not None:
        body["time"] = time.isoformat()
    return body


def test_a_reading_carries_the_network_servers_time(
    ingest: Ingest, device: Device, sink: RecordingSink
) -> None:
    measured = NOW - timedelta(seconds=3)
    result = ingest.handle_envelope(chirpstack(1, _frame(215, 612), measured), "up")

    assert result.accepted == 1
    assert device.values["temperature"] == 21.5
    assert device.values["co2"] == 612
    assert device.measured_time("temperature") == measured
    assert device.measured_time("rssi") == measured  # radio data: the uplink's time
    assert device.last_seen == measured
    assert sink.new == [{"temperature", "co2"}]
    assert sink.updates == [frozenset({"temperature", "co2"}) | RADIO_KEYS]
    assert sink.late == []  # three seconds is not late


def test_without_a_time_the_gateway_time_then_arrival_is_used(
    ingest: Ingest, device: Device
) -> None:
    body = chirpstack(1, _frame(215, 612), None)
    gateway_time = NOW - timedelta(seconds=40)
    body["rxInfo"][0]["gwTime"] = gateway_time.isoformat()
    ingest.handle_envelope(body, "up")
    assert device.measured_at == gateway_time

    ingest.handle_envelope(chirpstack(2, _frame(216, 613), None), "up")
    # No time at all: arrival, by the parser's clock; never after the pipeline's now.
    assert device.measured_at is not None
    assert gateway_time < device.measured_at <= NOW


def test_the_things_stack_gateway_time_when_the_server_time_is_missing(sink: RecordingSink) -> None:
    body = json.loads((FIXTURES / "tts_uplink.json").read_text())
    dev_eui = body["end_device_ids"]["dev_eui"].lower()
    config = DeviceConfig(subentry_id="s", dev_eui=dev_eui, model="network_decoded", name="T1")
    device = Device(config=config)
    ingest = Ingest("tts", {dev_eui: device}, sink, clock=lambda: NOW)
    inner = body["uplink_message"]
    inner.pop("received_at", None)
    body.pop("received_at", None)
    gateway_time = NOW - timedelta(minutes=1)
    inner.setdefault("settings", {})["time"] = gateway_time.isoformat()
    for item in inner.get("rx_metadata", []):
        item["time"] = (NOW - timedelta(minutes=9)).isoformat()

    assert ingest.handle_envelope(body).accepted == 1
    assert device.measured_at == gateway_time


def test_an_older_reading_never_overwrites_a_newer_one(
    ingest: Ingest, device: Device, sink: RecordingSink
) -> None:
    newer = NOW - timedelta(minutes=1)
    older = NOW - timedelta(hours=2)
    ingest.handle_envelope(chirpstack(20, _frame(215, 612), newer), "up")
    sink.updates.clear()

    # A frame of two hours ago, arriving now, after the newer one (its counter is lower).
    result = ingest.handle_envelope(chirpstack(12, _frame(190, 999), older), "up")

    assert result.accepted == 1
    assert result.rejected == []
    assert device.values["temperature"] == 21.5
    assert device.values["co2"] == 612
    assert device.measured_at == newer
    assert sink.updates == []  # no entity writes
    # It is history: the statistics of its own hour take it.
    assert sink.late == [({"temperature": 19.0, "co2": 999}, older, False)]


def test_a_lower_counter_with_a_newer_time_is_still_a_replay(
    ingest: Ingest, device: Device, sink: RecordingSink
) -> None:
    ingest.handle_envelope(chirpstack(20, _frame(215, 612), NOW - timedelta(minutes=5)), "up")
    result = ingest.handle_envelope(chirpstack(12, _frame(190, 999), NOW), "up")
    assert result.accepted == 0
    assert result.rejected == [(ERS, Rejection.REPLAYED_FRAME)]
    assert device.values["co2"] == 612
    assert sink.late == []


def test_a_repeated_frame_is_a_duplicate(ingest: Ingest, sink: RecordingSink) -> None:
    body = chirpstack(3, _frame(215, 612), NOW)
    ingest.handle_envelope(body, "up")
    result = ingest.handle_envelope(body, "up")
    assert (result.accepted, result.duplicates) == (0, 1)
    assert ingest.rejections.duplicates == 1
    assert len(sink.updates) == 1


def test_a_drained_backlog_in_order_is_shown_and_goes_to_its_hours(
    ingest: Ingest, device: Device, sink: RecordingSink
) -> None:
    times = [NOW - timedelta(minutes=m) for m in (120, 60, 3)]
    for f_cnt, at in enumerate(times, start=1):
        ingest.handle_envelope(chirpstack(f_cnt, _frame(200 + f_cnt, 600 + f_cnt), at), "up")

    assert device.values["co2"] == 603  # the newest is the state
    assert device.measured_time("co2") == times[-1]
    # The two late ones (older than LATE_AFTER on arrival) are history in order too.
    assert [(values["co2"], at, in_order) for values, at, in_order in sink.late] == [
        (601, times[0], True),
        (602, times[1], True),
    ]
    assert NOW - times[-1] < LATE_AFTER


def test_a_time_in_the_future_is_taken_as_arrival(ingest: Ingest, device: Device) -> None:
    ingest.handle_envelope(chirpstack(1, _frame(215, 612), NOW + timedelta(days=3)), "up")
    assert device.measured_at == NOW
    # The wrong clock does not hide the next reading as "older".
    ingest.handle_envelope(chirpstack(2, _frame(216, 613), NOW), "up")
    assert device.values["co2"] == 613


def test_unknown_devices_are_held_and_reported(ingest: Ingest, sink: RecordingSink) -> None:
    result = ingest.handle_envelope(chirpstack(1, _frame(215, 612), NOW, STRANGER), "up")
    assert result.rejected == [(STRANGER, Rejection.UNKNOWN_DEVICE)]
    assert [uplink.dev_eui for uplink in sink.unknown] == [STRANGER]
    assert sink.rejections == [(Rejection.UNKNOWN_DEVICE, STRANGER)]


@pytest.mark.parametrize(
    "body",
    [
        {"deviceInfo": {"devEui": "not-hex"}, "fCnt": 1},
        {"deviceInfo": {"devEui": ERS}, "fCnt": "one", "data": "AQ=="},
        {"deviceInfo": {"devEui": ERS}, "fCnt": 1, "data": "AQ==", "time": "yesterday"},
        {"deviceInfo": {"devEui": ERS}, "fCnt": 1, "rxInfo": [{"gwTime": 5}]},
    ],
)
def test_malformed_envelopes_are_rejected_with_nothing_applied(
    ingest: Ingest, device: Device, sink: RecordingSink, body: dict[str, Any]
) -> None:
    result = ingest.handle_envelope(body, "up")
    assert [reason for _, reason in result.rejected] == [Rejection.MALFORMED_ENVELOPE]
    assert device.values == {}
    assert sink.updates == []


def test_an_undecodable_frame_still_counts_as_heard(
    ingest: Ingest, device: Device, sink: RecordingSink
) -> None:
    # Elsys payload spec: TYPE_TEMP (0x01) takes two bytes; this frame is cut after one.
    result = ingest.handle_envelope(chirpstack(1, b"\x01\x00", NOW), "up")
    assert [reason for _, reason in result.rejected] == [Rejection.UNDECODABLE_PAYLOAD]
    assert device.last_seen == NOW
    assert sink.updates == [RADIO_KEYS]


def test_the_measured_times_survive_a_restart(ingest: Ingest, device: Device) -> None:
    at = NOW - timedelta(seconds=10)
    ingest.handle_envelope(chirpstack(1, _frame(215, 612), at), "up")
    stored = json.loads(json.dumps(device.persistent_state()))

    restored = Device(config=device.config)
    restored.restore(stored)
    assert restored.measured_at == at
    assert restored.measured_time("co2") == at
