"""Display names of Home Assistant users, for refusals and the logbook.

The users who respond to care alarms are staff with HA accounts, never residents. The
names are cached because the logbook describes events synchronously; the cache is filled
when the care runtime starts and again after every response.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback

from ..const import DOMAIN

# What is shown instead of a user id that belongs to nobody (or no user at all).
NOBODY: Final = "–"
_USER_NAMES: Final = f"{DOMAIN}_user_names"


async def async_refresh_user_names(hass: HomeAssistant) -> dict[str, str]:
    """HA users' display names by id, cached."""
    names = {user.id: user.name for user in await hass.auth.async_get_users() if user.name}
    hass.data[_USER_NAMES] = names
    return names


@callback
def user_name(hass: HomeAssistant, user_id: object) -> str:
    """A user's display name from the cache; a dash for none or an unknown id."""
    names: dict[str, str] = hass.data.get(_USER_NAMES, {})
    return names.get(user_id, NOBODY) if isinstance(user_id, str) else NOBODY
