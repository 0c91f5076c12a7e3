"""Why an uplink was not used, and the log line and counter that go with it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Rejection(StrEnum):
    """Reasons an incoming message or uplink is rejected; each is counted."""

    MALFORMED_JSON = "malformed_json"
    MALFORMED_ENVELOPE = "malformed_envelope"
    OVERSIZE = "oversize"
    UNAUTHORIZED = "unauthorized"
    UNKNOWN_DEVICE = "unknown_device"
    UNDECODABLE_PAYLOAD = "undecodable_payload"
    REPLAYED_FRAME = "replayed_frame"


@dataclass(slots=True)
class RejectionCounter:
    """Counts of rejected messages by reason, shown on the hub's diagnostic sensor."""

    by_reason: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0

    @property
    def total(self) -> int:
        """All rejections together."""
        return sum(self.by_reason.values())

    def add(self, reason: Rejection) -> None:
        """Count one rejection."""
        self.by_reason[reason.value] += 1

    def as_dict(self) -> dict[str, object]:
        """Storage form."""
        return {"by_reason": dict(self.by_reason), "duplicates": self.duplicates}

    @classmethod
    def from_dict(cls, data: object) -> RejectionCounter:
        """Rebuild from storage, ignoring anything malformed."""
        counter = cls()
        if not isinstance(data, dict):
            return counter
        reasons = data.get("by_reason")
        if isinstance(reasons, dict):
            for reason, count in reasons.items():
                if reason in Rejection._value2member_map_ and isinstance(count, int):
                    counter.by_reason[reason] = count
        duplicates = data.get("duplicates")
        if isinstance(duplicates, int):
            counter.duplicates = duplicates
        return counter
