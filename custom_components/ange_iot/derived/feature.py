"""What every derived value shares: it reads readings, keeps a little state, and persists it."""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import UTC, datetime, timedelta
import math
from typing import Any, Protocol, runtime_checkable

from ..lorawan.quantities import Reading

type Value = Reading | datetime | None
"""A derived value; None means unknown (shown as such, never as a made-up number)."""

type Values = dict[str, Value]


class Feature(Protocol):
    """One derived capability of a device, such as snow depth or daily water use.

    ``now`` is always an aware datetime in the installation's local time zone, so that
    "today" and "this season" mean what staff expect.
    """

    keys: frozenset[str]
    """The derived keys this feature can produce."""

    def update(self, values: Mapping[str, Value], changed: Set[str], now: datetime) -> Values:
        """React to new readings; return the derived values that changed."""

    def tick(self, now: datetime) -> Values:
        """React to time passing (midnight, a limit running out); return what changed."""

    def as_dict(self) -> dict[str, Any]:
        """State to persist across restarts (JSON-safe)."""

    def restore(self, data: Mapping[str, Any]) -> None:
        """Load as_dict() output; unknown or damaged data is ignored."""


@runtime_checkable
class CountsLate(Protocol):
    """A feature whose readings add up, so an older uplink arriving late still counts.

    Other features follow the newest state, which an older reading must not change.
    """

    def late(self, values: Mapping[str, Value], measured: datetime) -> Values:
        """Add what an uplink measured at ``measured`` (local time) counted; return the changes."""


def as_float(value: object) -> float | None:
    """A finite number from settings or readings; None for anything else (bools included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two moments.

    Python subtracts two datetimes of the same zone by their wall clocks, which is an
    hour off across a daylight-saving change; in UTC it is the time that passed.
    """
    return end.astimezone(UTC) - start.astimezone(UTC)


def parse_time(value: object) -> datetime | None:
    """An ISO timestamp from stored state; None when missing or damaged."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def iso(value: datetime | None) -> str | None:
    """Store a timestamp as ISO text."""
    return value.isoformat() if value is not None else None
