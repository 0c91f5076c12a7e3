"""Every reading at its true time: measured_at, ordering, and late history in the statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import (
    async_import_statistics,
    statistics_during_period,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ange_iot.const import DOMAIN

from .conftest import CARE_DOOR, EMS_DOOR_OPEN, ERS_CO2, device_subentry
from .helpers import entity_id, post, state_of

Envelope = Callable[..., dict[str, Any]]
METER = "0004a30b00000001"
FRIDGE = "a81758fffe0b0002"
# Just after the recorder's 12:30 short-term compile, well before the next one.
NOW = datetime(2026, 12, 6, 12, 31, tzinfo=UTC)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, hass: HomeAssistant, enable_custom_integrations: None, tmp_path: Path
) -> None:
    """The recorder must start before Home Assistant does in these tests."""
    hass.config.config_dir = str(tmp_path)


def _frame(temperature_tenths: int, co2: int) -> bytes:
    """An Elsys frame with temperature (0x01) and CO2 (0x06)."""
    return b"\x01" + temperature_tenths.to_bytes(2, "big", signed=True) + b"\x06" + co2.to_bytes(2, "big")


@pytest.fixture
async def hub(
    hass: HomeAssistant, hub_data: dict[str, Any], freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    freezer.move_to(NOW)
    await hass.config.async_set_time_zone("UTC")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Hub",
        data=hub_data,
        subentries_data=[
            device_subentry(ERS_CO2, "elsys_ers_co2", "Dagrum"),
            device_subentry(FRIDGE, "elsys_ers_co2", "Kylrum", role="fridge"),
            device_subentry(METER, "network_decoded", "Storgatan 3", role="water_meter", meter_id="ÅNG-1"),
            device_subentry(CARE_DOOR, "elsys_ems_door", "Ytterdörr"),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _meter_up(chirpstack_up: Envelope, f_cnt: int, volume: float, at: datetime) -> dict[str, Any]:
    body = chirpstack_up(METER, b"", f_cnt, time=at.isoformat())
    body.pop("data")
    body["object"] = {"volume": volume}
    return body


async def _hourly(hass: HomeAssistant, statistic_id: str, types: set[Any]) -> dict[datetime, dict[str, Any]]:
    """Imported rows are written by the recorder's thread: wait for them, then read."""
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, NOW - timedelta(days=1), None, {statistic_id}, "hour", None, types
    )
    return {dt_util.utc_from_timestamp(row["start"]): row for row in rows.get(statistic_id, [])}


async def _let_late_history_settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Late readings are imported together a moment after the last one."""
    freezer.tick(timedelta(seconds=3))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)


async def test_entities_say_when_their_value_was_measured(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    measured = NOW - timedelta(seconds=4)
    await post(client, chirpstack_up(ERS_CO2, _frame(215, 612), 7, time=measured.isoformat()))
    await post(client, chirpstack_up(CARE_DOOR, EMS_DOOR_OPEN, 3, time=measured.isoformat()))
    await hass.async_block_till_done()

    co2 = state_of(hass, "sensor", ERS_CO2, "co2")
    assert co2.state == "612"
    assert datetime.fromisoformat(co2.attributes["measured_at"]) == measured
    door = state_of(hass, "binary_sensor", CARE_DOOR, "door_open")
    assert door.state == "on"
    assert datetime.fromisoformat(door.attributes["measured_at"]) == measured


async def test_an_older_reading_arriving_later_does_not_overwrite(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    newer = NOW - timedelta(minutes=1)
    await post(client, chirpstack_up(ERS_CO2, _frame(215, 612), 20, time=newer.isoformat()))
    # A frame of two hours ago (lower counter, older network-server time) arrives now.
    status, answer = await post(
        client, chirpstack_up(ERS_CO2, _frame(190, 999), 12, time=(NOW - timedelta(hours=2)).isoformat())
    )
    await hass.async_block_till_done()

    assert status == 200
    assert answer["accepted"] == 1
    assert answer["rejected"] == []
    co2 = state_of(hass, "sensor", ERS_CO2, "co2")
    assert co2.state == "612"
    assert datetime.fromisoformat(co2.attributes["measured_at"]) == newer
    assert state_of(hass, "sensor", ERS_CO2, "temperature").state == "21.5"


async def test_a_drained_backlog_lands_in_the_statistics_of_its_hours(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    backlog = [  # (measured at, temperature in tenths, CO2): three hours of an outage
        (datetime(2026, 12, 6, 9, 10, tzinfo=UTC), 200, 500),
        (datetime(2026, 12, 6, 10, 10, tzinfo=UTC), 210, 600),
        (datetime(2026, 12, 6, 10, 40, tzinfo=UTC), 230, 800),
        (datetime(2026, 12, 6, 11, 50, tzinfo=UTC), 220, 700),
        (NOW - timedelta(seconds=30), 225, 650),  # the live one that follows
    ]
    for f_cnt, (at, tenths, co2) in enumerate(backlog, start=1):
        await post(client, chirpstack_up(ERS_CO2, _frame(tenths, co2), f_cnt, time=at.isoformat()))
    await _let_late_history_settle(hass, freezer)

    # The state is the newest reading, at its time.
    co2_state = state_of(hass, "sensor", ERS_CO2, "co2")
    assert co2_state.state == "650"
    rows = await _hourly(hass, entity_id(hass, "sensor", ERS_CO2, "co2"), {"mean", "min", "max"})
    hour = lambda h: datetime(2026, 12, 6, h, tzinfo=UTC)  # noqa: E731
    assert rows[hour(9)]["mean"] == pytest.approx(500)
    assert (rows[hour(10)]["min"], rows[hour(10)]["max"]) == (600, 800)
    assert rows[hour(10)]["mean"] == pytest.approx(700)
    assert rows[hour(11)]["mean"] == pytest.approx(700)
    # Not in the hour it arrived: the recorder compiles that one from the states.
    assert hour(12) not in rows
    temperature = await _hourly(hass, entity_id(hass, "sensor", ERS_CO2, "temperature"), {"mean"})
    assert temperature[hour(10)]["mean"] == pytest.approx(22.0)


async def test_late_readings_taken_just_before_home_assistant_stops_reach_the_statistics(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
) -> None:
    client = await hass_client_no_auth()
    measured = datetime(2026, 12, 6, 10, 10, tzinfo=UTC)
    await post(client, chirpstack_up(ERS_CO2, _frame(200, 500), 1, time=measured.isoformat()))
    await hass.async_block_till_done()
    # HA stops before the batch's import would have run; stopping unloads no hub.
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    rows = await _hourly(hass, entity_id(hass, "sensor", ERS_CO2, "co2"), {"mean"})
    assert rows[datetime(2026, 12, 6, 10, tzinfo=UTC)]["mean"] == pytest.approx(500)


async def test_a_meter_backlog_counts_at_its_hours_and_bills_by_them(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    at = lambda h, m=0: datetime(2026, 12, 6, h, m, tzinfo=UTC)  # noqa: E731
    # The meter's entity exists from before the outage.
    volume = er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"{METER}_volume",
        capabilities={"state_class": "total_increasing"},
        unit_of_measurement="m³",
    ).entity_id
    # What the recorder had compiled before the outage: 100 m³, sum 10 m³ at 07:00.
    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.NONE,
        "has_sum": True,
        "name": None,
        "source": "recorder",
        "statistic_id": volume,
        "unit_of_measurement": "m³",
    }
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = "volume"
    async_import_statistics(hass, metadata, [{"start": at(7), "state": 100.0, "sum": 10.0}])  # type: ignore[arg-type]
    await async_wait_recording_done(hass)

    # The bridge drains what the meter sent while the link was down.
    await post(client, _meter_up(chirpstack_up, 1, 100.5, at(8, 20)))
    await post(client, _meter_up(chirpstack_up, 2, 101.0, at(10, 15)))
    await _let_late_history_settle(hass, freezer)

    rows = await _hourly(hass, volume, {"state", "sum"})
    assert (rows[at(8)]["state"], rows[at(8)]["sum"]) == (100.5, pytest.approx(10.5))
    # The hour without a reading keeps the sum reached, so no hour counts backwards.
    assert (rows[at(9)]["state"], rows[at(9)]["sum"]) == (100.5, pytest.approx(10.5))
    assert (rows[at(10)]["state"], rows[at(10)]["sum"]) == (101.0, pytest.approx(11.0))
    assert rows[at(11)]["sum"] == pytest.approx(11.0)

    # The billing export reads the hours: 08:00-11:00 used the metre that arrived late.
    response = await hass.services.async_call(
        DOMAIN,
        "export_meter_readings",
        {"start": "2026-12-06 08:00:00", "end": "2026-12-06 11:00:00"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    (meter,) = response["meters"]  # type: ignore[misc]
    assert meter["reading_start"] == 100.0
    assert meter["reading_end"] == 101.0
    assert meter["consumption"] == pytest.approx(1.0)


async def test_haccp_log_shows_late_temperatures_at_their_hours(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Envelope,
    freezer: FrozenDateTimeFactory,
) -> None:
    client = await hass_client_no_auth()
    readings = [(datetime(2026, 12, 6, 9, 5, tzinfo=UTC), 30), (datetime(2026, 12, 6, 9, 35, tzinfo=UTC), 90)]
    for f_cnt, (at, tenths) in enumerate(readings, start=1):
        await post(client, chirpstack_up(FRIDGE, _frame(tenths, 420), f_cnt, time=at.isoformat()))
    await _let_late_history_settle(hass, freezer)

    response = await hass.services.async_call(
        DOMAIN,
        "export_haccp_log",
        {"start": "2026-12-06 08:00:00", "end": "2026-12-06 12:00:00"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    rows = response["rows"]
    assert [row["hour_start"] for row in rows] == ["2026-12-06T09:00:00+00:00"]  # type: ignore[index]
    assert (rows[0]["min"], rows[0]["max"]) == (3.0, 9.0)  # type: ignore[index]
    assert rows[0]["within_limits"] is False  # type: ignore[index]
