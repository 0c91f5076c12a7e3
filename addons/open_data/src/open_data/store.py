"""The add-on's own history store: SQLite in the data folder, so public traffic never loads HA.

All SQLite work runs on one private worker thread: the event loop never waits on disk, and
a single connection needs no locking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
import sqlite3
from typing import Any

type Row = tuple[Any, ...]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    id INTEGER PRIMARY KEY,
    entity_id TEXT NOT NULL UNIQUE,
    unit TEXT,
    device_class TEXT
);
CREATE TABLE IF NOT EXISTS observations (
    id INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    UNIQUE (stream_id, ts)
);
CREATE INDEX IF NOT EXISTS observations_ts ON observations (ts);
CREATE TABLE IF NOT EXISTS refused (
    entity_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS things (
    id INTEGER PRIMARY KEY,
    place_id TEXT NOT NULL UNIQUE,
    since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS observed_properties (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE
);
"""


@dataclass(frozen=True, slots=True)
class StreamRow:
    """A stored datastream: its stable id and the metadata HA gave it."""

    id: int
    entity_id: str
    unit: str | None
    device_class: str | None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An entity the care guard refused, with why and since when (ms since the epoch)."""

    entity_id: str
    reason: str
    since: int


class Store:
    """Observations, stable SensorThings ids and the care guard's memory."""

    def __init__(self, path: Path) -> None:
        """Prepare the store; ``open`` creates the file."""
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open_data_store")
        self._db: sqlite3.Connection | None = None

    async def _run[T](self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        """Open (or create) the database file."""
        await self._run(self._open)

    def _open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        self._db = db

    async def close(self) -> None:
        """Close the database and stop the worker thread."""
        if self._db is not None:
            await self._run(self._conn.close)
            self._db = None
        self._executor.shutdown(wait=True)

    # -- datastreams and ids ------------------------------------------------------------

    async def ensure_stream(
        self, entity_id: str, unit: str | None, device_class: str | None
    ) -> StreamRow:
        """The stream of ``entity_id``, created or updated with HA's unit and device class."""
        return await self._run(self._ensure_stream, entity_id, unit, device_class)

    def _ensure_stream(
        self, entity_id: str, unit: str | None, device_class: str | None
    ) -> StreamRow:
        db = self._conn
        db.execute(
            "INSERT INTO streams (entity_id, unit, device_class) VALUES (?, ?, ?) "
            "ON CONFLICT (entity_id) DO UPDATE SET unit = excluded.unit, "
            "device_class = excluded.device_class",
            (entity_id, unit, device_class),
        )
        row = db.execute(
            "SELECT id, entity_id, unit, device_class FROM streams WHERE entity_id = ?",
            (entity_id,),
        ).fetchone()
        return StreamRow(*row)

    async def streams(self) -> list[StreamRow]:
        """Every stored stream."""
        return await self._run(self._streams)

    def _streams(self) -> list[StreamRow]:
        rows = self._conn.execute("SELECT id, entity_id, unit, device_class FROM streams")
        return [StreamRow(*row) for row in rows]

    async def thing_ids(self, place_ids: Sequence[str], now_ms: int) -> dict[str, tuple[int, int]]:
        """Stable Thing ids of places: place id -> (thing id, first seen in ms)."""
        return await self._run(self._thing_ids, list(place_ids), now_ms)

    def _thing_ids(self, place_ids: list[str], now_ms: int) -> dict[str, tuple[int, int]]:
        db = self._conn
        db.executemany(
            "INSERT OR IGNORE INTO things (place_id, since) VALUES (?, ?)",
            [(place_id, now_ms) for place_id in place_ids],
        )
        rows = db.execute("SELECT place_id, id, since FROM things").fetchall()
        return {place_id: (thing_id, since) for place_id, thing_id, since in rows}

    async def property_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """Stable ObservedProperty ids of quantity keys."""
        return await self._run(self._property_ids, sorted(set(keys)))

    def _property_ids(self, keys: list[str]) -> dict[str, int]:
        db = self._conn
        db.executemany(
            "INSERT OR IGNORE INTO observed_properties (key) VALUES (?)", [(k,) for k in keys]
        )
        return {key: pid for pid, key in db.execute("SELECT id, key FROM observed_properties")}

    # -- observations -------------------------------------------------------------------

    async def add(self, stream_id: int, points: Sequence[tuple[int, float]]) -> int:
        """Store observations (ms, value); returns how many were new."""
        if not points:
            return 0
        return await self._run(self._add, stream_id, list(points))

    def _add(self, stream_id: int, points: list[tuple[int, float]]) -> int:
        db = self._conn
        before = db.total_changes
        db.execute("BEGIN")
        db.executemany(
            "INSERT OR IGNORE INTO observations (stream_id, ts, value) VALUES (?, ?, ?)",
            [(stream_id, ts, value) for ts, value in points],
        )
        db.execute("COMMIT")
        return db.total_changes - before

    async def latest(self) -> dict[int, tuple[int, int, float]]:
        """Stream id -> (observation id, ms, value) of each stream's newest observation."""
        return await self._run(self._latest)

    def _latest(self) -> dict[int, tuple[int, int, float]]:
        rows = self._conn.execute(
            "SELECT o.stream_id, o.id, o.ts, o.value FROM observations o "
            "JOIN (SELECT stream_id, MAX(ts) AS ts FROM observations GROUP BY stream_id) m "
            "ON o.stream_id = m.stream_id AND o.ts = m.ts"
        )
        return {stream_id: (oid, ts, value) for stream_id, oid, ts, value in rows}

    async def first_times(self) -> dict[int, int]:
        """Stream id -> ms of its oldest observation."""
        return await self._run(self._first_times)

    def _first_times(self) -> dict[int, int]:
        rows = self._conn.execute("SELECT stream_id, MIN(ts) FROM observations GROUP BY stream_id")
        return dict(rows.fetchall())

    async def last_time(self, stream_id: int) -> int | None:
        """The time (ms) of a stream's newest observation."""
        return await self._run(self._last_time, stream_id)

    def _last_time(self, stream_id: int) -> int | None:
        row = self._conn.execute(
            "SELECT MAX(ts) FROM observations WHERE stream_id = ?", (stream_id,)
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    async def series(self, stream_id: int, start_ms: int, end_ms: int) -> list[tuple[int, float]]:
        """A stream's observations in [start, end), oldest first."""
        return await self._run(self._series, stream_id, start_ms, end_ms)

    def _series(self, stream_id: int, start_ms: int, end_ms: int) -> list[tuple[int, float]]:
        rows = self._conn.execute(
            "SELECT ts, value FROM observations WHERE stream_id = ? AND ts >= ? AND ts < ? "
            "ORDER BY ts",
            (stream_id, start_ms, end_ms),
        )
        return rows.fetchall()

    async def query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """Run a read query built by the SensorThings layer (parameters bound, never formatted)."""
        return await self._run(self._query, sql, tuple(params))

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    async def purge(self, before_ms: int) -> int:
        """Delete observations older than the retention; returns how many went."""
        return await self._run(self._purge, before_ms)

    def _purge(self, before_ms: int) -> int:
        return self._conn.execute("DELETE FROM observations WHERE ts < ?", (before_ms,)).rowcount

    # -- the care guard's memory --------------------------------------------------------

    async def refuse(self, entity_id: str, reason: str, now_ms: int) -> bool:
        """Remember a refusal and drop anything stored for the entity; True if it is new."""
        return await self._run(self._refuse, entity_id, reason, now_ms)

    def _refuse(self, entity_id: str, reason: str, now_ms: int) -> bool:
        db = self._conn
        db.execute("BEGIN")
        cursor = db.execute(
            "INSERT OR IGNORE INTO refused (entity_id, reason, since) VALUES (?, ?, ?)",
            (entity_id, reason, now_ms),
        )
        new = cursor.rowcount == 1
        db.execute(
            "DELETE FROM observations WHERE stream_id IN "
            "(SELECT id FROM streams WHERE entity_id = ?)",
            (entity_id,),
        )
        db.execute("DELETE FROM streams WHERE entity_id = ?", (entity_id,))
        db.execute("COMMIT")
        return new

    async def refusals(self) -> list[Refusal]:
        """Every refused entity, oldest refusal first."""
        return await self._run(self._refusals)

    def _refusals(self) -> list[Refusal]:
        rows = self._conn.execute("SELECT entity_id, reason, since FROM refused ORDER BY since")
        return [Refusal(*row) for row in rows]
