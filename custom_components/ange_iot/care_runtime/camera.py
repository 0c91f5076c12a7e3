"""Safety cameras (trygghetskameror) of a hub: gated, time-boxed looks with nothing kept.

There is deliberately no ``camera`` entity: Home Assistant lets any user view a camera entity
at any time, and ``camera.snapshot``/``camera.record`` write its images to disk. A care
camera is reached only through this module: a look opens by action, inside an agreed check
window, under the room's camera consent; while it is open the integration's authenticated
view fetches still images on demand and hands them on without keeping them. Every look and
every refusal is written to the care audit log first; if that fails, nothing opens.

The camera's URLs and credentials live in the subentry's data (like the webhook secret in
the entry's) and never appear in a log line, an error or diagnostics.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime, time
from functools import partial
import secrets
import string
from typing import TYPE_CHECKING, Any, Final

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..care.camera_gate import (
    AUDIT_CONSENT_RECORDED,
    AUDIT_CONSENT_WITHDRAWN,
    AUDIT_LOOK_ENDED,
    AUDIT_LOOK_OPENED,
    AUDIT_LOOK_REFUSED,
    CameraConsent,
    CameraRecords,
    ConsentScope,
    Look,
    LookEnd,
    LookWindow,
    checks_in_scope,
    decide,
    look_end,
    next_window,
    window_at,
)
from ..care.errors import CareError
from ..care.supervision import night_of
from ..const import DOMAIN, LOGGER
from .camera_config import CAMERA_SECRETS, SUBENTRY_CARE_CAMERA, CameraConfig, care_cameras
from .config import CareUnitConfig, care_rooms, care_units

if TYPE_CHECKING:
    from .manager import CareManager

# The cameras' settings live in camera_config.py; diagnostics and the flows import
# CAMERA_SECRETS, SUBENTRY_CARE_CAMERA and care_cameras from here.
__all__ = [
    "CAMERA_SECRETS",
    "DATA_CAMERAS",
    "IMAGE_PATH",
    "SUBENTRY_CARE_CAMERA",
    "CameraRefusedError",
    "CareCameras",
    "async_start_care_cameras",
    "cameras_of",
    "care_cameras",
    "look_response",
    "new_look_id",
    "refusal_error",
]

IMAGE_PATH: Final = "/api/ange_iot/care_camera/look/{look_id}/image"
DATA_CAMERAS: HassKey[dict[str, CareCameras]] = HassKey(f"{DOMAIN}_care_cameras")
_STORAGE_VERSION: Final = 1
_FETCH_TIMEOUT: Final = aiohttp.ClientTimeout(total=10)
_MAX_IMAGE_BYTES: Final = 8 * 1024 * 1024


class CameraRefusedError(Exception):
    """A look or an image refused; ``key`` is a translation key, ``status`` the HTTP status."""

    def __init__(self, key: str, status: int = 409, **placeholders: str) -> None:
        super().__init__(key)
        self.key = key
        self.status = status
        self.placeholders = placeholders


def refusal_error(err: CameraRefusedError) -> ServiceValidationError:
    """The translated error an action raises for a refusal."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=err.key, translation_placeholders=err.placeholders
    )


class CareCameras:
    """The care cameras, camera consents and looks of one hub."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, manager: CareManager) -> None:
        self.hass = hass
        self.entry = entry
        self.manager = manager
        self.records = CameraRecords()
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._lock = asyncio.Lock()
        self._store: Store[dict[str, Any]] = Store(
            hass, _STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.care_camera", private=True
        )

    # ------------------------------------------------------------------ lifecycle

    async def async_load(self) -> None:
        """Read consents and recent looks; a look open at shutdown was ended then or is ended now."""
        self.records = CameraRecords.from_dict(await self._store.async_load() or {})
        now = dt_util.utcnow()
        for look in list(self.records.looks):
            if look.ended_at is None:
                await self.async_end_look(look, LookEnd.RESTART, at=now)
        self.records.prune(now)
        await self._save()

    async def async_unload(self) -> None:
        """End every open look: a look never outlives the hub that gated it."""
        for look in list(self.records.looks):
            if look.ended_at is None:
                await self.async_end_look(look, LookEnd.RESTART)
        await self._save()

    async def _save(self) -> None:
        await self._store.async_save(self.records.as_dict())

    # ------------------------------------------------------------------ settings

    @property
    def cameras(self) -> dict[tuple[str, str], CameraConfig]:
        """Read live from the subentries, so an added or removed camera counts at once."""
        return care_cameras(self.entry)

    def _unit(self, code: str) -> CareUnitConfig | None:
        return care_units(self.entry).get(code)

    def known_room(self, code: str, room: str) -> bool:
        """Whether the unit exists and the room is one of its rooms or has a camera."""
        return self._unit(code) is not None and (room in self.manager.rooms_of(code) or (code, room) in self.cameras)

    def _check_times(self, unit: CareUnitConfig, room: str, consent: CameraConsent | None) -> tuple[time, ...]:
        # The room's own check times (a care_room subentry), else its unit's.
        room_config = care_rooms(self.entry).get((unit.code, room))
        times = room_config.check_times if room_config else unit.check_times
        scope = consent.scope if consent is not None else ConsentScope.NIGHT_CHECKS
        return checks_in_scope(times, scope, unit.night_start, unit.night_end)

    def window(self, code: str, room: str, now: datetime, *, upcoming: bool = False) -> LookWindow | None:
        """The room's look window now (or, with ``upcoming``, the next one)."""
        unit, camera = self._unit(code), self.cameras.get((code, room))
        if unit is None or camera is None:
            return None
        times = self._check_times(unit, room, self.records.consent(code, room))
        tz = dt_util.get_default_time_zone()
        find = next_window if upcoming else window_at
        return find(times, now, tz, camera.margin)

    def _paused(self, unit: CareUnitConfig, room: str, now: datetime) -> bool:
        night = night_of(now, unit.night_start, unit.night_end, tz=dt_util.get_default_time_zone())
        return night is not None and self.manager.nights.is_paused(unit.code, room, night)

    # ------------------------------------------------------------------ audit

    async def _audit(
        self, action: str, *, actor: str | None, code: str, room: str, data: Mapping[str, object]
    ) -> None:
        """Write one audit line and wait for it; the caller's action fails when it cannot."""
        audit = self.manager.audit
        if audit is None:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="camera_audit_failed")
        append = partial(
            audit.append, action, at=dt_util.utcnow(), actor=actor, care_unit=code, room=room, data=data
        )
        try:
            await self.hass.async_add_executor_job(append)
        except (OSError, CareError, ValueError) as err:
            # The error's class only: its text could hold a path or a code refused as personal.
            LOGGER.error("Could not write a camera audit line: %s", type(err).__name__)
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="camera_audit_failed") from err

    # ------------------------------------------------------------------ looks

    async def async_start_look(self, code: str, room: str, user: str | None) -> Look:
        """Open a look, or raise ``CameraRefusedError`` after auditing the refusal."""
        async with self._lock:
            now = dt_util.utcnow()
            unit = self._unit(code)
            consent = self.records.consent(code, room)
            camera = self.cameras.get((code, room))
            decision = decide(
                user=user,
                has_camera=camera is not None,
                consent=consent,
                paused=unit is not None and self._paused(unit, room, now),
                window=self.window(code, room, now),
                open_look=self.records.open_look(code, room, now),
            )
            if decision.refusal is not None or camera is None or decision.window is None or user is None:
                reason = decision.refusal.value if decision.refusal is not None else "no_camera"
                await self._audit(AUDIT_LOOK_REFUSED, actor=user, code=code, room=room, data={"reason": reason})
                raise CameraRefusedError(f"camera_refused_{reason}", 403 if reason == "no_user" else 409, room=room)
            look = Look(
                look_id=new_look_id(), care_unit=code, room=room, user=user,
                opened_at=now, ends_at=look_end(now, decision.window, camera.max_look),
            )
            await self._audit(
                AUDIT_LOOK_OPENED, actor=user, code=code, room=room,
                data={"look_id": look.look_id, "ends_at": look.ends_at.isoformat(timespec="seconds"),
                      "check": dt_util.as_local(decision.window.check).strftime("%H:%M")},
            )
            self.records.looks.append(look)
            self._timers[look.look_id] = async_call_later(
                self.hass, (look.ends_at - now).total_seconds(), partial(self._timed_out, look.look_id)
            )
            await self._save()
            return look

    @callback
    def _timed_out(self, look_id: str, _now: datetime) -> None:
        self._timers.pop(look_id, None)
        if (look := self.records.find(look_id)) is not None and look.ended_at is None:
            self.hass.async_create_task(self.async_end_look(look, LookEnd.TIMEOUT), eager_start=True)

    async def async_end_look(
        self, look: Look, reason: LookEnd, *, by: str | None = None, at: datetime | None = None
    ) -> bool:
        """End a look and audit it; ending never fails on the audit (a look may always close)."""
        if (cancel := self._timers.pop(look.look_id, None)) is not None:
            cancel()
        if not self.records.end(look, at or dt_util.utcnow(), reason):
            return False
        data: dict[str, object] = {"look_id": look.look_id, "reason": reason.value}
        if look.ended_at is not None:
            data["ended_at"] = look.ended_at.isoformat(timespec="seconds")
        # Logged by _audit when it fails; the look is closed regardless.
        with suppress(HomeAssistantError):
            await self._audit(AUDIT_LOOK_ENDED, actor=by or look.user, code=look.care_unit, room=look.room, data=data)
        await self._save()
        return True

    def look_for(self, look_id: str, user: str | None) -> Look:
        """The open look ``user`` may see, or ``CameraRefusedError``."""
        look = self.records.find(look_id)
        if look is None or not look.is_open(dt_util.utcnow()):
            raise CameraRefusedError("camera_no_open_look", 409)
        if user is None or look.user != user:
            raise CameraRefusedError("camera_not_your_look", 403)
        return look

    async def async_fetch_image(self, look: Look) -> tuple[bytes, str]:
        """One still image from the room's camera, straight into memory."""
        camera = self.cameras.get((look.care_unit, look.room))
        if camera is None:
            await self.async_end_look(look, LookEnd.CAMERA_REMOVED)
            raise CameraRefusedError("camera_no_open_look", 409)
        headers = _basic_auth(camera.username, camera.password) if camera.username else None
        session = async_get_clientsession(self.hass)
        try:
            async with session.get(camera.still_image_url, headers=headers, timeout=_FETCH_TIMEOUT) as response:
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
                if response.status != 200 or not content_type.startswith("image/"):
                    raise CameraRefusedError("camera_unreachable", 502, room=look.room)
                body = await response.content.read(_MAX_IMAGE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as err:
            # Never the URL or the error text: both may carry the camera's credentials.
            LOGGER.warning("Care camera in %s/%s did not answer: %s", look.care_unit, look.room, type(err).__name__)
            raise CameraRefusedError("camera_unreachable", 502, room=look.room) from err
        if not body or len(body) > _MAX_IMAGE_BYTES:
            raise CameraRefusedError("camera_unreachable", 502, room=look.room)
        return body, content_type

    # ------------------------------------------------------------------ consent

    async def async_record_consent(self, code: str, room: str, scope: ConsentScope, user: str) -> CameraConsent:
        """Record the room's camera consent; audited before it counts."""
        now = dt_util.utcnow()
        await self._audit(AUDIT_CONSENT_RECORDED, actor=user, code=code, room=room, data={"scope": scope.value})
        consent = self.records.record_consent(code, room, by=user, scope=scope, at=now)
        await self._save()
        return consent

    async def async_withdraw_consent(self, code: str, room: str, user: str) -> CameraConsent:
        """Withdraw the room's camera consent: an open look ends at once."""
        now = dt_util.utcnow()
        consent = self.records.withdraw_consent(code, room, by=user, at=now)
        # Looks stop before anything can fail: a withdrawal counts even if the audit does not.
        if (look := self.records.open_look(code, room, now)) is not None:
            await self.async_end_look(look, LookEnd.CONSENT_WITHDRAWN, by=user)
        await self._save()
        await self._audit(AUDIT_CONSENT_WITHDRAWN, actor=user, code=code, room=room, data={})
        return consent

    # ------------------------------------------------------------------ views

    def night_looks(self, code: str, start: datetime, end: datetime) -> dict[str, list[dict[str, Any]]]:
        """A unit's looks of one night by room, for the morning report."""
        found: dict[str, list[dict[str, Any]]] = {}
        for look in self.records.looks_between(code, start, end):
            found.setdefault(look.room, []).append(
                {
                    "opened": dt_util.as_local(look.opened_at).strftime("%H:%M:%S"),
                    "ended": None if look.ended_at is None else dt_util.as_local(look.ended_at).strftime("%H:%M:%S"),
                    "by": look.user,
                    "end_reason": None if look.end_reason is None else look.end_reason.value,
                }
            )
        return found


def new_look_id() -> str:
    """An unguessable look id of letters only (about 122 bits).

    Letters only: a random hex id now and then holds ten digits in a row, which the audit
    log's personal-data screen may take for a personal identity number and refuse.
    """
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(26))


def look_response(look: Look) -> dict[str, Any]:
    """What the start action returns and the card needs: the id, the end and the image path."""
    return {
        "look_id": look.look_id,
        "care_unit": look.care_unit,
        "room": look.room,
        "ends_at": look.ends_at.isoformat(),
        "image_path": IMAGE_PATH.format(look_id=look.look_id),
        # The same path under the name HA's own camera API uses for its image address.
        "image_url": IMAGE_PATH.format(look_id=look.look_id),
    }


def cameras_of(hass: HomeAssistant) -> list[CareCameras]:
    """The care camera runtimes of every loaded hub."""
    return list(hass.data.get(DATA_CAMERAS, {}).values())


async def async_start_care_cameras(hass: HomeAssistant, entry: ConfigEntry, manager: CareManager) -> None:
    """Start a hub's care cameras with the hub, and end their looks when it unloads."""
    cameras = CareCameras(hass, entry, manager)
    await cameras.async_load()
    hass.data.setdefault(DATA_CAMERAS, {})[entry.entry_id] = cameras

    async def _unload() -> None:
        hass.data.get(DATA_CAMERAS, {}).pop(entry.entry_id, None)
        await cameras.async_unload()

    async def _updated(_hass: HomeAssistant, _entry: ConfigEntry) -> None:
        # A camera removed from the hub ends its open look at once, not at the next image.
        now, present = dt_util.utcnow(), cameras.cameras
        for look in list(cameras.records.looks):
            if look.is_open(now) and (look.care_unit, look.room) not in present:
                await cameras.async_end_look(look, LookEnd.CAMERA_REMOVED)

    entry.async_on_unload(_unload)
    entry.async_on_unload(entry.add_update_listener(_updated))


def _basic_auth(username: str, password: str | None) -> dict[str, str]:
    """The camera's HTTP basic authentication header (aiohttp deprecates its BasicAuth)."""
    token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}
