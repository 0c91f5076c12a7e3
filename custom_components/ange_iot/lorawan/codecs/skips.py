"""Count the items codecs skipped, and say so once per model and item.

A device that sends a channel the codec does not know does so on every uplink. One
warning per (model, item) tells the installer what is missing without flooding the
log; the counter keeps the full tally for diagnostics.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import logging

from .result import DecodeResult

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class SkippedItems:
    """How often each model's codec skipped each item, and whether it truncated."""

    by_item: Counter[tuple[str, str]] = field(default_factory=Counter)
    truncated: int = 0

    @property
    def total(self) -> int:
        """All skipped items together."""
        return sum(self.by_item.values())

    def record(self, model_id: str, result: DecodeResult, dev_eui: str = "") -> None:
        """Count the skipped items of one decoded frame; warn at the first of each."""
        for skipped in result.skipped:
            key = (model_id, skipped.item)
            if key not in self.by_item:
                _LOGGER.warning(
                    "%s%s: %s at byte %d is not known to the codec; %s",
                    model_id,
                    f" ({dev_eui})" if dev_eui else "",
                    skipped.item,
                    skipped.at,
                    "the rest of that frame is dropped, the readings before it are kept"
                    if skipped.truncated
                    else "it is skipped, the other readings are kept",
                )
            self.by_item[key] += 1
            self.truncated += skipped.truncated

    def as_dict(self) -> dict[str, int]:
        """Counts keyed "<model id>: <item>", for diagnostics."""
        return {f"{model}: {item}": count for (model, item), count in sorted(self.by_item.items())}
