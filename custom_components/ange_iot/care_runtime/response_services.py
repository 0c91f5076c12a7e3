"""Staff responses as actions, refused in plain language, and the test mode action.

``acknowledge_alarm``, ``alarm_on_the_way``, ``alarm_arrived`` and ``resolve_alarm`` all
go through :meth:`CareManager.async_respond`, like a tap on the phone, which writes
the audit line before the alarm moves. A refusal names who did
what and when ("Redan kvitterat av Nattpersonal 1 kl. 02:14"): the user's display name
comes from Home Assistant's users (staff accounts, never residents).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ..care.errors import CareError
from ..const import DOMAIN
from ..services_common import loaded_hubs
from .acting_user import ATTR_USER_ID, actor_of
from .provlarm import DEFAULT_TEST_MINUTES
from .users import async_refresh_user_names, user_name

if TYPE_CHECKING:
    from .manager import CareManager

ATTR_ALARM_ID: Final = "alarm_id"
RESPONSE_SCHEMA = vol.Schema({vol.Required(ATTR_ALARM_ID): cv.string, vol.Optional(ATTR_USER_ID): cv.string})
TEST_MODE_SCHEMA = vol.Schema(
    {
        vol.Required("care_unit"): cv.string,
        vol.Required("enabled"): cv.boolean,
        vol.Optional("minutes", default=DEFAULT_TEST_MINUTES): vol.All(vol.Coerce(float), vol.Range(min=1, max=1440)),
    }
)
async def async_plain_error(hass: HomeAssistant, err: CareError) -> ServiceValidationError:
    """The translated refusal, with the user's name and the local time in its text."""
    placeholders = dict(err.translation_placeholders)
    if "user" in placeholders:
        await async_refresh_user_names(hass)
        placeholders["user"] = user_name(hass, placeholders["user"] or None)
    if (moment := dt_util.parse_datetime(placeholders.get("time", ""))) is not None:
        placeholders["time"] = dt_util.as_local(moment).strftime("%H:%M")
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=err.translation_key, translation_placeholders=placeholders
    )


def manager_of_alarm(hass: HomeAssistant, alarm_id: str) -> CareManager:
    """The care manager that knows this alarm; a translated refusal otherwise."""
    for hub in loaded_hubs(hass):
        if alarm_id in {a.alarm_id for a in (*hub.care.book.open_alarms(), *hub.care.book.closed_alarms())}:
            return hub.care
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_alarm", translation_placeholders={"alarm_id": alarm_id}
    )


async def async_respond(call: ServiceCall, response: str, outcome: str | None = None) -> None:
    """Carry out one staff response from an action call."""
    alarm_id = call.data[ATTR_ALARM_ID]
    manager = manager_of_alarm(call.hass, alarm_id)
    user = await actor_of(call)
    try:
        await manager.staff.async_respond(response, alarm_id, user, outcome=outcome)
    except CareError as err:
        raise await async_plain_error(call.hass, err) from err


async def _on_the_way(call: ServiceCall) -> None:
    await async_respond(call, "on_the_way")


async def _arrived(call: ServiceCall) -> None:
    await async_respond(call, "arrived")


async def _set_test_mode(call: ServiceCall) -> ServiceResponse:
    code = call.data["care_unit"]
    for hub in loaded_hubs(call.hass):
        if code in hub.care.unit_codes():
            until = hub.care.tests.set_mode(code, call.data["enabled"], call.data["minutes"], call.context.user_id)
            return {"care_unit": code, "test_mode": until is not None, "until": None if until is None else until.isoformat()}
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_care_unit", translation_placeholders={"care_unit": code}
    )


@callback
def async_setup_response_services(hass: HomeAssistant) -> None:
    """Register the responses that have no older action of their own, and test mode."""
    register = hass.services.async_register
    register(DOMAIN, "alarm_on_the_way", _on_the_way, schema=RESPONSE_SCHEMA)
    register(DOMAIN, "alarm_arrived", _arrived, schema=RESPONSE_SCHEMA)
    register(DOMAIN, "set_test_mode", _set_test_mode, schema=TEST_MODE_SCHEMA, supports_response=SupportsResponse.OPTIONAL)
