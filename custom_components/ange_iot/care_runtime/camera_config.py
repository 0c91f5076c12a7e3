"""A care camera's settings, as its subentry holds them: the room it watches and how to reach it.

The URLs and credentials are secrets (they may carry a password): they stay in the
subentry's data, out of every repr, and diagnostics redact them by ``CAMERA_SECRETS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME

from ..care.camera_gate import DEFAULT_MARGIN, DEFAULT_MAX_LOOK

SUBENTRY_CARE_CAMERA: Final = "care_camera"
CONF_STILL_IMAGE_URL: Final = "still_image_url"
CONF_STREAM_URL: Final = "stream_url"
CONF_LOOK_MARGIN: Final = "look_margin_minutes"
CONF_MAX_LOOK: Final = "max_look_seconds"
# Keys diagnostics must never show, whatever dictionary they turn up in.
CAMERA_SECRETS: Final = frozenset({CONF_STILL_IMAGE_URL, CONF_STREAM_URL, CONF_USERNAME, CONF_PASSWORD})


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """One care camera; its URLs and credentials are left out of repr so no log shows them."""

    subentry_id: str
    care_unit: str
    room: str
    still_image_url: str = field(repr=False)
    stream_url: str | None = field(default=None, repr=False)
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    margin: timedelta = DEFAULT_MARGIN
    max_look: timedelta = DEFAULT_MAX_LOOK

    @classmethod
    def from_data(cls, subentry_id: str, data: Mapping[str, Any]) -> CameraConfig:
        """Read a care_camera subentry's data."""
        return cls(
            subentry_id=subentry_id,
            care_unit=str(data["care_unit"]),
            room=str(data["room"]),
            still_image_url=str(data[CONF_STILL_IMAGE_URL]),
            stream_url=data.get(CONF_STREAM_URL) or None,
            username=data.get(CONF_USERNAME) or None,
            password=data.get(CONF_PASSWORD) or None,
            margin=timedelta(minutes=float(data.get(CONF_LOOK_MARGIN, DEFAULT_MARGIN.total_seconds() / 60))),
            max_look=timedelta(seconds=float(data.get(CONF_MAX_LOOK, DEFAULT_MAX_LOOK.total_seconds()))),
        )


def care_cameras(entry: ConfigEntry) -> dict[tuple[str, str], CameraConfig]:
    """The hub's care cameras by (care unit, room)."""
    found = {}
    for sub in entry.subentries.values():
        if sub.subentry_type == SUBENTRY_CARE_CAMERA and {"care_unit", "room", CONF_STILL_IMAGE_URL} <= set(sub.data):
            camera = CameraConfig.from_data(sub.subentry_id, sub.data)
            found[(camera.care_unit, camera.room)] = camera
    return found
