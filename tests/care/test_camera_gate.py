"""The pure rules of safety-camera looks: windows, consent, refusals, the look's end."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.ange_iot.care.camera_gate import (
    CameraRecords,
    ConsentScope,
    InvalidScopeError,
    Look,
    LookEnd,
    Refusal,
    checks_in_scope,
    decide,
    look_end,
    next_window,
    parse_scope,
    window_at,
)

TZ = ZoneInfo("Europe/Stockholm")
CHECKS = (time(23, 0), time(0, 5), time(5, 0))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(
    ("moment", "check"),
    [
        ("2026-01-14T22:50:00", "2026-01-14T23:00:00"),
        ("2026-01-14T23:09:59", "2026-01-14T23:00:00"),
        ("2026-01-14T23:55:00", "2026-01-15T00:05:00"),  # across midnight
        ("2026-01-15T00:14:00", "2026-01-15T00:05:00"),
        ("2026-03-29T04:55:00", "2026-03-29T05:00:00"),  # the night summer time starts
    ],
)
def test_inside_a_window(moment: str, check: str) -> None:
    window = window_at(CHECKS, at(moment), TZ)
    assert window is not None
    assert window.check == at(check)


@pytest.mark.parametrize("moment", ["2026-01-14T22:49:59", "2026-01-14T23:10:00", "2026-01-15T12:00:00"])
def test_outside_every_window(moment: str) -> None:
    assert window_at(CHECKS, at(moment), TZ) is None


def test_next_window_and_margin() -> None:
    upcoming = next_window(CHECKS, at("2026-01-15T06:00:00"), TZ, timedelta(minutes=5))
    assert upcoming is not None
    assert (upcoming.start, upcoming.end) == (at("2026-01-15T22:55:00"), at("2026-01-15T23:05:00"))
    assert next_window((), at("2026-01-15T06:00:00"), TZ) is None
    with pytest.raises(ValueError, match="margin"):
        window_at(CHECKS, at("2026-01-15T06:00:00"), TZ, timedelta(minutes=-1))


def test_scope_night_checks_leaves_out_day_checks() -> None:
    times = (time(14, 0), time(23, 0))
    assert checks_in_scope(times, ConsentScope.NIGHT_CHECKS, time(22), time(7)) == (time(23, 0),)
    assert checks_in_scope(times, ConsentScope.CHECK_TIMES, time(22), time(7)) == times
    with pytest.raises(InvalidScopeError):
        parse_scope("everything")


def test_decisions_name_the_first_rule_broken() -> None:
    now = at("2026-01-14T23:00:00")
    records = CameraRecords()
    window = window_at(CHECKS, now, TZ)
    base = {"user": "u1", "has_camera": True, "paused": False, "window": window, "open_look": None}
    assert decide(**{**base, "consent": None}).refusal is Refusal.NO_CONSENT
    consent = records.record_consent("SOL-2", "R12", by="u1", scope=ConsentScope.NIGHT_CHECKS, at=now)
    assert decide(**{**base, "consent": consent}).allowed
    assert decide(**{**base, "consent": consent, "user": None}).refusal is Refusal.NO_USER
    assert decide(**{**base, "consent": consent, "has_camera": False}).refusal is Refusal.NO_CAMERA
    assert decide(**{**base, "consent": consent, "paused": True}).refusal is Refusal.PAUSED
    assert decide(**{**base, "consent": consent, "window": None}).refusal is Refusal.OUTSIDE_WINDOW
    withdrawn = records.withdraw_consent("SOL-2", "R12", by="u2", at=now)
    assert (withdrawn.recorded_by, withdrawn.withdrawn_by) == ("u1", "u2")
    assert decide(**{**base, "consent": withdrawn}).refusal is Refusal.CONSENT_WITHDRAWN


def test_a_look_ends_at_its_maximum_or_its_window() -> None:
    window = window_at(CHECKS, at("2026-01-14T23:09:30"), TZ)
    assert window is not None
    assert look_end(at("2026-01-14T22:55:00"), window) == at("2026-01-14T22:56:00")
    assert look_end(at("2026-01-14T23:09:30"), window) == at("2026-01-14T23:10:00")
    look = Look("id1", "SOL-2", "R12", "u1", at("2026-01-14T23:09:30"), at("2026-01-14T23:10:00"))
    assert look.is_open(at("2026-01-14T23:09:59"))
    assert not look.is_open(at("2026-01-14T23:10:00"))  # even if no timer fired


def test_records_survive_a_round_trip_and_drop_damage() -> None:
    now = datetime(2026, 1, 14, 22, tzinfo=UTC)
    records = CameraRecords()
    records.record_consent("SOL-2", "R12", by="u1", scope=ConsentScope.CHECK_TIMES, at=now)
    look = Look("id1", "SOL-2", "R12", "u1", now, now + timedelta(seconds=60))
    records.looks.append(look)
    records.end(look, now + timedelta(seconds=20), LookEnd.ENDED_BY_USER)
    data = records.as_dict()
    data["looks"].append({"look_id": "broken"})
    data["consents"]["SOL-2/R14"] = {"scope": "nope"}
    again = CameraRecords.from_dict(data)
    assert again.as_dict() == records.as_dict()
    assert again.looks_between("SOL-2", now, now + timedelta(hours=1))[0].end_reason is LookEnd.ENDED_BY_USER
    again.prune(now + timedelta(days=3))
    assert again.looks == []
