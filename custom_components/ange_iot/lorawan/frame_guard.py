"""Recognise duplicated and replayed uplinks by their frame counter.

The same uplink may arrive twice: through two transports, as an HTTP retry, or as a
network-server retransmission. A frame counter lower than the last one is a replay,
unless the device has rejoined since, which starts its counters again from zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import hashlib

_RECENT_FRAMES = 8
# Older frames taken late (a backlog resent out of order): enough for a long outage's
# resends to be recognised when they come again.
_LATE_FRAMES = 256


class Verdict(StrEnum):
    """What to do with an uplink."""

    ACCEPT = "accept"
    DUPLICATE = "duplicate"
    REPLAY = "replay"


def _fingerprint(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=8).digest()


@dataclass(slots=True)
class FrameGuard:
    """Frame-counter state of one device."""

    last_f_cnt: int | None = None
    rejoined: bool = False
    recent: dict[int, bytes] = field(default_factory=dict)
    # Frames below last_f_cnt that were taken as late history, oldest first.
    late: dict[int, bytes] = field(default_factory=dict)

    def check(self, f_cnt: int | None, payload: bytes) -> Verdict:
        """Judge an uplink and, when it is accepted, remember it."""
        if f_cnt is None:
            return Verdict.ACCEPT
        fingerprint = _fingerprint(payload)
        last = self.last_f_cnt
        if last is not None and f_cnt <= last:
            if not self.rejoined and fingerprint in (self.recent.get(f_cnt), self.late.get(f_cnt)):
                return Verdict.DUPLICATE
            # A session restarts at 0 after a join. The join event itself may not be
            # forwarded (TTS webhooks make it optional), so counter 0 counts as one too.
            if not (self.rejoined or f_cnt == 0):
                return Verdict.REPLAY
            self.recent.clear()
            self.late.clear()
        self.rejoined = False
        self.last_f_cnt = f_cnt
        self.recent[f_cnt] = fingerprint
        if len(self.recent) > _RECENT_FRAMES:
            del self.recent[min(self.recent)]
        return Verdict.ACCEPT

    def taken_late(self, f_cnt: int | None, payload: bytes) -> None:
        """Remember an older frame that was taken out of order, so it counts only once."""
        if f_cnt is None:
            return
        self.late[f_cnt] = _fingerprint(payload)
        if len(self.late) > _LATE_FRAMES:
            del self.late[next(iter(self.late))]

    def joined(self) -> None:
        """Note a (re)join: the next uplink may start again from frame counter 0."""
        self.rejoined = True

    def as_dict(self) -> dict[str, object]:
        """Return what must survive a restart, so a retried frame is still a duplicate."""
        data: dict[str, object] = {
            "last_f_cnt": self.last_f_cnt,
            "rejoined": self.rejoined,
            "recent": _frames_as_dict(self.recent),
        }
        if self.late:
            # Oldest first, as JSON keeps the order: the oldest is the first to go.
            data["late"] = _frames_as_dict(self.late)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FrameGuard:
        """Rebuild from as_dict() output, tolerating missing or odd values."""
        last = data.get("last_f_cnt")
        return cls(
            last_f_cnt=last if isinstance(last, int) and not isinstance(last, bool) else None,
            rejoined=data.get("rejoined") is True,
            recent=_frames_from_dict(data.get("recent")),
            late=_frames_from_dict(data.get("late")),
        )


def _frames_as_dict(frames: dict[int, bytes]) -> dict[str, str]:
    return {str(f_cnt): digest.hex() for f_cnt, digest in frames.items()}


def _frames_from_dict(stored: object) -> dict[int, bytes]:
    """Frame counter -> fingerprint, skipping entries that are not what as_dict wrote."""
    frames: dict[int, bytes] = {}
    if isinstance(stored, dict):
        for f_cnt, digest in stored.items():
            try:
                frames[int(f_cnt)] = bytes.fromhex(digest)
            except (TypeError, ValueError):
                continue
    return frames
