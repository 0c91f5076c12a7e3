"""Response times as data: how fast alarms were acknowledged and reached, per unit.

Each real alarm (not a test alarm) leaves one :class:`ResponseRecord`: its unit, kind,
when it triggered and how many seconds passed until it was acknowledged and until
somebody arrived. :meth:`ResponseLog.summary` gives the median and 90th percentile of both
over a window, and the count per kind. Records older than :data:`KEEP` are dropped.

Pure: the caller passes every moment in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any

from .alarm_record import Alarm
from .moments import from_iso, to_iso, utc

KEEP = timedelta(days=31)


def percentile(values: Iterable[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5 is the median); ``None`` for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if share == 0.5 and len(ordered) % 2 == 0:
        middle = len(ordered) // 2
        return (ordered[middle - 1] + ordered[middle]) / 2
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass(slots=True)
class ResponseRecord:
    """One real alarm's response times, in seconds."""

    care_unit: str
    kind: str
    triggered_at: datetime
    to_acknowledge: float | None = None
    to_arrival: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "care_unit": self.care_unit, "kind": self.kind, "triggered_at": to_iso(self.triggered_at),
            "to_acknowledge": self.to_acknowledge, "to_arrival": self.to_arrival,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResponseRecord:
        """Read :meth:`as_dict` output; ``ValueError``/``KeyError`` if damaged."""
        ack, arrival = data.get("to_acknowledge"), data.get("to_arrival")
        return cls(
            care_unit=str(data["care_unit"]), kind=str(data["kind"]), triggered_at=from_iso(data["triggered_at"]),
            to_acknowledge=None if ack is None else float(ack), to_arrival=None if arrival is None else float(arrival),
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """Response times and counts of one unit over one window."""

    acknowledge_median: float | None
    acknowledge_p90: float | None
    arrival_median: float | None
    arrival_p90: float | None
    per_kind: Mapping[str, int]


class ResponseLog:
    """The response records of a hub's alarms, by alarm id."""

    def __init__(self) -> None:
        self.records: dict[str, ResponseRecord] = {}

    def update(self, alarm: Alarm) -> None:
        """Record or refresh an alarm's times; test alarms are left out."""
        if alarm.test:
            return
        record = self.records.get(alarm.alarm_id)
        if record is None:
            record = self.records[alarm.alarm_id] = ResponseRecord(alarm.care_unit, alarm.kind.value, alarm.triggered_at)
        start = utc(alarm.triggered_at)
        if alarm.acknowledged_at is not None and record.to_acknowledge is None:
            record.to_acknowledge = (utc(alarm.acknowledged_at) - start).total_seconds()
        if alarm.arrived_at is not None and record.to_arrival is None:
            record.to_arrival = (utc(alarm.arrived_at) - start).total_seconds()

    def purge(self, now: datetime) -> None:
        """Drop records older than the longest window."""
        cutoff = utc(now) - KEEP
        self.records = {key: rec for key, rec in self.records.items() if utc(rec.triggered_at) >= cutoff}

    def summary(self, care_unit: str, since: datetime) -> Summary:
        """Medians, 90th percentiles and counts per kind of the unit's alarms since ``since``."""
        chosen = [r for r in self.records.values() if r.care_unit == care_unit and utc(r.triggered_at) >= utc(since)]
        acks = [r.to_acknowledge for r in chosen if r.to_acknowledge is not None]
        arrivals = [r.to_arrival for r in chosen if r.to_arrival is not None]
        per_kind: dict[str, int] = {}
        for record in chosen:
            per_kind[record.kind] = per_kind.get(record.kind, 0) + 1
        return Summary(
            acknowledge_median=percentile(acks, 0.5), acknowledge_p90=percentile(acks, 0.9),
            arrival_median=percentile(arrivals, 0.5), arrival_p90=percentile(arrivals, 0.9),
            per_kind=per_kind,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {key: record.as_dict() for key, record in self.records.items()}

    @classmethod
    def from_dict(cls, data: object) -> ResponseLog:
        """Read :meth:`as_dict` output; damaged records are left out."""
        log = cls()
        if isinstance(data, dict):
            for key, value in data.items():
                try:
                    log.records[str(key)] = ResponseRecord.from_dict(value)
                except (KeyError, TypeError, ValueError):
                    continue
        return log
