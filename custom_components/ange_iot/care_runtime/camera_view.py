"""The care cameras' HTTP side: the image of an open look, the card's status, the card itself.

Both views require a logged-in Home Assistant user. An image is fetched from the camera for
each request and handed on with ``Cache-Control: no-store``; it is never written anywhere.
Outside an open look of the requesting user, the answer is a short JSON refusal with a
translation key, not an error trace.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Final

from aiohttp import web
from homeassistant.components.http import StaticPathConfig
from homeassistant.components.http.const import KEY_HASS_USER
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from .camera import CameraRefusedError, CareCameras, cameras_of, look_response

CARD_URL: Final = f"/{DOMAIN}_static/ange-care-camera-card.js"
CARD_FILE: Final = Path(__file__).parents[1] / "frontend" / "ange-care-camera-card.js"
# no-store: neither the browser, a proxy nor the companion app may keep the image.
NO_STORE: Final = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache"}


def _refusal(err: CameraRefusedError) -> web.Response:
    return web.json_response(
        {"refused": True, "reason": err.key, **err.placeholders}, status=err.status, headers=NO_STORE
    )


def room_status(cameras: CareCameras, user: str | None, now: datetime) -> list[dict[str, Any]]:
    """What the card shows per camera room: consent, the next window, the user's own look."""
    rooms = []
    for (code, room), _camera in sorted(cameras.cameras.items()):
        consent = cameras.records.consent(code, room)
        upcoming = cameras.window(code, room, now, upcoming=True)
        look = cameras.records.open_look(code, room, now)
        rooms.append(
            {
                "care_unit": code,
                "room": room,
                "consent": "none" if consent is None else ("active" if consent.active else "withdrawn"),
                # When and for what it was recorded (or withdrawn), as the social documentation has it.
                "consent_scope": None if consent is None else consent.scope.value,
                "consent_changed": None if consent is None else (consent.withdrawn_at or consent.recorded_at).isoformat(),
                "window_open": upcoming is not None and upcoming.contains(now),
                "window_start": None if upcoming is None else upcoming.start.isoformat(),
                "window_end": None if upcoming is None else upcoming.end.isoformat(),
                "check": None if upcoming is None else dt_util.as_local(upcoming.check).strftime("%H:%M"),
                "look_open": look is not None,
                "look": None if look is None or look.user != user else look_response(look),
            }
        )
    return rooms


class CareCameraImageView(HomeAssistantView):
    """One still image of an open look, for the user who opened it."""

    url = "/api/ange_iot/care_camera/look/{look_id}/image"
    name = "api:ange_iot:care_camera:image"
    requires_auth = True

    async def get(self, request: web.Request, look_id: str) -> web.Response:
        """The image, or a refusal."""
        hass = request.app[KEY_HASS]
        user = request[KEY_HASS_USER]
        try:
            for cameras in cameras_of(hass):
                if cameras.records.find(look_id) is not None:
                    look = cameras.look_for(look_id, user.id)
                    body, content_type = await cameras.async_fetch_image(look)
                    return web.Response(body=body, content_type=content_type, headers=NO_STORE)
            raise CameraRefusedError("camera_no_open_look", 409)
        except CameraRefusedError as err:
            return _refusal(err)


class CareCameraStatusView(HomeAssistantView):
    """Each camera room's consent, next window and the user's own open look, for the card."""

    url = "/api/ange_iot/care_camera"
    name = "api:ange_iot:care_camera"
    requires_auth = True

    async def get(self, request: web.Request) -> web.Response:
        """The rooms, across every hub."""
        hass = request.app[KEY_HASS]
        user = request[KEY_HASS_USER]
        now = dt_util.utcnow()
        rooms = [room for cameras in cameras_of(hass) for room in room_status(cameras, user.id, now)]
        return web.json_response({"now": now.isoformat(), "rooms": rooms}, headers=NO_STORE)


async def async_register_care_camera_http(hass: HomeAssistant) -> None:
    """Register the views, serve the card and load it in the frontend (when there is one)."""
    if hass.http.app.router.frozen:
        # Home Assistant keeps its router open for integrations set up late; only a test
        # server that started before the integration freezes it.
        LOGGER.info("The HTTP server's routes are frozen: the safety-camera views are not available")
        return
    hass.http.register_view(CareCameraImageView())
    hass.http.register_view(CareCameraStatusView())
    await hass.http.async_register_static_paths([StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=False)])
    # The frontend is not a dependency (the integration works without it); once HA has
    # started it is set up if it is configured at all.
    async_at_started(hass, _add_card_to_frontend)


@callback
def _add_card_to_frontend(hass: HomeAssistant) -> None:
    if "frontend" in hass.config.components:
        from homeassistant.components.frontend import add_extra_js_url

        add_extra_js_url(hass, CARD_URL)
