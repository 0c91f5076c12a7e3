"""Check every row of a device file before anything is applied: all of it, or nothing.

Pure Python. Each row becomes the device subentry data the device form would store (same
keys, same types), so an imported device behaves exactly like one added by hand. The
first bad row stops the import with its row number and reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
import re
from typing import Any, Final

from ..care.identity import is_valid_code, looks_like_identity_number
from ..const import MODEL_NETWORK_DECODED
from ..derived.roles import CARE_ROLES, Role, role_fits_model
from ..derived.visitors import parse_season_start
from ..lorawan.codecs import MODELS
from ..lorawan.codecs.guess import best_match
from ..lorawan.uplink import normalize_dev_eui
from .csv_format import CsvRow, CsvTable
from .problems import ImportProblem

ROLE_NONE: Final = Role.NONE.value
# Every role the flows know, by its id ("none" first): one vocabulary (derived/roles.py).
ROLES: Final = (ROLE_NONE, *(role.value for role in Role if role is not Role.NONE))

# Swedish names installers use for roles; the export writes the role ids.
_ROLE_ALIASES: Final[Mapping[str, str]] = {
    "": ROLE_NONE,
    "ingen": ROLE_NONE,
    "snömätare": "snow_station",
    "snöstation": "snow_station",
    "sopkärl": "waste_bin",
    "kärl": "waste_bin",
    "badplats": "lake",
    "sjö": "lake",
    "kyl": "fridge",
    "kylskåp": "fridge",
    "frys": "freezer",
    "kylrum": "cold_room",
    "torrförråd": "dry_store",
    "vattenmätare": "water_meter",
    "led": "trail",
    "motionsspår": "trail",
    "inbrott": "intrusion",
    "säng": "bed",
    "ytterdörr": "outer_door",
    "rumsnärvaro": "room_presence",
}

# Numeric settings with the same limits as the device form.
_NUMBERS: Final[Mapping[str, tuple[float, float]]] = {
    "latitude": (-90, 90),
    "longitude": (-180, 180),
    "mounting_height_cm": (10, 1000),
    "bin_depth_cm": (10, 500),
    "fill_threshold": (10, 100),
    "bathing_fresh_from": (0, 30),
    "bathing_warm_from": (0, 35),
    "temp_min": (-40, 40),
    "temp_max": (-40, 40),
    "out_of_range_minutes": (1, 1440),
}
_STORAGE: Final = ("fridge", "freezer", "cold_room", "dry_store")
# Settings each role may carry, and those it must carry.
ROLE_SETTINGS: Final[Mapping[str, frozenset[str]]] = {
    "snow_station": frozenset({"mounting_height_cm"}),
    "waste_bin": frozenset({"bin_depth_cm", "fill_threshold"}),
    "lake": frozenset({"bathing_fresh_from", "bathing_warm_from"}),
    **{role: frozenset({"temp_min", "temp_max", "out_of_range_minutes"}) for role in _STORAGE},
    "water_meter": frozenset({"meter_id", "customer_number", "place"}),
    "trail": frozenset({"season_start"}),
    "intrusion": frozenset({"schedule_entity"}),
}
REQUIRED_SETTINGS: Final[Mapping[str, tuple[str, ...]]] = {
    "snow_station": ("mounting_height_cm",),
    "waste_bin": ("bin_depth_cm",),
    # A meter without its id cannot be billed.
    "water_meter": ("meter_id",),
    "intrusion": ("schedule_entity",),
    **dict.fromkeys(CARE_ROLES, ("care_unit", "room")),
}
ROLE_OWNED: Final = frozenset().union(*ROLE_SETTINGS.values())
_FREE_TEXT: Final = ("name", "meter_id", "customer_number", "place", "area")
_ENTITY_ID: Final = re.compile(r"schedule\.[a-z0-9_]+")
MAX_TEXT: Final = 100


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One checked row: its row number and the device subentry data it stands for."""

    row: int
    dev_eui: str
    data: Mapping[str, Any]


def validate(
    table: CsvTable,
    models: Mapping[str, object],
    elsewhere: Mapping[str, str],
) -> list[DeviceRow]:
    """Check every row; raise the first ImportProblem, else return the devices.

    ``models`` are the known model ids; ``elsewhere`` maps the DevEUIs other hubs have to
    those hubs' titles.
    """
    seen: dict[str, int] = {}
    devices: list[DeviceRow] = []
    for row in table.rows:
        device = _row(row, models)
        if (first := seen.get(device.dev_eui)) is not None:
            raise ImportProblem("duplicate_dev_eui", row=row.row, dev_eui=device.dev_eui, first_row=str(first))
        if (hub := elsewhere.get(device.dev_eui)) is not None:
            raise ImportProblem("dev_eui_on_other_hub", row=row.row, dev_eui=device.dev_eui, hub=hub)
        seen[device.dev_eui] = row.row
        devices.append(device)
    return devices


def _row(row: CsvRow, models: Mapping[str, object]) -> DeviceRow:
    cells = row.cells
    number = row.row
    try:
        dev_eui = normalize_dev_eui(cells["dev_eui"])
    except ValueError:
        raise ImportProblem("invalid_dev_eui", row=number, value=cells["dev_eui"][:40]) from None
    model = cells["model"].strip().lower().replace("-", "_")
    if model not in models and model != MODEL_NETWORK_DECODED:
        # A model written as its title ("Elvaco CMi4140") is matched like a device profile.
        guessed = best_match(MODELS, profile_name=cells["model"]) if cells["model"].strip() else None
        if guessed is None or guessed not in models:
            raise ImportProblem("unknown_model", row=number, model=cells["model"][:40])
        model = guessed
    role_text = cells.get("role", "").strip()
    role_key = role_text.lower().replace(" ", "_").replace("-", "_")
    role = _ROLE_ALIASES.get(role_text.lower(), role_key)
    if role not in ROLES:
        raise ImportProblem("unknown_role", row=number, role=role_text[:40])
    if not role_fits_model(role, model):
        raise ImportProblem("role_not_for_model", row=number, role=role, model=model)
    if not cells["name"]:
        raise ImportProblem("missing_name", row=number)
    data: dict[str, Any] = {"dev_eui": dev_eui, "model": model}
    for column, text in cells.items():
        if column in ("dev_eui", "model", "role") or not text:
            continue
        data[column] = _value(number, column, text)
    if role != ROLE_NONE:
        data["role"] = role
    _check_role(number, role, data)
    return DeviceRow(number, dev_eui, data)


def _value(row: int, column: str, text: str) -> Any:
    if column in _NUMBERS:
        try:
            value = float(text.replace(",", ".").replace(" ", ""))
        except ValueError:
            raise ImportProblem("invalid_number", row=row, column=column, value=text[:20]) from None
        low, high = _NUMBERS[column]
        if not math.isfinite(value) or not low <= value <= high:
            raise ImportProblem("out_of_range", row=row, column=column, value=text[:20], min=f"{low:g}", max=f"{high:g}")
        return value
    # Identity numbers are refused everywhere, and never repeated in the message.
    if looks_like_identity_number(text):
        raise ImportProblem("personal_data", row=row, column=column)
    if column in ("care_unit", "room"):
        if not is_valid_code(text):
            raise ImportProblem("invalid_code", row=row, column=column, value=text[:32])
        return text
    if column == "season_start":
        try:
            parse_season_start(text)
        except ValueError:
            raise ImportProblem("invalid_value", row=row, column=column, value=text[:20]) from None
    if column == "schedule_entity" and not _ENTITY_ID.fullmatch(text):
        raise ImportProblem("invalid_value", row=row, column=column, value=text[:60])
    if column in _FREE_TEXT and len(text) > MAX_TEXT:
        raise ImportProblem("invalid_value", row=row, column=column, value=text[:20])
    return text


def _check_role(row: int, role: str, data: Mapping[str, Any]) -> None:
    allowed = ROLE_SETTINGS.get(role, frozenset())
    for column in ROLE_OWNED & data.keys():
        if column not in allowed:
            raise ImportProblem("setting_not_for_role", row=row, column=column, role=role)
    for column in REQUIRED_SETTINGS.get(role, ()):
        if column not in data:
            raise ImportProblem("missing_setting", row=row, column=column, role=role)
    if ("care_unit" in data) != ("room" in data):
        raise ImportProblem("care_needs_unit_and_room", row=row)
    if ("latitude" in data) != ("longitude" in data):
        raise ImportProblem("location_incomplete", row=row)
    if "temp_min" in data and "temp_max" in data and data["temp_min"] >= data["temp_max"]:
        raise ImportProblem("invalid_value", row=row, column="temp_max", value=f"{data['temp_max']:g}")
    fresh, warm = data.get("bathing_fresh_from"), data.get("bathing_warm_from")
    if fresh is not None and warm is not None and warm <= fresh:
        raise ImportProblem("invalid_value", row=row, column="bathing_warm_from", value=f"{warm:g}")
