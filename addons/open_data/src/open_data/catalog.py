"""What is published right now: places, their datastreams, latest values and the refusals.

HA feeds it through ``accept`` (the care guard) and ``record``; the public API reads it. Its
``version`` changes whenever anything visible changes, so responses can be cached on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import logging
import math
from typing import Any

from .guard import refusal_reason
from .options import Options, Place
from .quantities import Quantity, quantity_for
from .store import Refusal, Store, StreamRow
from .timeutil import now_ms

_LOGGER = logging.getLogger(__name__)

# Entity status on the admin page.
WAITING = "waiting"
PUBLISHED = "published"
REFUSED = "refused"


@dataclass(slots=True)
class Stream:
    """A published datastream: one HA entity at one place."""

    id: int
    entity_id: str
    place: Place
    unit: str | None
    device_class: str | None
    quantity: Quantity
    property_id: int
    first_ms: int | None = None
    latest: tuple[int, int, float] | None = None  # (observation id, ms, value)


@dataclass(frozen=True, slots=True)
class Thing:
    """A place as a SensorThings Thing, with its stable id."""

    id: int
    place: Place
    since_ms: int


@dataclass(slots=True)
class HaStatus:
    """How the connection to Home Assistant is doing, for the admin page."""

    connected: bool = False
    last_event_ms: int | None = None
    last_error: str = ""


def parse_number(state: Any) -> float | None:
    """An HA state as a finite number, or None for unknown, unavailable and text states."""
    if isinstance(state, bool):
        return None
    try:
        value = float(state)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


class Catalogue:
    """The published data set and the care guard's decisions."""

    def __init__(self, options: Options, store: Store, clock: Callable[[], int] = now_ms) -> None:
        """Start empty; ``load`` fills it from the store."""
        self.options = options
        self.store = store
        self.clock = clock
        self.streams: dict[int, Stream] = {}
        self.by_entity: dict[str, Stream] = {}
        self.things: dict[str, Thing] = {}
        self.things_by_id: dict[int, Thing] = {}
        self.property_ids: dict[str, int] = {}
        self.properties: dict[int, Quantity] = {}
        self.refused: dict[str, Refusal] = {}
        self.ha = HaStatus()
        self.version = 0
        # Called with (stream, (observation id, ms, value), is the newest) for new observations.
        self.listeners: list[Callable[[Stream, tuple[int, int, float], bool], None]] = []
        self._place_of = {entity: place for place in options.places for entity in place.entities}

    async def load(self) -> None:
        """Read stable ids, refusals, known streams and their latest values from the store."""
        ids = await self.store.thing_ids([place.id for place in self.options.places], self.clock())
        for place in self.options.places:
            thing_id, since = ids[place.id]
            thing = Thing(thing_id, place, since)
            self.things[place.id] = thing
            self.things_by_id[thing_id] = thing
        self.refused = {refusal.entity_id: refusal for refusal in await self.store.refusals()}
        latest = await self.store.latest()
        first = await self.store.first_times()
        for row in await self.store.streams():
            if row.entity_id in self._place_of and row.entity_id not in self.refused:
                stream = await self._add_stream(row)
                stream.latest = latest.get(row.id)
                stream.first_ms = first.get(row.id)
        self.version += 1

    async def _add_stream(self, row: StreamRow) -> Stream:
        quantity = quantity_for(row.entity_id, row.device_class)
        if quantity.key not in self.property_ids:
            self.property_ids.update(await self.store.property_ids([quantity.key]))
            self.properties[self.property_ids[quantity.key]] = quantity
        stream = Stream(
            id=row.id,
            entity_id=row.entity_id,
            place=self._place_of[row.entity_id],
            unit=row.unit,
            device_class=row.device_class,
            quantity=quantity,
            property_id=self.property_ids[quantity.key],
        )
        self.streams[row.id] = stream
        self.by_entity[row.entity_id] = stream
        return stream

    def configured(self, entity_id: str) -> bool:
        """Whether the options list ``entity_id``."""
        return entity_id in self._place_of

    def status(self, entity_id: str) -> str:
        """waiting, published or refused."""
        if entity_id in self.refused:
            return REFUSED
        if entity_id in self.by_entity:
            return PUBLISHED
        return WAITING

    def subscribable(self) -> list[str]:
        """Configured entities that are not refused."""
        return [e for e in self.options.entity_ids if e not in self.refused]

    async def accept(self, entity_id: str, attributes: Mapping[str, Any]) -> Stream | None:
        """Run the care guard on an entity's attributes; its stream if it may be published.

        A refusal is permanent: it is stored, anything stored for the entity is deleted and
        the entity is never published again, even if the marker later disappears.
        """
        if not self.configured(entity_id) or entity_id in self.refused:
            return None
        reason = refusal_reason(attributes)
        if reason is not None:
            now = self.clock()
            if await self.store.refuse(entity_id, reason, now):
                _LOGGER.warning(
                    "Refused %s (%s): care data is never published; it stays refused",
                    entity_id,
                    reason,
                )
            self.refused[entity_id] = Refusal(entity_id, reason, now)
            stream = self.by_entity.pop(entity_id, None)
            if stream is not None:
                del self.streams[stream.id]
            self.version += 1
            return None
        unit = attributes.get("unit_of_measurement")
        device_class = attributes.get("device_class")
        unit = unit if isinstance(unit, str) and unit else None
        device_class = device_class if isinstance(device_class, str) and device_class else None
        stream = self.by_entity.get(entity_id)
        if stream is not None and (stream.unit, stream.device_class) == (unit, device_class):
            return stream
        row = await self.store.ensure_stream(entity_id, unit, device_class)
        latest, first = (stream.latest, stream.first_ms) if stream else (None, None)
        stream = await self._add_stream(row)
        stream.latest, stream.first_ms = latest, first
        self.version += 1
        return stream

    async def record(self, stream: Stream, points: Sequence[tuple[int, float]]) -> int:
        """Store observations of an accepted stream; returns how many were new."""
        if stream.entity_id in self.refused or not points:
            return 0
        points = [(ms, float(stream.quantity.round(value))) for ms, value in points]
        added = await self.store.add(stream.id, points)
        if added:
            newest_ms = max(ms for ms, _ in points)
            oldest_ms = min(ms for ms, _ in points)
            if stream.first_ms is None or oldest_ms < stream.first_ms:
                stream.first_ms = oldest_ms
            is_newest = stream.latest is None or newest_ms > stream.latest[1]
            # A live reading is one point: announce it even when it arrives late. A
            # backfill is many: announce only the newest value it brings.
            if is_newest or len(points) == 1:
                rows = await self.store.query(
                    "SELECT id, ts, value FROM observations WHERE stream_id = ? AND ts = ?",
                    (stream.id, newest_ms),
                )
                if rows:
                    oid, ms, value = rows[0]
                    observation = (int(oid), int(ms), float(value))
                    if is_newest:
                        stream.latest = observation
                    self.version += 1
                    for listener in self.listeners:
                        listener(stream, observation, is_newest)
            self.version += 1
        return added

    def streams_of(self, place: Place) -> list[Stream]:
        """A place's published streams, in configuration order."""
        return [self.by_entity[e] for e in place.entities if e in self.by_entity]

    def places(self, category: str | None = None) -> list[Place]:
        """Configured places, optionally of one category."""
        return [p for p in self.options.places if category is None or p.category == category]

    def is_stale(self, stream: Stream, now: int | None = None) -> bool:
        """Whether a stream's newest value is older than the stale limit (or missing)."""
        if stream.latest is None:
            return True
        age = (now if now is not None else self.clock()) - stream.latest[1]
        return age > self.options.stale_after_hours * 3_600_000
