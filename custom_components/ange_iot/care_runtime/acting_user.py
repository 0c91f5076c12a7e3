"""The acting user of a care action: an existing Home Assistant user, or the caller.

A ``user_id`` passed in an action's data (a notification automation passing on who tapped)
must name a user Home Assistant knows: anything else could be free text, a name or a
personal identity number on its way into the audit log, and is refused.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError

from ..const import DOMAIN

ATTR_USER_ID: Final = "user_id"


async def existing_user(hass: HomeAssistant, user_id: str | None) -> str | None:
    """``user_id`` when Home Assistant has that user; a translated error when it has not."""
    if not user_id:
        return None
    if await hass.auth.async_get_user(user_id) is None:
        # The id itself is not repeated: it may be exactly what must not be shown.
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="unknown_user")
    return user_id


async def actor_of(call: ServiceCall) -> str | None:
    """Who acts: the ``user_id`` in the data (checked), else the calling user."""
    return await existing_user(call.hass, call.data.get(ATTR_USER_ID)) or call.context.user_id
