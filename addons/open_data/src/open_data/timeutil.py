"""Times as the add-on keeps them: integer milliseconds since the epoch, shown as ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import time

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
DAY_MS = 86_400_000


def now_ms() -> int:
    """The current time in ms."""
    return time.time_ns() // 1_000_000


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive ones are taken as UTC), without float rounding."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """An aware UTC datetime from ms."""
    return EPOCH + timedelta(milliseconds=ms)


def iso(ms: int) -> str:
    """ISO 8601 in UTC with a Z, with milliseconds only when there are any."""
    moment = from_ms(ms)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = ms % 1000
    return f"{text}.{fraction:03d}Z" if fraction else f"{text}Z"


def parse_iso(text: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 date-time; a date alone is midnight UTC. Raises ValueError."""
    text = text.strip()
    if not text:
        raise ValueError("empty time")
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    return to_ms(moment)
