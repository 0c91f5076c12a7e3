"""Points in time as the care records keep them: timezone-aware, stored as ISO 8601.

The care logic never reads the clock. Callers pass the current time in, which keeps every
rule testable at its edges and lets Home Assistant's time travel drive escalation.
Arithmetic and comparisons go through :func:`utc`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def require_aware(moment: datetime, name: str = "moment") -> datetime:
    """Return ``moment``, refusing a naive datetime, whose meaning depends on the host clock."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment


def to_iso(moment: datetime) -> str:
    """ISO 8601 text of an aware datetime, keeping its offset."""
    return require_aware(moment).isoformat()


def from_iso(text: str, name: str = "moment") -> datetime:
    """Parse ISO 8601 text that carries an offset; ``ValueError`` otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be an ISO 8601 string")
    return require_aware(datetime.fromisoformat(text), name)


def optional_iso(moment: datetime | None) -> str | None:
    """``to_iso`` that lets ``None`` through, for optional record fields."""
    return None if moment is None else to_iso(moment)


def optional_from_iso(text: object, name: str = "moment") -> datetime | None:
    """``from_iso`` that lets ``None`` through, for optional record fields."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"{name} must be an ISO 8601 string or null")
    return from_iso(text, name)


def utc(moment: datetime, name: str = "moment") -> datetime:
    """``moment`` in UTC, for arithmetic and comparisons.

    Python subtracts and compares two datetimes that share a tzinfo object by their wall
    clocks, which is wrong across a daylight saving change (01:50 CET to 03:10 CEST is 20
    minutes, not 80). UTC has no such changes.
    """
    return require_aware(moment, name).astimezone(UTC)
