"""The logbook describes every care alarm transition: room, kind, what happened, who."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import Context, Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events, async_mock_service

from custom_components.ange_iot import logbook
from custom_components.ange_iot.const import DOMAIN

from .test_care_alarms import DOOR_OPEN, care_device, care_hub_fixture, care_unit

_care_hub = pytest.fixture(name="care_hub")(care_hub_fixture)


@dataclass
class Row:
    """What the logbook hands a describe function: the event's data and its user."""

    data: dict[str, Any]
    context_user_id: str | None


def describer(hass: HomeAssistant) -> Callable[[Event], dict[str, Any]]:
    """The integration's logbook describer, as the logbook integration registers it."""
    found: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {}
    logbook.async_describe_events(hass, lambda domain, name, fn: found.__setitem__((domain, name), fn))
    describe = found[(DOMAIN, "ange_iot_alarm")]
    return lambda event: describe(Row(dict(event.data), event.context.user_id))


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "sv",
            [
                "R3: nattlarm ytterdörr – larm",
                "R3: nattlarm ytterdörr – kvitterat av Nattpersonal 1",
                "R3: nattlarm ytterdörr – på väg: Nattpersonal 1",
                "R3: nattlarm ytterdörr – på plats: Nattpersonal 1",
                "R3: nattlarm ytterdörr – löst av Nattpersonal 1",
            ],
        ),
        (
            "en",
            [
                "R3: night alarm outer door – alarm",
                "R3: night alarm outer door – acknowledged by Nattpersonal 1",
                "R3: night alarm outer door – on the way: Nattpersonal 1",
                "R3: night alarm outer door – arrived: Nattpersonal 1",
                "R3: night alarm outer door – resolved by Nattpersonal 1",
            ],
        ),
    ],
)
async def test_logbook_lines_name_room_kind_state_and_staff(
    hass: HomeAssistant, care_hub: Callable[..., Any], language: str, lines: list[str]
) -> None:
    hass.config.language = language
    async_mock_service(hass, "notify", "duty_phone")
    door = "a81758fffe05d0aa"
    hub = await care_hub(
        care_unit(notify_targets=["notify.duty_phone"]),
        care_device(door, "elsys_ems_door", "Dörr R3", room="R3", role="outer_door"),
        start="2026-01-14T23:00:00",
    )
    staff = await hass.auth.async_create_user("Nattpersonal 1")
    events = async_capture_events(hass, "ange_iot_alarm")
    await hub.send(door, DOOR_OPEN)
    alarm_id = events[0].data["alarm_id"]
    for action in ("ACK", "ONWAY", "ARRIVED", "RESOLVE"):
        hass.bus.async_fire(
            "mobile_app_notification_action", {"action": f"ANGE_{action}_{alarm_id}"},
            context=Context(user_id=staff.id),
        )
        await hass.async_block_till_done()

    describe = describer(hass)
    assert [describe(event)["message"] for event in events] == lines
    assert {describe(event)["name"] for event in events} == {"SOL-2"}
