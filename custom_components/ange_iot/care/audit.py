"""The care audit log: append-only JSON Lines whose hash chain shows any tampering.

Layout of the log directory (``<config>/ange_iot/audit/<config entry id>/``, one per hub,
each with its own key)::

    audit-2026-11.jsonl   one file per month (UTC), one entry per line
    audit-head.json       the sequence number and hash of the last line written
    audit-anchor.json     after a retention purge: where the remaining chain starts

Each line is canonical JSON (sorted keys, no spaces) of::

    {"seq", "at", "action", "care_unit", "room", "actor", "data", "prev", "hash"}

``prev`` is the SHA-256 of the previous line's exact bytes (``GENESIS`` for the first line,
and the chain runs on across month files); ``hash`` is the digest of the line's other fields.
Editing a line breaks its ``hash`` and the next line's ``prev``; deleting or reordering
lines breaks ``prev`` and ``seq``; deleting or cutting the last line no longer matches
the head. With a ``key`` (kept outside this directory, for example in Home Assistant's
``.storage``) the digests and the head and anchor records are HMAC-SHA256: someone who can
edit the files but not read the key cannot rewrite the chain so that it verifies again.

Entries hold pseudonymous unit and room codes and Home Assistant user ids (or ``"system"``),
never names: data that looks like a personal identity number or a name field is refused.
Technical ids (user ids, alarm ids, DevEUIs, uuids) are recognised by their format and are
never mistaken for one. :func:`screen_line` runs the same checks without writing, so the
caller can refuse an action before anything changes. The class is synchronous; Home
Assistant calls it in the executor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from enum import StrEnum
import logging
import os
from pathlib import Path
import re
import threading
from typing import Any

from .audit_chain import (
    ANCHOR_FILE,
    GENESIS,
    HEAD_FILE,
    VerifyResult,
    canonical,
    digest,
    ends_with_newline,
    month_file,
    month_files,
    parse_line,
    read_signed,
    sha256,
    signed,
    split_lines,
    verify,
    write_atomic,
)
from .errors import CareError, InvalidCodeError, PersonalDataError
from .identity import is_stored_code, is_technical_id, looks_like_identity_number
from .moments import from_iso, require_aware, utc
from .privacy import JsonValue, plain_mapping

# The chain's format and its check live in audit_chain.py; callers use them from here.
__all__ = [
    "ANCHOR_FILE",
    "DEFAULT_RETENTION_YEARS",
    "GENESIS",
    "HEAD_FILE",
    "SYSTEM_ACTOR",
    "AuditAction",
    "AuditError",
    "AuditExportTargetError",
    "AuditLog",
    "AuditTamperedError",
    "VerifyResult",
    "retention_cutoff",
    "screen_line",
    "verify",
]

_LOGGER = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
DEFAULT_RETENTION_YEARS = 5
_ACTION = re.compile(r"[a-z][a-z0-9_]{0,63}")


class AuditAction(StrEnum):
    """The actions the integration records (``append`` also takes other snake_case names)."""

    ALARM_TRIGGERED = "alarm_triggered"
    ALARM_REPEATED = "alarm_repeated"
    ALARM_ESCALATED = "alarm_escalated"
    ALARM_ACKNOWLEDGED = "alarm_acknowledged"
    ALARM_RESOLVED = "alarm_resolved"
    SUPERVISION_CHECK = "supervision_check"
    SUPERVISION_PAUSED = "supervision_paused"
    CARE_DEVICE_CHANGED = "care_device_changed"
    CARE_UNIT_CHANGED = "care_unit_changed"
    AUDIT_EXPORTED = "audit_exported"
    AUDIT_PURGED = "audit_purged"
    # Reads of care data (HSLF-FS 2016:40): who looked at what, and when.
    NIGHT_REPORT_READ = "night_report_read"
    AUDIT_VERIFIED = "audit_verified"
    AUDIT_ACCESS_REPORT = "audit_access_report"
    CONSENT_RECORDED = "consent_recorded"
    CONSENT_WITHDRAWN = "consent_withdrawn"


class AuditError(CareError):
    """An audit request that cannot be carried out."""

    translation_key = "audit_error"


class AuditExportTargetError(AuditError):
    """An export target inside the log directory, where it could pass for part of the log."""

    translation_key = "audit_export_target_invalid"


class AuditTamperedError(AuditError):
    """The log does not verify, so retention will not delete what may be evidence."""

    translation_key = "audit_log_tampered"


def screen_line(
    action: AuditAction | str,
    *,
    actor: str | None,
    care_unit: str | None = None,
    room: str | None = None,
    data: Mapping[str, object] | None = None,
) -> tuple[str, str, dict[str, JsonValue]]:
    """Check one line without writing it: ``(action, actor, plain data)``.

    Raises ``InvalidCodeError`` for a bad unit or room code, ``PersonalDataError`` for
    anything that looks like personal data, ``ValueError`` for a bad action name. A Home
    Assistant user id (32 hex digits) or another technical id is never screened as a
    personal identity number.
    """
    action = str(action)
    if not _ACTION.fullmatch(action):
        raise ValueError("audit action must be a snake_case name")
    actor = actor or SYSTEM_ACTOR
    if not is_technical_id(actor) and looks_like_identity_number(actor):
        raise PersonalDataError("actor must be a Home Assistant user id", field="actor")
    for code, what in ((care_unit, "care_unit"), (room, "room")):
        if code is not None and not is_stored_code(code):
            raise InvalidCodeError(f"{what} is not a valid pseudonymous code", field=what)
    return action, actor, plain_mapping(data, "data")


def retention_cutoff(now: datetime, years: int = DEFAULT_RETENTION_YEARS) -> datetime:
    """The moment ``years`` calendar years before ``now`` (29 February falls back to the 28th)."""
    require_aware(now, "now")
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


class AuditLog:
    """Append to, read, export and purge the audit log in ``directory``.

    Thread safe: Home Assistant may run two executor jobs on it at once.
    """

    def __init__(self, directory: Path | str, *, key: bytes | None = None) -> None:
        self._directory = Path(directory)
        self._key = key
        self._lock = threading.Lock()
        self._directory.mkdir(parents=True, exist_ok=True)
        # The head lags the chain's end while a write of it has failed (see _sync_head).
        self._head_behind = False
        self._seq, self._last_hash, self._last_file = self._find_chain_end()

    @property
    def directory(self) -> Path:
        """Where the log files are."""
        return self._directory

    def _find_chain_end(self) -> tuple[int, str, str | None]:
        """Where the next entry continues the chain, repairing a head an append left behind."""
        try:
            anchor = read_signed(self._directory / ANCHOR_FILE, self._key)
        except ValueError:
            anchor = None
        seq, last_hash = (
            (0, GENESIS) if anchor is None else (int(anchor["seq"]), str(anchor["hash"]))
        )
        purged = set() if anchor is None else set(anchor["purged_files"])
        files = [path for path in month_files(self._directory) if path.name not in purged]
        if not files:
            return seq, last_hash, None
        newest = files[-1]
        lines, _cut = split_lines(newest.read_bytes())
        for raw in reversed(lines):
            entry, _reason = parse_line(raw, self._key)
            if entry is not None:
                seq, last_hash = int(entry["seq"]), sha256(raw)
                break
        try:
            head = read_signed(self._directory / HEAD_FILE, self._key)
        except ValueError:
            head = None
        # A crash between writing a line and writing the head leaves the head one behind.
        if head is not None and head.get("seq") == seq - 1:
            self._write_head(seq, last_hash)
        return seq, last_hash, newest.name

    def _write_head(self, seq: int, last_hash: str) -> None:
        write_atomic(
            self._directory / HEAD_FILE, signed({"seq": seq, "hash": last_hash}, self._key)
        )

    def append(
        self,
        action: AuditAction | str,
        *,
        at: datetime,
        actor: str | None,
        care_unit: str | None = None,
        room: str | None = None,
        data: Mapping[str, object] | None = None,
    ) -> dict[str, Any]:
        """Write one entry and return it as stored.

        ``actor`` is a Home Assistant user id, or ``None``/``"system"`` for the integration
        itself. Raises ``InvalidCodeError`` for a bad unit or room code, ``PersonalDataError``
        for anything that looks like personal data, ``ValueError`` for a bad action name.
        """
        require_aware(at, "at")
        action, actor, plain = screen_line(
            action, actor=actor, care_unit=care_unit, room=room, data=data
        )
        with self._lock:
            body: dict[str, Any] = {
                "seq": self._seq + 1,
                "at": at.astimezone(UTC).isoformat(),
                "action": action,
                "care_unit": care_unit,
                "room": room,
                "actor": actor,
                "data": plain,
                "prev": self._last_hash,
            }
            entry = {**body, "hash": digest(canonical(body), self._key)}
            raw = canonical(entry)
            # A clock that went back must not put the line into an earlier file: the chain
            # runs through the files in name order.
            name = max(month_file(at), self._last_file or "")
            path = self._directory / name
            with path.open("ab") as file:
                size = file.tell()
                try:
                    # A line cut off by a crash stays visible to verify(), but must not
                    # swallow the next entry.
                    prefix = b"" if ends_with_newline(path) else b"\n"
                    file.write(prefix + raw + b"\n")
                    file.flush()
                    os.fsync(file.fileno())
                except OSError:
                    # The caller is told the line was not written, so it must not stay
                    # half-there to break the chain for the next one.
                    file.truncate(size)
                    raise
            self._seq, self._last_hash, self._last_file = entry["seq"], sha256(raw), name
            self._head_behind = True
            self._sync_head()
        return entry

    def _sync_head(self) -> None:
        """Bring the head to the chain's end; a failure is retried by the next append or check.

        By now the line is on disk: failing the append would make the caller write it a
        second time. Until the head is written, ``verify`` reports ``head_mismatch``.
        """
        try:
            self._write_head(self._seq, self._last_hash)
        except OSError as err:
            _LOGGER.warning(
                "Audit line %d is written but the head is not (%s); it is written with the "
                "next line or check",
                self._seq,
                err,
            )
            return
        self._head_behind = False

    def _lines(self) -> Iterator[tuple[bytes, dict[str, Any]]]:
        try:
            anchor = read_signed(self._directory / ANCHOR_FILE, self._key)
        except ValueError:
            anchor = None
        purged = set() if anchor is None else set(anchor["purged_files"])
        for path in month_files(self._directory):
            if path.name in purged:
                continue
            lines, _cut = split_lines(path.read_bytes())
            for raw in lines:
                entry, _reason = parse_line(raw, self._key)
                # A damaged line is verify()'s to report; reading skips it.
                if entry is not None:
                    yield raw, entry

    def _select(
        self,
        start: datetime,
        end: datetime,
        care_unit: str | None,
        actor: str | None = None,
        actions: Collection[str] | None = None,
    ) -> list[tuple[bytes, dict[str, Any]]]:
        require_aware(start, "start")
        require_aware(end, "end")
        return [
            (raw, entry)
            for raw, entry in self._lines()
            if utc(start) <= from_iso(entry["at"]) < utc(end)
            and (care_unit is None or entry["care_unit"] == care_unit)
            and (actor is None or entry["actor"] == actor)
            and (actions is None or entry["action"] in actions)
        ]

    def read(
        self,
        start: datetime,
        end: datetime,
        care_unit: str | None = None,
        *,
        actor: str | None = None,
        actions: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Entries with ``start <= at < end``, filtered by unit, actor and action, in log order."""
        with self._lock:
            return [
                entry for _raw, entry in self._select(start, end, care_unit, actor, actions)
            ]

    def export(
        self,
        start: datetime,
        end: datetime,
        care_unit: str | None,
        target_path: Path | str,
        *,
        at: datetime,
        actor: str | None,
        user_id: str | None = None,
        actions: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Write the selected entries to ``target_path`` and record the export in the log.

        ``user_id`` and ``actions`` narrow the extract to one user's and some actions' lines
        (loggkontroll). When the export cannot be recorded, the extract is removed again
        and the error raised: an export nobody can trace must not exist.

        The extract is JSON Lines holding the log's own lines byte for byte, so each line's
        hash can be checked against the log, and the nested ``data`` needs no flattening
        (CSV would need both, and spreadsheet programs rewrite what they open).
        Raises ``AuditExportTargetError`` for a target inside the log directory.
        """
        target = Path(target_path)
        if target.resolve().parent == self._directory.resolve():
            raise AuditExportTargetError(
                "an export cannot be written into the audit log directory", file=target.name
            )
        filters: dict[str, object] = {}
        if user_id is not None:
            filters["user_id"] = user_id
        if actions is not None:
            filters["actions"] = sorted(actions)
        with self._lock:
            selected = self._select(start, end, care_unit, user_id, actions)
            data = {
                "start": require_aware(start, "start").isoformat(),
                "end": require_aware(end, "end").isoformat(),
                "lines": len(selected),
                "file": target.name,
                **filters,
            }
            # Refuse before writing anything when the line itself would be refused.
            screen_line(AuditAction.AUDIT_EXPORTED, actor=actor, care_unit=care_unit, data=data)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, b"".join(raw + b"\n" for raw, _entry in selected))
        try:
            self.append(
                AuditAction.AUDIT_EXPORTED, at=at, actor=actor, care_unit=care_unit, data=data
            )
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return [entry for _raw, entry in selected]

    def verify(self) -> VerifyResult:
        """:func:`verify` on this log, with its key, once a head left behind is written."""
        with self._lock:
            if self._head_behind:
                self._sync_head()
            return verify(self._directory, key=self._key)

    def purge_older_than(
        self, cutoff: datetime, *, at: datetime, actor: str | None = None
    ) -> list[str]:
        """Delete whole month files whose entries are all older than ``cutoff``.

        The newest file is always kept, and a file holding any entry at or after the cutoff
        keeps all of its entries, so data is kept at least as long as asked. Before deleting,
        an anchor records the hash and sequence number where the remaining chain starts,
        so :func:`verify` still succeeds; the purge itself is then logged. Refuses with
        ``AuditTamperedError`` when the log does not verify. Returns the deleted file names.
        """
        require_aware(cutoff, "cutoff")
        with self._lock:
            result = verify(self._directory, key=self._key)
            if not result.ok:
                raise AuditTamperedError(
                    f"the audit log does not verify ({result.reason}); nothing was purged",
                    reason=result.reason or "",
                )
            anchor = read_signed(self._directory / ANCHOR_FILE, self._key)
            already = [] if anchor is None else list(anchor["purged_files"])
            files = [path for path in month_files(self._directory) if path.name not in already]
            doomed: list[Path] = []
            last_raw: bytes | None = None
            last_seq = 0
            for path in files[:-1]:
                lines, _cut = split_lines(path.read_bytes())
                entries = [entry for raw in lines if (entry := parse_line(raw, self._key)[0])]
                if any(from_iso(entry["at"]) >= utc(cutoff) for entry in entries):
                    break
                doomed.append(path)
                if entries:
                    last_raw, last_seq = lines[-1], int(entries[-1]["seq"])
            if doomed and last_raw is not None:
                record = {
                    "seq": last_seq,
                    "hash": sha256(last_raw),
                    "purged_files": already + [path.name for path in doomed],
                }
                write_atomic(self._directory / ANCHOR_FILE, signed(record, self._key))
            # Also finish a purge that was interrupted after its anchor was written.
            for name in already:
                (self._directory / name).unlink(missing_ok=True)
            for path in doomed:
                path.unlink()
        names = [path.name for path in doomed]
        if names:
            self.append(
                AuditAction.AUDIT_PURGED,
                at=at,
                actor=actor,
                data={"before": cutoff.isoformat(), "files": names, "through_seq": last_seq},
            )
        return names
