"""Live values: the newest observation of each datastream from memory, and a Server-Sent Events feed.

SensorThings clients that follow FROST poll ``Datastreams(n)/Observations?$top=1&$orderby=
phenomenonTime desc`` for the current value. The catalogue already holds each stream's
newest observation, so that request is answered without touching SQLite. Clients that want
values as they arrive open ``/api/v1/latest/stream`` instead: one event per new observation.

The feed keeps one shared backlog, not a queue per client, so memory stays flat however
many clients listen: each waits on the same event and reads the backlog from its own
position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import json
from typing import Any

from .catalog import Stream
from .timeutil import iso

HEARTBEAT_S = 25.0
BACKLOG = 512
MAX_CLIENTS = 2000


@dataclass(frozen=True, slots=True)
class Event:
    """One observation as the feed sends it: its sequence number and its JSON."""

    seq: int
    category: str
    data: bytes


def observation_event(
    stream: Stream, observation: tuple[int, int, float], base: str
) -> dict[str, Any]:
    """An observation as the feed and the JSON API show it."""
    oid, ms, value = observation
    return {
        "place": stream.place.id,
        "category": stream.place.category,
        "entity_id": stream.entity_id,
        "quantity": stream.quantity.key,
        "unit": stream.unit,
        "value": stream.quantity.round(value),
        "time": iso(ms),
        "observation": oid,
        "datastream": f"{base}/sta/v1.1/Datastreams({stream.id})",
    }


class LiveFeed:
    """Fans new observations out to any number of waiting clients."""

    def __init__(self, backlog: int = BACKLOG) -> None:
        """An empty feed."""
        # Sequence numbers are contiguous: event n sits at index n - _first_seq, so a client
        # finds its place by arithmetic, not by scanning the backlog.
        self._events: list[Event] = []
        self._first_seq = 1
        self._backlog = backlog
        self._seq = 0
        self._changed = asyncio.Event()
        self._closed = False
        self.clients = 0

    @property
    def seq(self) -> int:
        """The sequence number of the newest event."""
        return self._seq

    @property
    def closed(self) -> bool:
        """Whether the feed has stopped (the service is stopping)."""
        return self._closed

    def publish(self, category: str, document: Mapping[str, Any]) -> None:
        """Send an observation to every client."""
        self._seq += 1
        body = json.dumps(document, ensure_ascii=False)
        data = f"id: {self._seq}\nevent: observation\ndata: {body}\n\n".encode()
        self._events.append(Event(self._seq, category, data))
        if len(self._events) > 2 * self._backlog:
            dropped = len(self._events) - self._backlog
            del self._events[:dropped]
            self._first_seq += dropped
        self._wake()

    def close(self) -> None:
        """Stop: every waiting client returns."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def after(self, seq: int, timeout: float) -> list[Event]:
        """Events newer than ``seq``; waits up to ``timeout`` s for one (then returns [])."""
        if seq >= self._seq and not self._closed:
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                return []
        # A client further behind than the backlog misses the oldest events; it sees the
        # newer ones, and the JSON API has everything.
        return self._events[max(0, seq + 1 - self._first_seq) :]
