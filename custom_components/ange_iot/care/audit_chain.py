"""The audit log's chain on disk: canonical lines, digests, signed records, verification.

What :mod:`.audit` writes and what anyone can check without it: ``verify`` reads a log
directory and reports the first fault (see :mod:`.audit` for the layout and the threat).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import hashlib
import hmac
import json
import os
from pathlib import Path
import re
from typing import Any

GENESIS = "0" * 64
HEAD_FILE = "audit-head.json"
ANCHOR_FILE = "audit-anchor.json"
MONTH_FILE = re.compile(r"audit-(\d{4})-(\d{2})\.jsonl")
FIELDS = frozenset({"seq", "at", "action", "care_unit", "room", "actor", "data", "prev", "hash"})


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    ``first_bad_line`` is ``(file name, 1-based line number)`` of the first line that breaks
    the chain, or ``None`` when the log is fine or the fault is not in a line (for example a
    missing head). ``reason`` is a short machine-readable code, ``None`` when ``ok``.
    """

    ok: bool
    lines_checked: int
    first_bad_line: tuple[str, int] | None = None
    reason: str | None = None


def canonical(obj: Mapping[str, Any]) -> bytes:
    """The exact bytes of a line or record: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(raw: bytes) -> str:
    """The SHA-256 that links a line to the next one (``prev``)."""
    return hashlib.sha256(raw).hexdigest()


def digest(raw: bytes, key: bytes | None) -> str:
    """A line's or record's digest: HMAC-SHA256 with the hub's key, else SHA-256."""
    if key is None:
        return sha256(raw)
    return hmac.new(key, raw, hashlib.sha256).hexdigest()


def month_file(at: datetime) -> str:
    """The file of the UTC month ``at`` falls in."""
    utc = at.astimezone(UTC)
    return f"audit-{utc.year:04d}-{utc.month:02d}.jsonl"


def month_files(directory: Path) -> list[Path]:
    """The log's month files, oldest first (the chain runs through them in this order)."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if MONTH_FILE.fullmatch(path.name))


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` in one step, on disk before it returns."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def ends_with_newline(path: Path) -> bool:
    """Whether ``path`` is empty or ends with a complete line."""
    with path.open("rb") as file:
        if file.seek(0, os.SEEK_END) == 0:
            return True
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def signed(record: dict[str, Any], key: bytes | None) -> bytes:
    """A head or anchor record as written, with its MAC when there is a key."""
    if key is not None:
        record = {**record, "mac": digest(canonical(record), key)}
    return canonical(record) + b"\n"


def read_signed(path: Path, key: bytes | None) -> dict[str, Any] | None:
    """A head or anchor record, ``None`` when absent; ``ValueError`` when unreadable or forged."""
    if not path.exists():
        return None
    record = json.loads(path.read_bytes())
    if not isinstance(record, dict):
        raise ValueError("not an object")
    if key is not None:
        mac = record.pop("mac", None)
        if not isinstance(mac, str) or not hmac.compare_digest(
            mac, digest(canonical(record), key)
        ):
            raise ValueError("signature does not match")
    return record


def split_lines(raw: bytes) -> tuple[list[bytes], bool]:
    """Lines of a file and whether its last line was cut off (no final newline)."""
    if not raw:
        return [], False
    lines = raw.split(b"\n")
    tail = lines.pop()
    if tail:
        lines.append(tail)
        return lines, True
    return lines, False


def parse_line(raw: bytes, key: bytes | None) -> tuple[dict[str, Any] | None, str | None]:
    """The entry on a line, or the reason it is not a valid entry."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return None, "invalid_json"
    if not isinstance(entry, dict) or set(entry) != FIELDS:
        return None, "invalid_entry"
    if canonical(entry) != raw:
        return None, "not_canonical"
    body = {name: value for name, value in entry.items() if name != "hash"}
    if not hmac.compare_digest(str(entry["hash"]), digest(canonical(body), key)):
        return None, "hash_mismatch"
    return entry, None


def verify(directory: Path | str, *, key: bytes | None = None) -> VerifyResult:
    """Check the whole chain, its anchor and its head; the first fault found is reported."""
    directory = Path(directory)
    try:
        anchor = read_signed(directory / ANCHOR_FILE, key)
        expected_prev = GENESIS if anchor is None else str(anchor["hash"])
        expected_seq = 1 if anchor is None else int(anchor["seq"]) + 1
        purged = set() if anchor is None else set(anchor["purged_files"])
    except (KeyError, TypeError, ValueError):
        return VerifyResult(False, 0, None, "anchor_invalid")
    checked = 0
    last: tuple[str, int] | None = None
    for path in month_files(directory):
        if path.name in purged:
            # Left over from a purge that was interrupted; the anchor already covers it.
            continue
        lines, cut = split_lines(path.read_bytes())
        for number, raw in enumerate(lines, start=1):
            place = (path.name, number)
            if cut and number == len(lines):
                return VerifyResult(False, checked, place, "incomplete_line")
            entry, reason = parse_line(raw, key)
            if entry is None:
                return VerifyResult(False, checked, place, reason)
            if entry["prev"] != expected_prev:
                return VerifyResult(False, checked, place, "prev_mismatch")
            if entry["seq"] != expected_seq:
                return VerifyResult(False, checked, place, "seq_mismatch")
            expected_prev = sha256(raw)
            expected_seq += 1
            checked += 1
            last = place
    try:
        head = read_signed(directory / HEAD_FILE, key)
    except ValueError:
        return VerifyResult(False, checked, last, "head_invalid")
    if head is None:
        if checked or anchor is not None:
            return VerifyResult(False, checked, last, "head_missing")
        return VerifyResult(True, 0)
    if head.get("seq") != expected_seq - 1 or head.get("hash") != expected_prev:
        return VerifyResult(False, checked, last, "head_mismatch")
    return VerifyResult(True, checked)
