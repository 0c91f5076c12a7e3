"""Counters the health endpoint, the status page and the discovery sensors show."""

from __future__ import annotations

from dataclasses import dataclass, field
import threading
import time
from typing import Final

COUNTERS: Final = (
    "received",
    "forwarded",
    "queued",
    "invalid",
    "dropped",
    "duplicates",
    "oldest_queued_age_s",
    "downlinks_forwarded",
    "downlinks_invalid",
    "awaiting_ack",
)


@dataclass(slots=True)
class Stats:
    """Counts since the process started, except ``queued``, which is what is on disk.

    Several threads bump these. Each counter has one writer thread, except ``invalid``,
    which is bumped under the lock.
    """

    received: int = 0
    forwarded: int = 0
    queued: int = 0
    invalid: int = 0
    dropped: int = 0
    duplicates: int = 0
    oldest_queued_at: float | None = None
    downlinks_forwarded: int = 0
    downlinks_invalid: int = 0
    upstream_connected: bool = False
    downstream_connected: bool = False
    ack_mode: str = "waiting"
    """``end_to_end``, ``broker`` (the fallback) or ``waiting`` (ack.AckMode)."""
    awaiting_ack: int = 0
    started_at: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_invalid(self) -> None:
        """One more message counted and dropped as invalid."""
        with self._lock:
            self.invalid += 1

    def count_downlink_invalid(self) -> None:
        """One more downlink request dropped as invalid."""
        with self._lock:
            self.downlinks_invalid += 1

    def snapshot(self) -> dict[str, int | float | bool | str]:
        """The counters as plain values, with the oldest queued event's age in seconds."""
        now = time.time()
        oldest = self.oldest_queued_at
        return {
            "received": self.received,
            "forwarded": self.forwarded,
            "queued": self.queued,
            "invalid": self.invalid,
            "dropped": self.dropped,
            "duplicates": self.duplicates,
            "oldest_queued_age_s": round(max(0.0, now - oldest), 1) if oldest else 0.0,
            "downlinks_forwarded": self.downlinks_forwarded,
            "downlinks_invalid": self.downlinks_invalid,
            "upstream_connected": self.upstream_connected,
            "downstream_connected": self.downstream_connected,
            "ack_mode": self.ack_mode,
            "awaiting_ack": self.awaiting_ack,
            "uptime_s": round(now - self.started_at, 1),
        }
