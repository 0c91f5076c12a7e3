"""What an import would do to a hub: which devices it creates, updates or leaves alone.

Pure Python. Re-importing a file changes only the rows that changed and never makes a
duplicate: a device is matched by its DevEUI. Settings the file has no column for are kept
(an area set in the UI survives an import without an ``area`` column), except the old
role's settings when the role changes, as in the device form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .csv_format import COLUMNS
from .validation import ROLE_OWNED, DeviceRow


@dataclass(frozen=True, slots=True)
class ExistingDevice:
    """A device subentry the hub has now."""

    subentry_id: str
    title: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Change:
    """One device of the plan, with the data its subentry gets."""

    row: int
    dev_eui: str
    name: str
    data: Mapping[str, Any]
    subentry_id: str | None = None


@dataclass(slots=True)
class ImportPlan:
    """The whole import, to preview or to apply."""

    create: list[Change] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    # Headers of the file that name no column, read past (shown so a typo is noticed).
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The plan as the action answers it.

        ``created``, ``updated`` and ``unchanged`` list DevEUIs (the devices' identity);
        ``devices`` gives each one's row number, name and what happens to it.
        """
        devices: dict[str, dict[str, Any]] = {}
        for action, changes in (("created", self.create), ("updated", self.update), ("unchanged", self.unchanged)):
            for change in changes:
                devices[change.dev_eui] = {"row": change.row, "name": change.name, "action": action}
        return {
            "created": [c.dev_eui for c in self.create],
            "updated": [c.dev_eui for c in self.update],
            "unchanged": [c.dev_eui for c in self.unchanged],
            "devices": devices,
            "ignored_columns": list(self.ignored_columns),
        }


def merged_data(existing: Mapping[str, Any], new: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """A device's data after the import: file columns replaced, the rest kept."""
    managed = set(columns) | {"dev_eui", "model"}
    # A file without a role column leaves roles (and their settings) as they are.
    if "role" in managed and existing.get("role") != new.get("role"):
        managed |= ROLE_OWNED
    kept = {key: value for key, value in existing.items() if key not in managed}
    return kept | dict(new)


def compute_plan(
    devices: Sequence[DeviceRow],
    existing: Mapping[str, ExistingDevice],
    columns: Iterable[str] = COLUMNS,
) -> ImportPlan:
    """Compare the checked rows with the hub's devices (keyed by DevEUI)."""
    plan = ImportPlan()
    column_set = tuple(columns)
    for device in devices:
        name = str(device.data["name"])
        current = existing.get(device.dev_eui)
        if current is None:
            plan.create.append(Change(device.row, device.dev_eui, name, dict(device.data)))
            continue
        data = merged_data(current.data, device.data, column_set)
        change = Change(device.row, device.dev_eui, name, data, current.subentry_id)
        if data == dict(current.data) and name == current.title:
            plan.unchanged.append(change)
        else:
            plan.update.append(change)
    return plan
