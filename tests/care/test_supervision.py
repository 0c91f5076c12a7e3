"""Digital night supervision: check results at their edges, schedules, nights and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
import json
from zoneinfo import ZoneInfo

import pytest

from custom_components.ange_iot.care.check_result import CheckResult, CheckStatus
from custom_components.ange_iot.care.errors import InvalidCodeError, StoredDataError
from custom_components.ange_iot.care.night_clock import (
    CheckSchedule,
    is_night,
    local_moment,
    night_bounds,
    night_of,
)
from custom_components.ange_iot.care.night_log import (
    InvalidPauseReasonError,
    NightLog,
    NightOverError,
    PauseReason,
)
from custom_components.ange_iot.care.supervision import BedChange, RoomSensors, evaluate

STHLM = ZoneInfo("Europe/Stockholm")
NURSE = "9f3c1e0a5b7d4c2e8f6a1b3c5d7e9f01"


def local(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STHLM, fold=fold)


CHECK = local(2026, 11, 4, 2, 0)
PREVIOUS = local(2026, 11, 3, 23, 0)
IN_BED_SINCE_EVENING = (BedChange(local(2026, 11, 3, 21, 40), True),)


def check(sensors: RoomSensors, at: datetime = CHECK, **kwargs: object) -> CheckResult:
    return evaluate("SOL-2", "R12", sensors, at=at, since=PREVIOUS, tz=STHLM, **kwargs)  # type: ignore[arg-type]


# ---- nights --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "night"),
    [
        (local(2026, 11, 3, 21, 59), None),
        (local(2026, 11, 3, 22, 0), date(2026, 11, 3)),
        (local(2026, 11, 3, 23, 59), date(2026, 11, 3)),
        (local(2026, 11, 4, 0, 0), date(2026, 11, 3)),
        (local(2026, 11, 4, 6, 59), date(2026, 11, 3)),
        (local(2026, 11, 4, 7, 0), None),
        (local(2026, 11, 4, 12, 0), None),
        # New Year's night starts in one year and ends in the next.
        (local(2027, 1, 1, 3, 0), date(2026, 12, 31)),
    ],
)
def test_night_of_with_default_hours(moment: datetime, night: date | None) -> None:
    assert night_of(moment) == night
    assert is_night(moment) is (night is not None)


def test_night_of_reads_the_wall_clock_of_the_given_zone() -> None:
    # 21:30 UTC is 22:30 in Stockholm in winter: night there, not yet night in UTC.
    moment = datetime(2026, 11, 3, 21, 30, tzinfo=UTC)
    assert night_of(moment) is None
    assert night_of(moment, tz=STHLM) == date(2026, 11, 3)


def test_night_hours_that_do_not_span_midnight() -> None:
    start, end = time(0, 30), time(5, 0)
    assert night_of(local(2026, 11, 4, 0, 29), start, end) is None
    assert night_of(local(2026, 11, 4, 0, 30), start, end) == date(2026, 11, 4)
    assert night_of(local(2026, 11, 4, 5, 0), start, end) is None


def test_night_bounds_across_the_spring_dst_change() -> None:
    start, end = night_bounds(date(2026, 3, 28), STHLM)
    assert start == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    # The clocks jump an hour, so this night is an hour shorter.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=8)


def test_a_wall_time_skipped_by_dst_runs_when_the_clock_jumps() -> None:
    # 29 March 2026: Stockholm goes from 02:00 CET straight to 03:00 CEST (01:00 UTC).
    assert local_moment(date(2026, 3, 29), time(2, 0), STHLM) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    assert local_moment(date(2026, 3, 29), time(2, 30), STHLM) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )
    # 25 October 2026: 02:00-02:59 happens twice; the first pass counts.
    assert local_moment(date(2026, 10, 25), time(2, 30), STHLM) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


# ---- schedule ------------------------------------------------------------------------


def test_default_checks_of_one_night() -> None:
    due = CheckSchedule().due_checks(local(2026, 11, 3, 22, 0), local(2026, 11, 4, 7, 0), STHLM)
    assert due == [local(2026, 11, 3, 23, 0), local(2026, 11, 4, 2, 0), local(2026, 11, 4, 5, 0)]


def test_due_checks_bounds_are_after_last_run_up_to_now() -> None:
    schedule = CheckSchedule()
    assert schedule.due_checks(local(2026, 11, 3, 23, 0), local(2026, 11, 4, 2, 0), STHLM) == [
        local(2026, 11, 4, 2, 0)
    ]
    assert schedule.due_checks(local(2026, 11, 4, 2, 0), local(2026, 11, 4, 4, 59), STHLM) == []
    assert schedule.due_checks(local(2026, 11, 4, 5, 0), local(2026, 11, 4, 5, 0), STHLM) == []


def test_downtime_returns_every_missed_check_in_order() -> None:
    due = CheckSchedule((time(23, 0),)).due_checks(
        local(2026, 11, 1, 12, 0), local(2026, 11, 4, 12, 0), STHLM
    )
    assert due == [local(2026, 11, day, 23, 0) for day in (1, 2, 3)]


def test_checks_on_the_spring_dst_night() -> None:
    due = CheckSchedule().due_checks(local(2026, 3, 28, 22, 0), local(2026, 3, 29, 7, 0), STHLM)
    assert [moment.astimezone(UTC) for moment in due] == [
        datetime(2026, 3, 28, 22, 0, tzinfo=UTC),  # 23:00 CET
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 02:00 does not exist: 03:00 CEST
        datetime(2026, 3, 29, 3, 0, tzinfo=UTC),  # 05:00 CEST
    ]


def test_checks_on_the_autumn_dst_night_run_once() -> None:
    due = CheckSchedule().due_checks(local(2026, 10, 24, 22, 0), local(2026, 10, 25, 7, 0), STHLM)
    assert [moment.astimezone(UTC) for moment in due] == [
        datetime(2026, 10, 24, 21, 0, tzinfo=UTC),  # 23:00 CEST
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),  # 02:00 CEST, the first of two
        datetime(2026, 10, 25, 4, 0, tzinfo=UTC),  # 05:00 CET
    ]


# ---- results -------------------------------------------------------------------------


def test_in_bed() -> None:
    result = check(RoomSensors(bed_online=True, bed_changes=IN_BED_SINCE_EVENING, door_online=True))
    assert result.status is CheckStatus.IN_BED
    assert not result.alarm
    assert result.clock is None
    assert result.night == date(2026, 11, 3)


def out_since(moment: datetime) -> RoomSensors:
    return RoomSensors(
        bed_online=True,
        bed_changes=(*IN_BED_SINCE_EVENING, BedChange(moment, False)),
        door_online=True,
    )


def test_out_of_bed_within_the_limit_is_recorded_without_alarm() -> None:
    result = check(out_since(local(2026, 11, 4, 1, 45)))
    assert result.status is CheckStatus.OUT_OF_BED
    assert result.clock == "01:45"
    assert result.out_of_bed_since == local(2026, 11, 4, 1, 45)
    assert not result.alarm


def test_out_of_bed_exactly_the_limit_is_not_longer_than_the_limit() -> None:
    result = check(out_since(CHECK - timedelta(minutes=30)), out_of_bed_limit=timedelta(minutes=30))
    assert result.status is CheckStatus.OUT_OF_BED
    assert not result.alarm


def test_out_of_bed_just_over_the_limit_raises_an_alarm() -> None:
    result = check(
        out_since(CHECK - timedelta(minutes=30, seconds=1)), out_of_bed_limit=timedelta(minutes=30)
    )
    assert result.alarm
    assert result.clock == "01:29"


def test_repeated_empty_reports_do_not_restart_the_time_out_of_bed() -> None:
    sensors = RoomSensors(
        bed_online=True,
        bed_changes=(
            BedChange(local(2026, 11, 4, 1, 0), False),
            BedChange(local(2026, 11, 3, 21, 40), True),
            BedChange(local(2026, 11, 4, 1, 50), False),
        ),
    )
    result = check(sensors)
    assert result.out_of_bed_since == local(2026, 11, 4, 1, 0)
    assert result.alarm


def test_bed_changes_after_the_check_do_not_count() -> None:
    sensors = out_since(CHECK + timedelta(minutes=1))
    assert check(sensors).status is CheckStatus.IN_BED


def test_out_of_bed_time_across_the_spring_dst_change_is_real_time() -> None:
    # 01:50 CET to 03:10 CEST is 20 minutes, though the wall clock moved 80.
    sensors = out_since(local(2026, 3, 29, 1, 50))
    at = local(2026, 3, 29, 3, 10)
    result = evaluate(
        "SOL-2",
        "R12",
        sensors,
        at=at,
        since=local(2026, 3, 28, 23, 0),
        tz=STHLM,
        out_of_bed_limit=timedelta(minutes=30),
    )
    assert result.status is CheckStatus.OUT_OF_BED
    assert result.clock == "01:50"
    assert not result.alarm
    assert result.night == date(2026, 3, 28)


def test_a_door_opened_since_the_previous_check() -> None:
    sensors = RoomSensors(
        bed_online=True,
        bed_changes=IN_BED_SINCE_EVENING,
        door_online=True,
        door_openings=(
            local(2026, 11, 4, 1, 30),
            local(2026, 11, 4, 0, 10),
            local(2026, 11, 3, 22, 30),
        ),
    )
    result = check(sensors)
    assert result.status is CheckStatus.DOOR_OPENED
    assert result.clock == "00:10"
    assert result.door_opened_at == local(2026, 11, 4, 0, 10)
    assert result.door_openings == 2
    assert not result.alarm  # the night_door alarm is raised live, not by the check


def test_the_door_window_excludes_the_previous_check_and_includes_this_one() -> None:
    sensors = RoomSensors(
        bed_online=True,
        bed_changes=IN_BED_SINCE_EVENING,
        door_online=True,
        door_openings=(PREVIOUS,),
    )
    assert check(sensors).status is CheckStatus.IN_BED
    sensors = RoomSensors(
        bed_online=True, bed_changes=IN_BED_SINCE_EVENING, door_online=True, door_openings=(CHECK,)
    )
    assert check(sensors).status is CheckStatus.DOOR_OPENED


def test_out_of_bed_comes_before_the_door_but_both_are_kept() -> None:
    sensors = RoomSensors(
        bed_online=True,
        bed_changes=(*IN_BED_SINCE_EVENING, BedChange(local(2026, 11, 4, 1, 55), False)),
        door_online=True,
        door_openings=(local(2026, 11, 4, 1, 58),),
    )
    result = check(sensors)
    assert result.status is CheckStatus.OUT_OF_BED
    assert result.clock == "01:55"
    assert result.door_opened_at == local(2026, 11, 4, 1, 58)


@pytest.mark.parametrize(
    "sensors",
    [
        RoomSensors(bed_online=False, bed_changes=IN_BED_SINCE_EVENING, door_online=True),
        RoomSensors(bed_online=True, bed_changes=IN_BED_SINCE_EVENING, door_online=False),
        RoomSensors(bed_online=True, bed_changes=(), door_online=True),
    ],
    ids=["bed-offline", "door-offline", "bed-never-reported"],
)
def test_no_data_means_a_visit_is_needed(sensors: RoomSensors) -> None:
    result = check(sensors)
    assert result.status is CheckStatus.NOT_SUPERVISED
    assert result.reason in ("sensor_offline", "no_bed_data")
    assert result.alarm


def test_a_room_without_a_door_sensor_is_supervised_by_its_bed() -> None:
    result = check(RoomSensors(bed_online=True, bed_changes=IN_BED_SINCE_EVENING))
    assert result.status is CheckStatus.IN_BED


def test_a_paused_room_raises_nothing_even_with_sensors_offline() -> None:
    result = check(RoomSensors(bed_online=False, door_online=False), paused=True)
    assert result.status is CheckStatus.PAUSED
    assert not result.alarm


def test_a_late_check_after_night_hours_belongs_to_the_night_before() -> None:
    result = check(
        RoomSensors(bed_online=True, bed_changes=IN_BED_SINCE_EVENING), at=local(2026, 11, 4, 8, 0)
    )
    assert result.night == date(2026, 11, 3)


def test_codes_are_checked() -> None:
    with pytest.raises(InvalidCodeError):
        evaluate(
            "SOL-2",
            "19121212-1212",
            RoomSensors(bed_online=True),
            at=CHECK,
            since=PREVIOUS,
            tz=STHLM,
        )


# ---- pauses, reports, persistence ----------------------------------------------------


def test_pausing_a_night_is_recorded_once() -> None:
    log = NightLog()
    pause, is_new = log.pause(
        "SOL-2",
        "R12",
        date(2026, 11, 3),
        reason="consent_withdrawn",
        by=NURSE,
        at=local(2026, 11, 3, 15, 0),
        tz=STHLM,
    )
    assert is_new
    assert pause.reason is PauseReason.CONSENT_WITHDRAWN
    assert pause.paused_by == NURSE
    again, again_new = log.pause(
        "SOL-2",
        "R12",
        date(2026, 11, 3),
        reason=PauseReason.AWAY,
        by=None,
        at=local(2026, 11, 3, 23, 30),
        tz=STHLM,
    )
    assert not again_new
    assert again is pause
    assert log.is_paused("SOL-2", "R12", date(2026, 11, 3))
    assert not log.is_paused("SOL-2", "R12", date(2026, 11, 4))
    assert not log.is_paused("SOL-2", "R13", date(2026, 11, 3))


def test_a_night_can_be_paused_until_it_ends() -> None:
    log = NightLog()
    log.pause(
        "SOL-2",
        "R12",
        date(2026, 11, 3),
        reason="away",
        by=NURSE,
        at=local(2026, 11, 4, 6, 59),
        tz=STHLM,
    )
    with pytest.raises(NightOverError) as raised:
        log.pause(
            "SOL-2",
            "R13",
            date(2026, 11, 3),
            reason="away",
            by=NURSE,
            at=local(2026, 11, 4, 7, 0),
            tz=STHLM,
        )
    assert raised.value.translation_key == "supervision_night_over"
    assert not log.is_paused("SOL-2", "R13", date(2026, 11, 3))


def test_pause_reasons_are_a_fixed_list() -> None:
    with pytest.raises(InvalidPauseReasonError):
        NightLog().pause(
            "SOL-2",
            "R12",
            date(2026, 11, 3),
            reason="Anna is away",
            by=NURSE,
            at=local(2026, 11, 3, 15, 0),
            tz=STHLM,
        )


def a_night() -> NightLog:
    log = NightLog()
    log.pause(
        "SOL-2",
        "R14",
        date(2026, 11, 3),
        reason="away",
        by=NURSE,
        at=local(2026, 11, 3, 15, 0),
        tz=STHLM,
    )
    in_bed = RoomSensors(bed_online=True, bed_changes=IN_BED_SINCE_EVENING, door_online=True)
    checks = CheckSchedule().due_checks(local(2026, 11, 3, 22, 0), local(2026, 11, 4, 7, 0), STHLM)
    since = local(2026, 11, 3, 22, 0)
    for at in checks:
        for room, sensors in (
            ("R13", in_bed),
            ("R12", out_since(local(2026, 11, 4, 4, 0))),
            ("R14", in_bed),
        ):
            log.record(
                evaluate(
                    "SOL-2",
                    room,
                    sensors,
                    at=at,
                    since=since,
                    tz=STHLM,
                    paused=log.is_paused("SOL-2", room, date(2026, 11, 3)),
                )
            )
        since = at
    log.record(evaluate("MANE-1", "R1", in_bed, at=checks[0], since=PREVIOUS, tz=STHLM))
    return log


def test_the_morning_report_lists_rooms_in_order_with_their_checks() -> None:
    report = a_night().morning_report("SOL-2", date(2026, 11, 3))
    assert list(report) == ["R12", "R13", "R14"]
    assert [r.status for r in report["R12"]] == [
        CheckStatus.IN_BED,
        CheckStatus.IN_BED,
        CheckStatus.OUT_OF_BED,
    ]
    assert report["R12"][2].clock == "04:00"
    assert report["R12"][2].alarm  # 60 minutes out of bed at 05:00
    assert [r.checked_at.astimezone(STHLM).hour for r in report["R13"]] == [23, 2, 5]
    assert {r.status for r in report["R14"]} == {CheckStatus.PAUSED}
    assert a_night().morning_report("SOL-2", date(2026, 11, 4)) == {}


def test_latest_result_of_a_room() -> None:
    latest = a_night().latest("SOL-2", "R12")
    assert latest is not None
    assert latest.checked_at == local(2026, 11, 4, 5, 0)
    assert a_night().latest("SOL-2", "R99") is None


def test_the_night_log_survives_a_restart() -> None:
    log = a_night()
    stored = json.loads(json.dumps(log.as_dict()))
    restored = NightLog.from_dict(stored)
    assert restored.results == log.results
    assert restored.pauses == log.pauses
    assert restored.as_dict() == stored


def test_prune_forgets_old_nights() -> None:
    log = a_night()
    log.prune(date(2026, 11, 4))
    assert log.results == []
    assert log.pauses == {}


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(version=0),
        lambda d: d.pop("results"),
        lambda d: d["results"][0].update(status="asleep"),
        lambda d: d["results"][0].update(room="121212-1212"),
        lambda d: d["pauses"][0].update(night="yesterday"),
    ],
)
def test_damaged_night_logs_are_refused(damage: object) -> None:
    data = json.loads(json.dumps(a_night().as_dict()))
    damage(data)  # type: ignore[operator]
    with pytest.raises(StoredDataError):
        NightLog.from_dict(data)
