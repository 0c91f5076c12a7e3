"""The care audit log: its hash chain, tamper detection, retention, export, privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import hashlib
import json
from pathlib import Path
import threading
from zoneinfo import ZoneInfo

import pytest

from custom_components.ange_iot.care.audit import (
    ANCHOR_FILE,
    GENESIS,
    HEAD_FILE,
    AuditAction,
    AuditExportTargetError,
    AuditLog,
    AuditTamperedError,
    retention_cutoff,
    verify,
)
from custom_components.ange_iot.care.errors import InvalidCodeError, PersonalDataError

NURSE = "9f3c1e0a5b7d4c2e8f6a1b3c5d7e9f01"
T0 = datetime(2026, 11, 3, 2, 10, tzinfo=UTC)
KEY = b"k" * 32


def fill(
    log: AuditLog, count: int, start: datetime = T0, step: timedelta = timedelta(minutes=1)
) -> None:
    for index in range(count):
        log.append(
            AuditAction.ALARM_ACKNOWLEDGED,
            at=start + index * step,
            actor=NURSE,
            care_unit="SOL-2",
            room=f"R{index}",
            data={"alarm_id": f"a{index}"},
        )


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def month(directory: Path, name: str = "2026-11") -> Path:
    return directory / f"audit-{name}.jsonl"


# ---- writing and the chain -----------------------------------------------------------


def test_entries_are_written_as_chained_json_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    first = log.append(
        AuditAction.ALARM_ACKNOWLEDGED,
        at=datetime(2026, 11, 3, 3, 10, tzinfo=ZoneInfo("Europe/Stockholm")),
        actor=NURSE,
        care_unit="SOL-2",
        room="R12",
        data={"alarm_id": "abc"},
    )
    second = log.append("supervision_check", at=T0, actor=None, care_unit="SOL-2", room="R12")
    raw = lines_of(month(tmp_path))
    assert len(raw) == 2
    assert json.loads(raw[0]) == first
    assert first["seq"] == 1
    assert first["prev"] == GENESIS
    assert first["actor"] == NURSE
    assert first["action"] == "alarm_acknowledged"
    # Times are stored in UTC, whatever zone the caller used.
    assert first["at"].endswith("+00:00")
    assert second["seq"] == 2
    assert second["actor"] == "system"
    assert second["data"] == {}
    # prev is the SHA-256 of the previous line's exact bytes.
    assert second["prev"] == hashlib.sha256(raw[0]).hexdigest()
    assert verify(tmp_path).ok
    assert verify(tmp_path).lines_checked == 2


def test_an_empty_directory_verifies(tmp_path: Path) -> None:
    result = verify(tmp_path / "never-created")
    assert result.ok
    assert result.lines_checked == 0


def test_the_chain_runs_on_across_month_files(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    fill(log, 3, start=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    assert sorted(p.name for p in tmp_path.glob("audit-*.jsonl")) == [
        "audit-2026-10.jsonl",
        "audit-2026-11.jsonl",
    ]
    october = lines_of(month(tmp_path, "2026-10"))
    november = lines_of(month(tmp_path, "2026-11"))
    assert json.loads(november[0])["prev"] == hashlib.sha256(october[-1]).hexdigest()
    assert verify(tmp_path).lines_checked == 3
    assert verify(tmp_path).ok


def test_a_clock_going_back_does_not_write_into_an_earlier_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.append("alarm_triggered", at=datetime(2026, 11, 1, 0, 0, 5, tzinfo=UTC), actor=None)
    log.append("alarm_triggered", at=datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC), actor=None)
    assert not month(tmp_path, "2026-10").exists()
    assert len(lines_of(month(tmp_path, "2026-11"))) == 2
    assert verify(tmp_path).ok


def test_a_restart_continues_the_chain(tmp_path: Path) -> None:
    fill(AuditLog(tmp_path), 3)
    entry = AuditLog(tmp_path).append("alarm_resolved", at=T0 + timedelta(hours=1), actor=NURSE)
    assert entry["seq"] == 4
    result = verify(tmp_path)
    assert result.ok
    assert result.lines_checked == 4


def test_a_crash_between_line_and_head_is_repaired_on_start(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    fill(log, 2)
    head_after_two = (tmp_path / HEAD_FILE).read_bytes()
    fill(log, 1, start=T0 + timedelta(hours=1))
    (tmp_path / HEAD_FILE).write_bytes(head_after_two)
    assert verify(tmp_path).reason == "head_mismatch"
    AuditLog(tmp_path)
    assert verify(tmp_path).ok


def test_a_head_that_cannot_be_written_does_not_fail_the_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Disk trouble after the line's fsync: the line stands, once; the head catches up."""
    log = AuditLog(tmp_path)
    fill(log, 2)
    # The head is written through a temporary file; a directory in its place fails that.
    blocker = tmp_path / f".{HEAD_FILE}.tmp"
    blocker.mkdir()

    entry = log.append("alarm_resolved", at=T0 + timedelta(hours=1), actor=NURSE)

    assert entry["seq"] == 3
    assert "Audit line 3 is written but the head is not" in caplog.text
    # On disk the head is one behind, which a check must not call whole.
    assert verify(tmp_path).reason == "head_mismatch"
    assert log.verify().reason == "head_mismatch"  # still cannot write it
    blocker.rmdir()
    # The log's own check writes the head first; every line is there exactly once.
    result = log.verify()
    assert result.ok
    assert result.lines_checked == 3
    assert [line["seq"] for line in log.read(T0 - timedelta(days=1), T0 + timedelta(days=1))] == [1, 2, 3]


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    threads = [threading.Thread(target=fill, args=(log, 25)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verify(tmp_path)
    assert result.ok
    assert result.lines_checked == 100


# ---- tamper detection ----------------------------------------------------------------


@pytest.fixture
def ten_lines(tmp_path: Path) -> Path:
    fill(AuditLog(tmp_path), 10)
    assert verify(tmp_path).ok
    return month(tmp_path)


def test_an_edited_line_is_detected(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    lines[4] = lines[4].replace(NURSE.encode(), b"0" * 32)
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert not result.ok
    assert result.first_bad_line == (ten_lines.name, 5)
    assert result.reason == "hash_mismatch"
    assert result.lines_checked == 4


def test_an_edited_line_with_a_recomputed_hash_breaks_the_next_link(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    entry = json.loads(lines[4])
    entry["actor"] = "0" * 32
    body = {key: value for key, value in entry.items() if key != "hash"}
    entry["hash"] = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    lines[4] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 6)
    assert result.reason == "prev_mismatch"


def test_reformatting_a_line_is_detected(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    lines[2] = json.dumps(json.loads(lines[2]), sort_keys=True).encode()
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 3)
    assert result.reason == "not_canonical"


def test_a_deleted_line_is_detected(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    del lines[3]
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert not result.ok
    assert result.first_bad_line == (ten_lines.name, 4)
    assert result.reason == "prev_mismatch"


def test_reordered_lines_are_detected(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    lines[6], lines[7] = lines[7], lines[6]
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert not result.ok
    assert result.first_bad_line == (ten_lines.name, 7)


def test_a_truncated_line_in_the_middle_is_detected(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    lines[5] = lines[5][:40]
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 6)
    assert result.reason == "invalid_json"


def test_a_truncated_last_line_is_detected(ten_lines: Path) -> None:
    raw = ten_lines.read_bytes()
    ten_lines.write_bytes(raw[:-25])
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 10)
    assert result.reason == "incomplete_line"


def test_a_deleted_last_line_is_detected_by_the_head(ten_lines: Path) -> None:
    write_lines(ten_lines, lines_of(ten_lines)[:-1])
    result = verify(ten_lines.parent)
    assert not result.ok
    assert result.reason == "head_mismatch"
    assert result.lines_checked == 9


def test_deleting_everything_but_the_head_is_detected(ten_lines: Path) -> None:
    ten_lines.unlink()
    assert verify(ten_lines.parent).reason == "head_mismatch"


def test_a_deleted_head_is_detected(ten_lines: Path) -> None:
    (ten_lines.parent / HEAD_FILE).unlink()
    assert verify(ten_lines.parent).reason == "head_missing"


def test_a_deleted_month_file_is_detected(tmp_path: Path) -> None:
    fill(
        AuditLog(tmp_path),
        3,
        start=datetime(2026, 9, 30, 23, 59, tzinfo=UTC),
        step=timedelta(days=20),
    )
    assert len(list(tmp_path.glob("audit-*.jsonl"))) == 3
    month(tmp_path, "2026-10").unlink()
    result = verify(tmp_path)
    assert result.first_bad_line == ("audit-2026-11.jsonl", 1)
    assert result.reason == "prev_mismatch"


def test_a_keyed_log_cannot_be_rewritten_without_the_key(tmp_path: Path) -> None:
    """Someone who recomputes every SHA-256 still fails against the HMAC key."""
    log = AuditLog(tmp_path, key=KEY)
    fill(log, 3)
    assert log.verify().ok
    assert not verify(tmp_path).ok  # the digests are HMACs, not plain hashes
    assert verify(tmp_path, key=b"x" * 32).reason == "hash_mismatch"
    # A forged head fails its signature.
    head = json.loads((tmp_path / HEAD_FILE).read_bytes())
    head["seq"] = 2
    (tmp_path / HEAD_FILE).write_bytes(json.dumps(head).encode())
    assert verify(tmp_path, key=KEY).reason == "head_invalid"


# ---- privacy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "data"),
    [
        (NURSE, {"note": "19121212-1212"}),
        (NURSE, {"ids": [{"pnr": 1212121212}]}),
        (NURSE, {"121212-1212": True}),
        (NURSE, {"name": "R12"}),
        (NURSE, {"resident_namn": "x"}),
        ("121212-1212", {}),
    ],
)
def test_personal_data_is_refused_and_nothing_is_written(
    tmp_path: Path, actor: str, data: dict[str, object]
) -> None:
    log = AuditLog(tmp_path)
    fill(log, 1)
    before = month(tmp_path).read_bytes()
    with pytest.raises(PersonalDataError) as raised:
        log.append("alarm_resolved", at=T0, actor=actor, care_unit="SOL-2", room="R12", data=data)
    assert raised.value.translation_key == "personal_data_refused"
    assert month(tmp_path).read_bytes() == before
    assert log.append("alarm_resolved", at=T0, actor=NURSE)["seq"] == 2


@pytest.mark.parametrize(("care_unit", "room"), [("SOL-2", "121212-1212"), ("201212121212", None)])
def test_codes_that_look_like_identity_numbers_are_refused(
    tmp_path: Path, care_unit: str, room: str | None
) -> None:
    with pytest.raises(InvalidCodeError):
        AuditLog(tmp_path).append(
            "care_unit_changed", at=T0, actor=NURSE, care_unit=care_unit, room=room
        )
    assert not month(tmp_path).exists()


@pytest.mark.parametrize("action", ["", "Alarm", "alarm-resolved", "x" * 65])
def test_action_names_are_snake_case(tmp_path: Path, action: str) -> None:
    with pytest.raises(ValueError, match="snake_case"):
        AuditLog(tmp_path).append(action, at=T0, actor=NURSE)


def test_data_json_cannot_hold_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        AuditLog(tmp_path).append("alarm_resolved", at=T0, actor=NURSE, data={"x": {1, 2}})


# ---- reading and export --------------------------------------------------------------


def test_read_selects_by_time_and_unit(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    fill(log, 5)
    log.append("alarm_triggered", at=T0 + timedelta(minutes=2), actor=None, care_unit="MANE-1")
    picked = log.read(T0 + timedelta(minutes=1), T0 + timedelta(minutes=3), "SOL-2")
    assert [entry["room"] for entry in picked] == ["R1", "R2"]
    both = log.read(T0 + timedelta(minutes=1), T0 + timedelta(minutes=3))
    assert [entry["care_unit"] for entry in both] == ["SOL-2", "SOL-2", "MANE-1"]


def test_export_writes_the_log_lines_and_records_itself(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    log = AuditLog(directory)
    fill(log, 5)
    target = tmp_path / "exports" / "sol2.jsonl"
    extract = log.export(
        T0, T0 + timedelta(minutes=3), "SOL-2", target, at=T0 + timedelta(hours=1), actor=NURSE
    )
    assert [entry["seq"] for entry in extract] == [1, 2, 3]
    # The extract holds the log's own lines byte for byte, so their hashes can be checked.
    assert lines_of(target) == lines_of(month(directory))[:3]
    last = log.read(T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    assert [entry["action"] for entry in last] == ["audit_exported"]
    assert last[0]["actor"] == NURSE
    assert last[0]["data"]["lines"] == 3
    assert last[0]["data"]["file"] == "sol2.jsonl"
    assert verify(directory).ok


# ---- retention -----------------------------------------------------------------------


def years_of_entries(directory: Path, key: bytes | None = None) -> AuditLog:
    log = AuditLog(directory, key=key)
    fill(log, 80, start=datetime(2020, 1, 15, tzinfo=UTC), step=timedelta(days=30))
    return log


@pytest.mark.parametrize("key", [None, KEY])
def test_purging_old_months_keeps_the_chain_verifiable(tmp_path: Path, key: bytes | None) -> None:
    log = years_of_entries(tmp_path, key)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    cutoff = retention_cutoff(now)
    assert cutoff == datetime(2021, 7, 1, tzinfo=UTC)
    purged = log.purge_older_than(cutoff, at=now)
    assert purged[0] == "audit-2020-01.jsonl"
    assert purged[-1] == "audit-2021-06.jsonl"
    remaining = sorted(p.name for p in tmp_path.glob("audit-*.jsonl"))
    assert remaining[0] == "audit-2021-07.jsonl"
    assert not set(purged) & set(remaining)
    result = verify(tmp_path, key=key)
    assert result.ok
    # The purge itself is the newest entry.
    assert log.read(now, now + timedelta(seconds=1))[0]["data"]["files"] == purged
    assert all(
        datetime.fromisoformat(entry["at"]) >= cutoff
        for entry in log.read(datetime(2000, 1, 1, tzinfo=UTC), now)
    )
    # And the chain carries on after a restart.
    AuditLog(tmp_path, key=key).append("alarm_triggered", at=now, actor=None)
    assert verify(tmp_path, key=key).lines_checked == result.lines_checked + 1


def test_a_month_with_an_entry_inside_retention_is_kept_whole(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.append("alarm_triggered", at=datetime(2021, 6, 1, tzinfo=UTC), actor=None)
    log.append("alarm_triggered", at=datetime(2021, 6, 30, tzinfo=UTC), actor=None)
    log.append("alarm_triggered", at=datetime(2026, 7, 1, tzinfo=UTC), actor=None)
    assert (
        log.purge_older_than(datetime(2021, 6, 15, tzinfo=UTC), at=datetime(2026, 7, 1, tzinfo=UTC))
        == []
    )
    assert len(lines_of(month(tmp_path, "2021-06"))) == 2


def test_the_newest_file_is_never_purged(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    fill(log, 2, start=datetime(2019, 1, 1, tzinfo=UTC))
    assert (
        log.purge_older_than(datetime(2026, 1, 1, tzinfo=UTC), at=datetime(2026, 1, 1, tzinfo=UTC))
        == []
    )
    assert verify(tmp_path).ok


def test_tampering_after_a_purge_is_still_detected(tmp_path: Path) -> None:
    log = years_of_entries(tmp_path)
    log.purge_older_than(datetime(2021, 7, 1, tzinfo=UTC), at=datetime(2026, 7, 1, tzinfo=UTC))
    first = month(tmp_path, "2021-07")
    first.unlink()
    result = verify(tmp_path)
    assert result.first_bad_line == ("audit-2021-08.jsonl", 1)
    assert result.reason == "prev_mismatch"


def test_a_forged_anchor_is_detected(tmp_path: Path) -> None:
    log = years_of_entries(tmp_path, KEY)
    log.purge_older_than(datetime(2021, 7, 1, tzinfo=UTC), at=datetime(2026, 7, 1, tzinfo=UTC))
    anchor = json.loads((tmp_path / ANCHOR_FILE).read_bytes())
    anchor["seq"] -= 1
    (tmp_path / ANCHOR_FILE).write_bytes(json.dumps(anchor).encode())
    assert verify(tmp_path, key=KEY).reason == "anchor_invalid"


def test_an_interrupted_purge_still_verifies_and_is_finished_later(tmp_path: Path) -> None:
    log = years_of_entries(tmp_path)
    leftover = month(tmp_path, "2020-01")
    kept = leftover.read_bytes()
    log.purge_older_than(datetime(2021, 7, 1, tzinfo=UTC), at=datetime(2026, 7, 1, tzinfo=UTC))
    leftover.write_bytes(kept)  # as if the purge stopped after writing its anchor
    assert verify(tmp_path).ok
    log.purge_older_than(datetime(2021, 7, 1, tzinfo=UTC), at=datetime(2026, 7, 2, tzinfo=UTC))
    assert not leftover.exists()
    assert verify(tmp_path).ok


def test_a_tampered_log_is_not_purged(tmp_path: Path) -> None:
    log = years_of_entries(tmp_path)
    old = month(tmp_path, "2020-03")
    old.write_bytes(old.read_bytes().replace(NURSE.encode(), b"1" * 32))
    files_before = sorted(tmp_path.iterdir())
    with pytest.raises(AuditTamperedError) as raised:
        log.purge_older_than(datetime(2021, 7, 1, tzinfo=UTC), at=datetime(2026, 7, 1, tzinfo=UTC))
    assert raised.value.translation_key == "audit_log_tampered"
    assert sorted(tmp_path.iterdir()) == files_before


def test_retention_cutoff_on_a_leap_day() -> None:
    assert retention_cutoff(datetime(2028, 2, 29, 12, tzinfo=UTC)) == datetime(
        2023, 2, 28, 12, tzinfo=UTC
    )
    assert retention_cutoff(datetime(2026, 5, 1, tzinfo=UTC), years=1) == datetime(
        2025, 5, 1, tzinfo=UTC
    )


def test_a_renumbered_line_is_detected(ten_lines: Path) -> None:
    lines = lines_of(ten_lines)
    entry = json.loads(lines[0])
    entry["seq"] = 7
    body = {key: value for key, value in entry.items() if key != "hash"}
    entry["hash"] = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    lines[0] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 1)
    assert result.reason == "seq_mismatch"


@pytest.mark.parametrize("line", [b"[]", b'{"seq":1}', b""])
def test_a_line_that_is_not_an_entry_is_detected(ten_lines: Path, line: bytes) -> None:
    lines = lines_of(ten_lines)
    lines.insert(2, line)
    write_lines(ten_lines, lines)
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 3)
    assert result.reason in {"invalid_entry", "invalid_json"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (HEAD_FILE, b"[1, 2]", "head_invalid"),
        (HEAD_FILE, b"not json", "head_invalid"),
        (ANCHOR_FILE, b"not json", "anchor_invalid"),
        (ANCHOR_FILE, b'{"seq": 3}', "anchor_invalid"),
    ],
)
def test_unreadable_head_or_anchor_is_detected(
    ten_lines: Path, name: str, content: bytes, reason: str
) -> None:
    (ten_lines.parent / name).write_bytes(content)
    assert verify(ten_lines.parent).reason == reason


def test_writing_goes_on_after_a_damaged_last_line(ten_lines: Path) -> None:
    """A crash mid-line must not stop the log; the damage stays visible to verify()."""
    raw = ten_lines.read_bytes()
    ten_lines.write_bytes(raw[:-25])
    (ten_lines.parent / HEAD_FILE).write_bytes(b"garbage")
    log = AuditLog(ten_lines.parent)
    assert log.directory == ten_lines.parent
    entry = log.append("alarm_triggered", at=T0 + timedelta(hours=1), actor=None)
    # The new line links to the last complete line, and starts on a line of its own.
    assert entry["seq"] == 10
    lines = lines_of(ten_lines)
    assert json.loads(lines[-1]) == entry
    assert entry["prev"] == hashlib.sha256(lines[-3]).hexdigest()
    result = verify(ten_lines.parent)
    assert result.first_bad_line == (ten_lines.name, 10)
    assert result.reason == "invalid_json"
    # Reading skips the damaged line.
    assert len(log.read(T0, T0 + timedelta(days=1))) == 10


def test_an_export_cannot_be_written_into_the_log_directory(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    fill(log, 2)
    with pytest.raises(AuditExportTargetError):
        log.export(
            T0, T0 + timedelta(hours=1), None, tmp_path / "audit-2030-01.jsonl", at=T0, actor=NURSE
        )
    assert not (tmp_path / "audit-2030-01.jsonl").exists()
    assert verify(tmp_path).lines_checked == 2
