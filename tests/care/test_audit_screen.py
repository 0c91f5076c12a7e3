"""No audit line lost to a false alarm: technical ids are never screened as personnummer,
filters for log checks (loggkontroll), and the monthly access report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
import uuid

import pytest

from custom_components.ange_iot.care.access_report import (
    InvalidMonthError,
    access_report,
    month_bounds,
    parse_month,
)
from custom_components.ange_iot.care.audit import AuditLog, screen_line, verify
from custom_components.ange_iot.care.errors import PersonalDataError
from custom_components.ange_iot.care.identity import is_technical_id, looks_like_identity_number

T0 = datetime(2026, 11, 3, 2, 10, tzinfo=UTC)


def test_a_hundred_thousand_uuid_user_ids_all_pass_the_screen() -> None:
    # HA user ids are uuid4 hex; about 0.7 % hold ten digits that pass for a personnummer.
    ids = [uuid.uuid4() for _ in range(50_000)]
    texts = [value.hex for value in ids] + [str(value) for value in ids]
    looked_personal = sum(looks_like_identity_number(text) for text in texts)
    # The danger is real (so the test means something) ...
    assert looked_personal > 100
    # ... and no line is lost to it: as actor, and as a value in the data.
    for text in texts:
        action, actor, data = screen_line(
            "alarm_acknowledged", actor=text, care_unit="SOL-2", room="R12", data={"by": text}
        )
        assert (action, actor, data) == ("alarm_acknowledged", text, {"by": text})


@pytest.mark.parametrize(
    "text",
    [
        "0123456789abcdef0123456789abcdef",  # HA user id
        "a81758fffe0312ab",  # DevEUI
        "alarm-ab1212121212cdef0123456789abcdef",  # alarm id
        "12121212-1212-4abc-8def-121212121212",  # dashed uuid
    ],
)
def test_technical_ids_are_recognised_by_format(text: str) -> None:
    assert is_technical_id(text)


@pytest.mark.parametrize(
    "text", ["19121212-1212", "121212-1212", "121212+1212", "191212121212", "1212121212", "Anna Svensson"]
)
def test_other_text_is_not_a_technical_id(text: str) -> None:
    assert not is_technical_id(text)


@pytest.mark.parametrize("actor", ["19121212-1212", "121212-1212", "191212121212"])
def test_a_personnummer_as_actor_is_still_refused(actor: str) -> None:
    with pytest.raises(PersonalDataError):
        screen_line("alarm_acknowledged", actor=actor)


def test_every_user_id_line_is_written_and_verifies(tmp_path: Path) -> None:
    # Through the real log: a sample of ids, every one of them written.
    log = AuditLog(tmp_path, key=b"k" * 32)
    ids = [uuid.uuid4().hex for _ in range(100)]
    for index, user_id in enumerate(ids):
        log.append("alarm_acknowledged", at=T0 + timedelta(seconds=index), actor=user_id, care_unit="SOL-2")
    assert [entry["actor"] for entry in log.read(T0, T0 + timedelta(hours=1))] == ids
    assert verify(tmp_path, key=b"k" * 32).ok


def _log(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path / "audit")
    log.append("alarm_triggered", at=T0, actor=None, care_unit="SOL-2", room="R12")
    log.append("alarm_acknowledged", at=T0 + timedelta(minutes=1), actor="a" * 32, care_unit="SOL-2", room="R12")
    log.append("night_report_read", at=T0 + timedelta(minutes=2), actor="b" * 32, care_unit="SOL-2")
    log.append("night_report_read", at=T0 + timedelta(minutes=3), actor="a" * 32, care_unit="MANE-1")
    log.append("night_report_read", at=T0 + timedelta(minutes=4), actor="a" * 32, care_unit="SOL-2")
    return log


def test_export_filters_by_user_and_action(tmp_path: Path) -> None:
    log = _log(tmp_path)
    target = tmp_path / "out" / "a.jsonl"
    extract = log.export(
        T0, T0 + timedelta(hours=1), "SOL-2", target, at=T0 + timedelta(hours=2), actor="c" * 32,
        user_id="a" * 32, actions=["night_report_read"],
    )
    assert [(e["action"], e["care_unit"], e["actor"]) for e in extract] == [("night_report_read", "SOL-2", "a" * 32)]
    [recorded] = log.read(T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    assert recorded["data"]["user_id"] == "a" * 32
    assert recorded["data"]["actions"] == ["night_report_read"]


def test_a_failed_export_record_removes_the_extract(tmp_path: Path) -> None:
    log = _log(tmp_path)
    target = tmp_path / "out" / "b.jsonl"
    # The line recording the export would be refused, so the extract must not exist.
    with pytest.raises(PersonalDataError):
        log.export(T0, T0 + timedelta(hours=1), None, target, at=T0, actor="19121212-1212")
    assert not target.exists()


def test_access_report_lists_each_users_accesses_per_unit(tmp_path: Path) -> None:
    log = _log(tmp_path)
    report = access_report(log.read(T0, T0 + timedelta(hours=1)))
    assert report == [
        {
            "user_id": "a" * 32,
            "units": [
                {
                    "care_unit": "MANE-1", "count": 1, "actions": {"night_report_read": 1},
                    "first": (T0 + timedelta(minutes=3)).isoformat(), "last": (T0 + timedelta(minutes=3)).isoformat(),
                },
                {
                    "care_unit": "SOL-2", "count": 2, "actions": {"alarm_acknowledged": 1, "night_report_read": 1},
                    "first": (T0 + timedelta(minutes=1)).isoformat(), "last": (T0 + timedelta(minutes=4)).isoformat(),
                },
            ],
        },
        {
            "user_id": "b" * 32,
            "units": [
                {
                    "care_unit": "SOL-2", "count": 1, "actions": {"night_report_read": 1},
                    "first": (T0 + timedelta(minutes=2)).isoformat(), "last": (T0 + timedelta(minutes=2)).isoformat(),
                }
            ],
        },
    ]


def test_months() -> None:
    assert parse_month("2026-12") == date(2026, 12, 1)
    assert month_bounds(date(2026, 12, 1)) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    for bad in ("2026-13", "2026-1", "december", ""):
        with pytest.raises(InvalidMonthError):
            parse_month(bad)
