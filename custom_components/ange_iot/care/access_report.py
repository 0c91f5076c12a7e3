"""The monthly sample-check report (loggkontroll) built from audit log entries.

HSLF-FS 2016:40 asks a care provider to check regularly who has accessed care data. This
module turns a month of audit entries into one row per user and care unit: how many lines,
of which actions, and when the first and last were. Entries written by the integration
itself (``"system"``) are not accesses and are left out. Pure: no I/O, no Home Assistant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
import re
from typing import Any

from .audit import SYSTEM_ACTOR
from .errors import CareError

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class InvalidMonthError(CareError):
    """A month that is not ``YYYY-MM``."""

    translation_key = "invalid_month"


def parse_month(text: str) -> date:
    """The first day of the month ``YYYY-MM``; ``InvalidMonthError`` otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise InvalidMonthError("month must be YYYY-MM", month=text)
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The month as UTC instants ``[start, end)``, the audit log's own file boundaries."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime(first.year, first.month, 1, tzinfo=UTC),
        datetime(following.year, following.month, 1, tzinfo=UTC),
    )


@dataclass(slots=True)
class _Row:
    count: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None


def access_report(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each user's accesses per care unit, users and units in sorted order.

    ``[{"user_id", "units": [{"care_unit", "count", "actions": {action: n}, "first", "last"}]}]``;
    a line without a unit (a whole-hub export, say) is counted under ``care_unit: None``.
    """
    rows: dict[str, dict[str | None, _Row]] = {}
    for entry in entries:
        actor = str(entry.get("actor") or SYSTEM_ACTOR)
        if actor == SYSTEM_ACTOR:
            continue
        unit = entry.get("care_unit")
        row = rows.setdefault(actor, {}).setdefault(None if unit is None else str(unit), _Row())
        action, at = str(entry["action"]), str(entry["at"])
        row.count += 1
        row.actions[action] = row.actions.get(action, 0) + 1
        row.first = at if row.first is None or at < row.first else row.first
        row.last = at if row.last is None or at > row.last else row.last
    return [
        {
            "user_id": user,
            "units": [
                {
                    "care_unit": unit,
                    "count": row.count,
                    "actions": dict(sorted(row.actions.items())),
                    "first": row.first,
                    "last": row.last,
                }
                for unit, row in sorted(units.items(), key=lambda item: item[0] or "")
            ],
        }
        for user, units in sorted(rows.items())
    ]
