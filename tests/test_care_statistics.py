"""Response times and alarms per kind as sensors that become long-term statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events, async_mock_service

from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import (
    BUTTON,
    WS101_PRESS,
    care_device,
    care_hub_fixture,
    care_unit,
    unit_entity,
)

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)


def value(hass: HomeAssistant, key: str) -> tuple[str, dict[str, Any]]:
    state = hass.states.get(unit_entity(hass, "sensor", key))
    assert state is not None
    return state.state, dict(state.attributes)


async def test_response_times_and_counts(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    async_mock_service(hass, "notify", "duty_phone")
    hub = await care_hub(
        care_unit(notify_targets=["notify.duty_phone"], escalate_after_minutes=30),
        care_device(BUTTON, "milesight_ws101", "Larm R12"),
    )
    events = async_capture_events(hass, "ange_iot_alarm")
    assert value(hass, "acknowledge_median_today")[0] == "unknown"

    # Three alarms, acknowledged after 1, 2 and 6 minutes; arrivals after 3, 4 and 10.
    for ack_after, arrive_after in ((1, 3), (2, 4), (6, 10)):
        await hub.send(BUTTON, WS101_PRESS)
        alarm_id = events[-1].data["alarm_id"]
        await hub.minutes(ack_after)
        await hass.services.async_call(DOMAIN, "acknowledge_alarm", {"alarm_id": alarm_id}, blocking=True)
        await hub.minutes(arrive_after - ack_after)
        await hass.services.async_call(DOMAIN, "alarm_arrived", {"alarm_id": alarm_id}, blocking=True)
        await hass.services.async_call(
            DOMAIN, "resolve_alarm", {"alarm_id": alarm_id, "outcome": "on_site"}, blocking=True
        )
    # A test alarm does not count.
    await hass.services.async_call(DOMAIN, "set_test_mode", {"care_unit": "SOL-2", "enabled": True}, blocking=True)
    await hub.send(BUTTON, WS101_PRESS)
    await hub.minutes(1)

    state, attributes = value(hass, "acknowledge_median_today")
    assert float(state) == 2.0
    assert attributes["unit_of_measurement"] == "min"
    assert attributes["state_class"] == "measurement"
    assert attributes["category"] == "care"
    assert float(value(hass, "acknowledge_p90_today")[0]) == 6.0
    assert float(value(hass, "arrival_median_30d")[0]) == 4.0
    assert float(value(hass, "arrival_p90_30d")[0]) == 10.0
    count, attributes = value(hass, "alarms_today_call_button")
    assert int(count) == 3
    assert attributes["state_class"] == "total_increasing"
    assert value(hass, "alarms_today_water_leak")[0] == "0"

    # A new day starts from zero; the month still has them.
    await hub.at("2026-01-15T08:00:00")
    assert value(hass, "alarms_today_call_button")[0] == "0"
    assert value(hass, "acknowledge_median_today")[0] == "unknown"
    assert float(value(hass, "acknowledge_median_30d")[0]) == 2.0


async def test_swedish_entity_ids_the_care_dashboard_shows(hass: HomeAssistant, care_hub: Callable[..., Any]) -> None:
    hass.config.language = "sv"
    await care_hub(care_unit(), care_device(BUTTON, "milesight_ws101", "Larm R12"))
    for entity_id in (
        "sensor.sol_2_tid_till_kvittering_median_i_dag",
        "sensor.sol_2_tid_till_ankomst_median_i_dag",
        "sensor.sol_2_tid_till_kvittering_90_e_percentil_30_dagar",
        "sensor.sol_2_tid_till_ankomst_90_e_percentil_30_dagar",
        "sensor.sol_2_larm_i_dag_larmknapp",
    ):
        assert hass.states.get(entity_id) is not None, entity_id
