"""A per-IP token bucket: each address may make ``per_minute`` requests a minute, in bursts."""

from __future__ import annotations

from collections.abc import Callable
import math
import time

_MAX_TRACKED = 10_000


class RateLimiter:
    """Token buckets keyed by client address."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        """Allow ``per_minute`` requests a minute per address; a full bucket holds a minute's worth."""
        self._rate = per_minute / 60.0
        self._capacity = float(per_minute)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, key: str) -> int:
        """0 if the request may go ahead, else the seconds to wait (for Retry-After)."""
        now = self._clock()
        tokens, stamp = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - stamp) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > _MAX_TRACKED:
                self._forget_full(now)
            return 0
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self._rate))

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: drop it to bound memory.
        self._buckets = {
            key: (tokens, stamp)
            for key, (tokens, stamp) in self._buckets.items()
            if tokens + (now - stamp) * self._rate < self._capacity
        }
