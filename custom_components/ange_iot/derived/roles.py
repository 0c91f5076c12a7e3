"""What a device is used for (its role), the derived features roles give, and which models fit.

One vocabulary, shared by the device flows, the CSV import, derived/ and the care glue:
a role stored in a device subentry is a ``Role`` value, a feature in ``Device.features``
is keyed by a ``FeatureName``. Pure Python, no Home Assistant, so the CSV import checks
a row with the same rule the flows use.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from ..const import MODEL_NETWORK_DECODED
from ..lorawan.codecs import MODELS
from .cold_chain import StorageRole
from .lake import ALL_SOURCES


class Role(StrEnum):
    """The roles staff pick for a device; stored under the subentry key ``role``."""

    NONE = "none"
    SNOW_STATION = "snow_station"
    WASTE_BIN = "waste_bin"
    LAKE = "lake"
    FRIDGE = StorageRole.FRIDGE.value
    FREEZER = StorageRole.FREEZER.value
    COLD_ROOM = StorageRole.COLD_ROOM.value
    DRY_STORE = StorageRole.DRY_STORE.value
    WATER_METER = "water_meter"
    TRAIL = "trail"
    INTRUSION = "intrusion"
    # Care roles: which sensor of a care room this is (care_manager reads them).
    BED = "bed"
    OUTER_DOOR = "outer_door"
    ROOM_PRESENCE = "room_presence"


class FeatureName(StrEnum):
    """The keys of the derived features a device has (see ``build_features``)."""

    SNOW = "snow"
    BIN = "bin"
    LAKE = "lake"
    COLD_CHAIN = "cold_chain"
    WATER_METER = "water_meter"
    VISITORS = "visitors"


STORAGE_ROLES: Final = frozenset(Role(role.value) for role in StorageRole)
CARE_ROLES: Final = frozenset({Role.BED, Role.OUTER_DOOR, Role.ROOM_PRESENCE})

# The readings each role works from; a model must measure at least one of them.
# They are the keys the features read: snow.py and waste_bin.py read distance, lake.py
# its sources, cold_chain.py temperature, water_meter.py volume, visitors.py counts,
# intrusion.py presence, and care_runtime/room_watch.py occupancy, door_open and motion.
_READINGS: Final[Mapping[Role, frozenset[str]]] = {
    Role.SNOW_STATION: frozenset({"distance"}),
    Role.WASTE_BIN: frozenset({"distance"}),
    Role.LAKE: frozenset(ALL_SOURCES),
    **{role: frozenset({"temperature"}) for role in STORAGE_ROLES},
    Role.WATER_METER: frozenset({"volume"}),
    Role.TRAIL: frozenset({"people_in", "motion", "people_total"}),
    Role.INTRUSION: frozenset({"occupancy", "motion", "door_open", "window_open"}),
    Role.BED: frozenset({"occupancy"}),
    Role.OUTER_DOOR: frozenset({"door_open"}),
    Role.ROOM_PRESENCE: frozenset({"motion", "occupancy"}),
}


def readings_for_role(role: Role) -> frozenset[str]:
    """The reading keys a role works from (any one of them is enough); empty for NONE."""
    return _READINGS.get(role, frozenset())


def roles_for_model(model_id: str) -> frozenset[Role]:
    """The roles a device of this model can serve, given the readings its codec produces.

    A device decoded by the network server may send anything, so every role fits; an
    unknown model fits only ``Role.NONE``.
    """
    if model_id == MODEL_NETWORK_DECODED:
        return frozenset(Role)
    if (model := MODELS.get(model_id)) is None:
        return frozenset({Role.NONE})
    return frozenset(
        role for role in Role if role is Role.NONE or readings_for_role(role) & model.keys
    )


def role_fits_model(role: str, model_id: str) -> bool:
    """Whether a device of ``model_id`` can serve ``role``; False for an unknown role."""
    return role in Role and Role(role) in roles_for_model(model_id)
