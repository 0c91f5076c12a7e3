"""The durable queue: SQLite in WAL mode, written by one thread.

Every accepted event is committed (with ``synchronous=FULL``, so it survives a power cut,
not just a crash) before anyone is told it is queued: the upstream broker gets its
PUBACK and an HTTP pusher its 200 only from the commit's callback. Rows leave the queue
only when they are acknowledged: by the Ånge IoT integration when it acknowledges
(``ack.py``), else by the downstream broker. Commits are grouped: whatever
arrived while the previous commit ran goes into the next one, so the fsync cost is
shared by many events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import enum
import logging
from pathlib import Path
import queue
import sqlite3
import threading
import time
from typing import Final

from .events import Event
from .stats import Stats

_LOGGER = logging.getLogger(__name__)

DB_NAME: Final = "queue.sqlite3"
DEDUP_WINDOW_S: Final = 24 * 3600
"""How long a dedup key is remembered. A join forgets a device's keys at once, because
the frame counter starts again from zero."""
_PRUNE_EVERY_S: Final = 60.0
_MAX_BATCH: Final = 4096
_DROP_CHUNK: Final = 512
_ROW_OVERHEAD: Final = 64
"""Bytes counted per row on top of topic and body, so tiny events still count."""

_SCHEMA: Final = (
    # AUTOINCREMENT: ids are never reused, so "everything after id N" stays a valid
    # cursor for the forwarder even when the queue runs empty.
    "CREATE TABLE IF NOT EXISTS queue ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,"
    " size INTEGER NOT NULL, received_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS seen_at ON seen (at)",
)


class Outcome(enum.Enum):
    """What became of a submitted event."""

    QUEUED = "queued"
    DUPLICATE = "duplicate"
    FAILED = "failed"


type Done = Callable[[Outcome], None]


@dataclass(frozen=True, slots=True)
class Row:
    """A queued event as the forwarder reads it."""

    id: int
    topic: str
    payload: bytes
    size: int


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode with FULL sync; autocommit, transactions are explicit."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


class Reader:
    """A read connection for one thread; WAL lets it read while the writer commits."""

    def __init__(self, path: Path) -> None:
        """Open the connection."""
        self._conn = connect(path)

    def after(self, last_id: int, limit: int) -> list[Row]:
        """Up to ``limit`` rows with ids above ``last_id``, oldest first."""
        cur = self._conn.execute(
            "SELECT id, topic, payload, size FROM queue WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, limit),
        )
        return [Row(r[0], r[1], bytes(r[2]), r[3]) for r in cur.fetchall()]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


@dataclass(frozen=True, slots=True)
class _Insert:
    event: Event
    done: Done


@dataclass(frozen=True, slots=True)
class _Delete:
    row_id: int
    size: int


@dataclass(frozen=True, slots=True)
class _DeleteRange:
    first: int
    last: int


class _Stop:
    pass


_STOP: Final = _Stop()
type _Command = _Insert | _Delete | _DeleteRange | _Stop


class Store:
    """The queue and its single writer thread."""

    def __init__(self, data_dir: Path, max_bytes: int, stats: Stats) -> None:
        """Open (or create) the database under ``data_dir``."""
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_NAME
        self._max_bytes = max_bytes
        self._stats = stats
        self._commands: queue.SimpleQueue[_Command] = queue.SimpleQueue()
        self._conn = connect(self.path)
        for statement in _SCHEMA:
            self._conn.execute(statement)
        count, total, oldest = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(received_at) FROM queue"
        ).fetchone()
        self._bytes: int = total
        stats.queued = count
        stats.oldest_queued_at = oldest
        self._last_prune = 0.0
        self._thread = threading.Thread(target=self._run, name="store", daemon=True)
        self.on_committed: Callable[[], None] | None = None
        """Called after each commit that queued rows, from the writer thread."""

    @property
    def queued_bytes(self) -> int:
        """Bytes of events on disk, as the size limit counts them."""
        return self._bytes

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish what was submitted, then close."""
        if self._thread.is_alive():
            self._commands.put(_STOP)
            self._thread.join()
        self._conn.close()

    def submit(self, event: Event, done: Done) -> None:
        """Queue ``event`` durably; ``done`` is called from the writer thread after commit."""
        self._commands.put(_Insert(event, done))

    def forwarded(self, row_id: int, size: int) -> None:
        """The downstream broker acknowledged this row: delete it."""
        self._commands.put(_Delete(row_id, size))

    def acknowledged(self, first: int, last: int) -> None:
        """The integration took rows ``first`` to ``last`` (inclusive): delete them."""
        self._commands.put(_DeleteRange(first, last))

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Command] = [self._commands.get()]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self._commands.get_nowait())
                except queue.Empty:
                    break
            inserts: list[_Insert] = []
            deletes: list[_Delete | _DeleteRange] = []
            for command in batch:
                if isinstance(command, _Insert):
                    inserts.append(command)
                elif isinstance(command, _Delete | _DeleteRange):
                    deletes.append(command)
                else:
                    stopping = True
            self._apply(inserts, deletes)

    def _apply(self, inserts: list[_Insert], deletes: list[_Delete | _DeleteRange]) -> None:
        outcomes: list[Outcome] = []
        now = time.time()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            deleted = 0
            for delete in deletes:
                if isinstance(delete, _DeleteRange):
                    deleted += self._delete_range(delete)
                elif self._conn.execute(
                    "DELETE FROM queue WHERE id = ?", (delete.row_id,)
                ).rowcount:
                    self._bytes -= delete.size
                    deleted += 1
            added = 0
            for insert in inserts:
                outcome = self._insert(insert.event, now)
                if outcome is Outcome.QUEUED:
                    added += 1
                outcomes.append(outcome)
            dropped = self._enforce_limit()
            if now - self._last_prune > _PRUNE_EVERY_S:
                self._conn.execute("DELETE FROM seen WHERE at < ?", (now - DEDUP_WINDOW_S,))
                self._last_prune = now
            self._conn.execute("COMMIT")
        except sqlite3.Error as err:
            _LOGGER.error("Queue write failed, %d events not queued: %s", len(inserts), err)
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._recount()
            for insert in inserts:
                _notify(insert.done, Outcome.FAILED)
            # The forwarded rows are still on disk: try their deletes again with the next batch.
            for delete in deletes:
                self._commands.put(delete)
            return
        stats = self._stats
        stats.forwarded += deleted
        stats.received += added + outcomes.count(Outcome.DUPLICATE)
        stats.duplicates += outcomes.count(Outcome.DUPLICATE)
        stats.dropped += dropped
        stats.queued += added - deleted - dropped
        if deleted or dropped or stats.oldest_queued_at is None:
            row = self._conn.execute("SELECT MIN(received_at) FROM queue").fetchone()
            stats.oldest_queued_at = row[0]
        for insert, outcome in zip(inserts, outcomes, strict=True):
            _notify(insert.done, outcome)
        if added and self.on_committed is not None:
            self.on_committed()

    def _delete_range(self, delete: _DeleteRange) -> int:
        # An acknowledgement names rows, not sizes: read them before they go. A range
        # acknowledged twice (a resend taken twice) deletes nothing the second time.
        count, total = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM queue WHERE id BETWEEN ? AND ?",
            (delete.first, delete.last),
        ).fetchone()
        if count:
            self._conn.execute(
                "DELETE FROM queue WHERE id BETWEEN ? AND ?", (delete.first, delete.last)
            )
            self._bytes -= total
        return int(count)

    def _insert(self, event: Event, now: float) -> Outcome:
        conn = self._conn
        if not conn.execute(
            "INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?)", (event.dedup_key, now)
        ).rowcount:
            return Outcome.DUPLICATE
        if event.event == "join":
            prefix = f"{event.network}|{event.dev_eui}|"
            conn.execute(
                "DELETE FROM seen WHERE key > ? AND key < ? AND key != ?",
                (prefix, prefix + "\U0010ffff", event.dedup_key),
            )
        topic = event.topic
        size = len(event.body) + len(topic) + _ROW_OVERHEAD
        conn.execute(
            "INSERT INTO queue (topic, payload, size, received_at) VALUES (?, ?, ?, ?)",
            (topic, event.body, size, now),
        )
        self._bytes += size
        return Outcome.QUEUED

    def _enforce_limit(self) -> int:
        dropped = 0
        while self._bytes > self._max_bytes:
            rows = self._conn.execute(
                "SELECT id, size FROM queue ORDER BY id LIMIT ?", (_DROP_CHUNK,)
            ).fetchall()
            if not rows:
                break
            for row_id, size in rows:
                if self._bytes <= self._max_bytes:
                    break
                self._conn.execute("DELETE FROM queue WHERE id = ?", (row_id,))
                self._bytes -= size
                dropped += 1
        if dropped:
            _LOGGER.error(
                "Queue full (%d MB): dropped the %d oldest events",
                self._max_bytes // (1024 * 1024),
                dropped,
            )
        return dropped

    def _recount(self) -> None:
        count, total = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM queue"
        ).fetchone()
        self._bytes = total
        self._stats.queued = count


def _notify(done: Done, outcome: Outcome) -> None:
    # The writer thread must outlive any one caller's callback (an HTTP request whose
    # event loop is closing, a broker connection being torn down).
    try:
        done(outcome)
    except Exception:
        _LOGGER.exception("A queue callback failed")
