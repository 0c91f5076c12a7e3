"""The safety-camera actions (open and end a look, record and withdraw consent) and the report hook.

The acting user is always the logged-in Home Assistant user of the call's context: a look or
a consent change without one is refused, so every audit line names a real person's account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..care.camera_gate import ConsentScope, LookEnd
from ..care.identity import is_valid_code
from ..const import DOMAIN
from .camera import CameraRefusedError, CareCameras, cameras_of, look_response, refusal_error

ATTR_CARE_UNIT: Final = "care_unit"
ATTR_ROOM: Final = "room"
ATTR_SCOPE: Final = "scope"
ATTR_LOOK_ID: Final = "look_id"

ROOM_SCHEMA = vol.Schema({vol.Required(ATTR_CARE_UNIT): cv.string, vol.Required(ATTR_ROOM): cv.string})
CONSENT_SCHEMA = ROOM_SCHEMA.extend(
    {vol.Required(ATTR_SCOPE): vol.In([scope.value for scope in ConsentScope])}
)
WITHDRAW_SCHEMA = ROOM_SCHEMA.extend({vol.Optional(ATTR_SCOPE): cv.string})
END_SCHEMA = vol.Schema({vol.Required(ATTR_LOOK_ID): cv.string})


def _cameras_of_room(hass: HomeAssistant, code: str, room: str) -> CareCameras:
    # Text that is not a code (a name typed by mistake) is never echoed back.
    if not (is_valid_code(code) and is_valid_code(room)):
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="invalid_care_code")
    for cameras in cameras_of(hass):
        if cameras.known_room(code, room):
            return cameras
    # Not echoed either: what was typed may still be a name that happens to look like a code.
    raise ServiceValidationError(translation_domain=DOMAIN, translation_key="camera_unknown_room")


def _user(call: ServiceCall) -> str:
    if not call.context.user_id:
        raise refusal_error(CameraRefusedError("camera_refused_no_user", 403))
    return call.context.user_id


async def _start_look(call: ServiceCall) -> ServiceResponse:
    code, room = call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM]
    cameras = _cameras_of_room(call.hass, code, room)
    try:
        # No user is a refusal too, and audited as one.
        look = await cameras.async_start_look(code, room, call.context.user_id)
    except CameraRefusedError as err:
        raise refusal_error(err) from err
    return cast(ServiceResponse, look_response(look))


async def _end_look(call: ServiceCall) -> None:
    user = _user(call)
    for cameras in cameras_of(call.hass):
        if (look := cameras.records.find(call.data[ATTR_LOOK_ID])) is not None:
            if look.user != user:
                raise refusal_error(CameraRefusedError("camera_not_your_look", 403))
            await cameras.async_end_look(look, LookEnd.ENDED_BY_USER, by=user)
            return
    raise refusal_error(CameraRefusedError("camera_no_open_look", 409))


async def _record_consent(call: ServiceCall) -> None:
    user = _user(call)
    code, room = call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM]
    cameras = _cameras_of_room(call.hass, code, room)
    await cameras.async_record_consent(code, room, ConsentScope(call.data[ATTR_SCOPE]), user)


async def _withdraw_consent(call: ServiceCall) -> None:
    user = _user(call)
    code, room = call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM]
    cameras = _cameras_of_room(call.hass, code, room)
    await cameras.async_withdraw_consent(code, room, user)


def add_looks_to_report(hass: HomeAssistant, report: dict[str, Any], start: datetime, end: datetime) -> None:
    """Put the night's camera looks next to each room's sensor checks in a night report."""
    code = str(report.get("care_unit"))
    looks: dict[str, list[dict[str, Any]]] = {}
    for cameras in cameras_of(hass):
        for room, items in cameras.night_looks(code, start, end).items():
            looks.setdefault(room, []).extend(items)
    # Only rooms with a camera (or looks) get the key, so a report without cameras is as before.
    with_camera = {room for cameras in cameras_of(hass) for unit, room in cameras.cameras if unit == code}
    rooms = report.setdefault("rooms", [])
    for entry in rooms:
        if entry.get("room") in with_camera or entry.get("room") in looks:
            entry["camera_looks"] = looks.pop(entry.get("room"), [])
    rooms.extend({"room": room, "checks": [], "camera_looks": items} for room, items in sorted(looks.items()))


@callback
def async_setup_care_camera_services(hass: HomeAssistant) -> None:
    """Register the safety-camera actions."""
    register = hass.services.async_register
    register(DOMAIN, "start_supervision_look", _start_look, schema=ROOM_SCHEMA, supports_response=SupportsResponse.ONLY)
    register(DOMAIN, "end_supervision_look", _end_look, schema=END_SCHEMA)
    register(DOMAIN, "record_camera_consent", _record_consent, schema=CONSENT_SCHEMA)
    register(DOMAIN, "withdraw_camera_consent", _withdraw_consent, schema=WITHDRAW_SCHEMA)
