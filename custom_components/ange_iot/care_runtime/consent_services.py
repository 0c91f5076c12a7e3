"""Consent actions: record and withdraw a resident's consent to digital supervision.

Each writes its audit line (who recorded it, when, which room and scope) before the consent
book changes; when the line cannot be written the action fails and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from typing import Final

from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from ..care.audit import AuditAction
from ..care.consent import ConsentBook, ConsentRecord, ConsentScope
from ..care.errors import CareError
from ..const import DOMAIN
from ..services_common import loaded_hubs
from .acting_user import ATTR_USER_ID, actor_of
from .manager import CareManager

ATTR_CARE_UNIT: Final = "care_unit"
ATTR_ROOM: Final = "room"
ATTR_SCOPE: Final = "scope"

CONSENT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CARE_UNIT): cv.string,
        vol.Required(ATTR_ROOM): cv.string,
        vol.Optional(ATTR_SCOPE, default=ConsentScope.NIGHT_SUPERVISION.value): vol.In(
            [scope.value for scope in ConsentScope]
        ),
        vol.Optional(ATTR_USER_ID): cv.string,
    }
)


def _room_of(hass: HomeAssistant, code: str, room: str) -> CareManager:
    for hub in loaded_hubs(hass):
        manager = hub.care
        if code in manager.unit_codes():
            if room not in manager.night.rooms(code):
                raise ServiceValidationError(
                    translation_domain=DOMAIN, translation_key="unknown_room",
                    translation_placeholders={"care_unit": code, "room": room},
                )
            return manager
    raise ServiceValidationError(
        translation_domain=DOMAIN, translation_key="unknown_care_unit", translation_placeholders={"care_unit": code}
    )


async def _change(
    call: ServiceCall, action: AuditAction, change: Callable[[ConsentBook, str | None], ConsentRecord]
) -> None:
    code, room = call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM]
    manager = _room_of(call.hass, code, room)
    user = await actor_of(call)
    try:
        # Tried on a copy first: a refused change writes no line and changes nothing.
        trial = change(copy.deepcopy(manager.night.consents), user)
    except CareError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key=err.translation_key,
            translation_placeholders=dict(err.translation_placeholders),
        ) from err
    await manager.audit_writer.async_write(
        action, actor=user, care_unit=code, room=room, data={"scope": trial.scope.value}
    )
    change(manager.night.consents, user)
    manager.sync()


async def _record(call: ServiceCall) -> None:
    now = dt_util.utcnow()
    await _change(
        call, AuditAction.CONSENT_RECORDED,
        lambda book, user: book.record(call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM], call.data[ATTR_SCOPE], by=user, at=now),
    )


async def _withdraw(call: ServiceCall) -> None:
    now = dt_util.utcnow()
    await _change(
        call, AuditAction.CONSENT_WITHDRAWN,
        lambda book, user: book.withdraw(call.data[ATTR_CARE_UNIT], call.data[ATTR_ROOM], call.data[ATTR_SCOPE], by=user, at=now),
    )


@callback
def async_setup_consent_services(hass: HomeAssistant) -> None:
    """Register the consent actions."""
    hass.services.async_register(DOMAIN, "record_consent", _record, schema=CONSENT_SCHEMA)
    hass.services.async_register(DOMAIN, "withdraw_consent", _withdraw, schema=CONSENT_SCHEMA)
