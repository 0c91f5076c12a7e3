"""Which roles a device model can serve: a snow station needs a distance, a meter a volume.

Pure, like the rest of derived/. A role is only offered, or accepted from an import file,
when the model reports the readings that role's derived values are computed from; so an
Elsys room sensor is never set up as a snow station. ``network_decoded`` devices report
whatever the network server decodes, which cannot be known up front: every role fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..lorawan.codecs import MODELS

MODEL_NETWORK_DECODED: Final = "network_decoded"
ROLE_NONE: Final = "none"

# Each role and the readings it needs; any one of them is enough.
ROLE_NEEDS: Final[Mapping[str, frozenset[str]]] = {
    "snow_station": frozenset({"distance"}),
    "waste_bin": frozenset({"distance"}),
    "lake": frozenset({"water_temperature", "external_temperature", "temperature"}),
    "fridge": frozenset({"temperature", "external_temperature"}),
    "freezer": frozenset({"temperature", "external_temperature"}),
    "cold_room": frozenset({"temperature", "external_temperature"}),
    "dry_store": frozenset({"temperature", "external_temperature"}),
    "water_meter": frozenset({"volume"}),
    "trail": frozenset({"people_in", "people_total", "motion"}),
    "intrusion": frozenset({"occupancy", "motion", "door_open", "window_open"}),
    "bed": frozenset({"occupancy"}),
    "outer_door": frozenset({"door_open"}),
    "room_presence": frozenset({"motion", "occupancy"}),
}


def roles_for_model(model_id: str) -> frozenset[str]:
    """The roles ``model_id`` can serve ("none" always); empty for an unknown model."""
    if model_id == MODEL_NETWORK_DECODED:
        return frozenset({ROLE_NONE, *ROLE_NEEDS})
    info = MODELS.get(model_id)
    if info is None:
        return frozenset()
    return frozenset(
        {ROLE_NONE, *(role for role, needs in ROLE_NEEDS.items() if needs & info.keys)}
    )


def role_fits_model(role: str, model_id: str) -> bool:
    """Whether a device of ``model_id`` can serve ``role``."""
    return role in roles_for_model(model_id)
