"""Consent to digital supervision, per resident's room.

Digital night supervision (and inactivity watching) of a room needs the resident's consent.
A consent record holds when it was recorded, by whom (a Home Assistant user id), and its
scope. Withdrawing it stops that kind of supervision of the room until consent is recorded
again; a one-night pause (:mod:`.night_log`) is something else and stays as it is.

A room without any record is supervised as before this module existed: consent was then
documented outside Home Assistant, and stopping supervision silently on an upgrade would be
the worst outcome. Pure: no I/O, no Home Assistant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from .errors import CareError, InvalidCodeError, StoredDataError
from .identity import is_stored_code
from .moments import from_iso, optional_from_iso, optional_iso, require_aware, to_iso

STORE_VERSION = 1


class ConsentScope(StrEnum):
    """What the resident consented to; a fixed list, since free text could name people."""

    NIGHT_SUPERVISION = "night_supervision"
    INACTIVITY = "inactivity"


class InvalidConsentScopeError(CareError):
    """A scope that is not one of :class:`ConsentScope`."""

    translation_key = "invalid_consent_scope"


class NoConsentToWithdrawError(CareError):
    """Withdrawing a consent that is not in force."""

    translation_key = "no_consent_to_withdraw"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentRecord:
    """One room's consent of one scope: given, and possibly withdrawn since."""

    care_unit: str
    room: str
    scope: ConsentScope
    recorded_at: datetime
    recorded_by: str | None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    @property
    def in_force(self) -> bool:
        """Whether the consent holds now."""
        return self.withdrawn_at is None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for storage."""
        return {
            "care_unit": self.care_unit,
            "room": self.room,
            "scope": self.scope.value,
            "recorded_at": to_iso(self.recorded_at),
            "recorded_by": self.recorded_by,
            "withdrawn_at": optional_iso(self.withdrawn_at),
            "withdrawn_by": self.withdrawn_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentRecord:
        """Read :meth:`as_dict` output back; ``StoredDataError`` if it is damaged."""
        try:
            for key in ("care_unit", "room"):
                if not is_stored_code(str(data[key])):
                    raise InvalidCodeError(f"{key} is not a code", field=key)
            return cls(
                care_unit=str(data["care_unit"]),
                room=str(data["room"]),
                scope=ConsentScope(data["scope"]),
                recorded_at=from_iso(data["recorded_at"]),
                recorded_by=None if data.get("recorded_by") is None else str(data["recorded_by"]),
                withdrawn_at=optional_from_iso(data.get("withdrawn_at")),
                withdrawn_by=None if data.get("withdrawn_by") is None else str(data["withdrawn_by"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise StoredDataError(f"stored consent is damaged: {err}") from err


def scope_of(value: ConsentScope | str) -> ConsentScope:
    """The scope named by ``value``; ``InvalidConsentScopeError`` otherwise."""
    try:
        return ConsentScope(value)
    except ValueError as err:
        raise InvalidConsentScopeError("unknown consent scope", scope=str(value)) from err


@dataclass(slots=True)
class ConsentBook:
    """The latest consent record of every room and scope."""

    records: dict[tuple[str, str, ConsentScope], ConsentRecord] = field(default_factory=dict)

    def record(
        self, care_unit: str, room: str, scope: ConsentScope | str, *, by: str | None, at: datetime
    ) -> ConsentRecord:
        """Record consent (again); a new record replaces a withdrawn or older one."""
        require_aware(at, "at")
        entry = ConsentRecord(
            care_unit=care_unit, room=room, scope=scope_of(scope), recorded_at=at, recorded_by=by
        )
        self.records[(care_unit, room, entry.scope)] = entry
        return entry

    def withdraw(
        self, care_unit: str, room: str, scope: ConsentScope | str, *, by: str | None, at: datetime
    ) -> ConsentRecord:
        """Withdraw consent; without a record in force there is nothing to withdraw.

        A room never recorded is supervised (see the module docstring), so withdrawing
        there is allowed too: it creates a withdrawn record.
        """
        require_aware(at, "at")
        key = (care_unit, room, scope_of(scope))
        current = self.records.get(key)
        if current is not None and not current.in_force:
            raise NoConsentToWithdrawError(
                "consent is already withdrawn", care_unit=care_unit, room=room
            )
        base = current or ConsentRecord(
            care_unit=care_unit, room=room, scope=key[2], recorded_at=at, recorded_by=None
        )
        entry = replace(base, withdrawn_at=at, withdrawn_by=by)
        self.records[key] = entry
        return entry

    def allows(self, care_unit: str, room: str, scope: ConsentScope) -> bool:
        """Whether the room may be supervised in that scope (no record: yes)."""
        entry = self.records.get((care_unit, room, scope))
        return entry is None or entry.in_force

    def of_room(self, care_unit: str, room: str) -> list[ConsentRecord]:
        """A room's records, in scope order."""
        return [
            entry
            for (unit, code, _scope), entry in sorted(self.records.items(), key=lambda item: item[0][2])
            if unit == care_unit and code == room
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for storage."""
        return {"version": STORE_VERSION, "records": [entry.as_dict() for entry in self.records.values()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentBook:
        """Read :meth:`as_dict` output back; ``StoredDataError`` if it is damaged."""
        if data.get("version") != STORE_VERSION:
            raise StoredDataError("unsupported consent book version")
        records: Iterable[Mapping[str, Any]] = data.get("records") or []
        book = cls()
        for raw in records:
            entry = ConsentRecord.from_dict(raw)
            book.records[(entry.care_unit, entry.room, entry.scope)] = entry
        return book
