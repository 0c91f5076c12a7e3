"""The medicine dispenser event API: validation, the JSON Schema, and the dispenser state."""

from __future__ import annotations

from collections.abc import Callable
import copy
from datetime import UTC, datetime, timedelta
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.ange_iot.care.alarm_record import AlarmKind
from custom_components.ange_iot.care.dispenser import (
    ALARM_KIND_FOR_EVENT,
    DispenserState,
    DispenserStatus,
)
from custom_components.ange_iot.care.dispenser_event import (
    DISPENSER_EVENT_SCHEMA,
    DispenserErrorCode,
    DispenserEvent,
    DispenserEventError,
    DispenserEventInFutureError,
    DispenserEventOutOfOrderError,
    DispenserEventType,
    WrongDispenserError,
    parse_dispenser_event,
)
from custom_components.ange_iot.care.errors import CareError, StoredDataError

STHLM = ZoneInfo("Europe/Stockholm")
ROBOT = "robot-7"
START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)

DOSE_TAKEN = {
    "type": "dispenser_event",
    "dispenser_id": ROBOT,
    "event": "dose_taken",
    "event_id": "evt-1001",
    "at": "2026-11-03T08:03:12+01:00",
    "dose_id": "dose-2026-11-03-0800",
    "scheduled_for": "2026-11-03T08:00:00+01:00",
    "doses_remaining": 41,
    "battery": 87.5,
}
HEARTBEAT = {
    "type": "dispenser_event",
    "dispenser_id": ROBOT,
    "event": "heartbeat",
    "event_id": "evt-1002",
    "at": "2026-11-03T11:55:00Z",
}
JAM = {
    "type": "dispenser_event",
    "dispenser_id": ROBOT,
    "event": "dispenser_error",
    "event_id": "evt-1003",
    "at": "2026-11-03T11:56:00Z",
    "error": "jam",
}


def variant(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


VALID = [
    DOSE_TAKEN,
    HEARTBEAT,
    JAM,
    variant(DOSE_TAKEN, event="dose_scheduled", doses_remaining=..., battery=...),
    variant(DOSE_TAKEN, event="dose_reminder", at="2026-11-03T08:00:00.250+01:00"),
    variant(DOSE_TAKEN, event="dose_missed", doses_remaining=0, battery=0),
    variant(JAM, error="roll_empty", battery=100),
    variant(JAM, error="low_stock", doses_remaining=3),
    variant(JAM, error="power_loss"),
    variant(HEARTBEAT, doses_remaining=12.0),
]

# (body, the field the error names)
INVALID = [
    ([], "body"),
    ("dose_taken", "body"),
    (variant(DOSE_TAKEN, type="dispenser"), "type"),
    (variant(DOSE_TAKEN, type=...), "type"),
    (variant(DOSE_TAKEN, dispenser_id=...), "dispenser_id"),
    (variant(DOSE_TAKEN, dispenser_id=7), "dispenser_id"),
    (variant(DOSE_TAKEN, dispenser_id=""), "dispenser_id"),
    (variant(DOSE_TAKEN, dispenser_id="robot 7"), "dispenser_id"),
    (variant(DOSE_TAKEN, dispenser_id="r" * 65), "dispenser_id"),
    (variant(DOSE_TAKEN, event="dose_eaten"), "event"),
    (variant(DOSE_TAKEN, event=None), "event"),
    (variant(DOSE_TAKEN, event=...), "event"),
    (variant(DOSE_TAKEN, event_id=...), "event_id"),
    (variant(DOSE_TAKEN, event_id=1001), "event_id"),
    (variant(DOSE_TAKEN, event_id=""), "event_id"),
    (variant(DOSE_TAKEN, event_id="e" * 129), "event_id"),
    (variant(DOSE_TAKEN, at=...), "at"),
    (variant(DOSE_TAKEN, at="2026-11-03T08:03:12"), "at"),
    (variant(DOSE_TAKEN, at="2026-11-03 08:03:12+01:00"), "at"),
    (variant(DOSE_TAKEN, at=1762153392), "at"),
    (variant(DOSE_TAKEN, dose_id=...), "dose_id"),
    (variant(DOSE_TAKEN, dose_id=5), "dose_id"),
    (variant(DOSE_TAKEN, scheduled_for=...), "scheduled_for"),
    (variant(DOSE_TAKEN, scheduled_for="08:00"), "scheduled_for"),
    (variant(HEARTBEAT, dose_id="dose-1"), "dose_id"),
    (variant(HEARTBEAT, scheduled_for="2026-11-03T08:00:00+01:00"), "scheduled_for"),
    (variant(JAM, error=...), "error"),
    (variant(JAM, error="on_fire"), "error"),
    (variant(HEARTBEAT, error="jam"), "error"),
    (variant(DOSE_TAKEN, doses_remaining=-1), "doses_remaining"),
    (variant(DOSE_TAKEN, doses_remaining=2.5), "doses_remaining"),
    (variant(DOSE_TAKEN, doses_remaining="41"), "doses_remaining"),
    (variant(DOSE_TAKEN, doses_remaining=True), "doses_remaining"),
    (variant(DOSE_TAKEN, battery=101), "battery"),
    (variant(DOSE_TAKEN, battery=-0.5), "battery"),
    (variant(DOSE_TAKEN, battery="87"), "battery"),
    (variant(DOSE_TAKEN, battery=False), "battery"),
    # An unknown field is not named back: a sender could put personal data in its name.
    (variant(DOSE_TAKEN, patient="R12"), "body"),
]

# Rules the validator adds to the schema (a schema pattern cannot tell a real date).
INVALID_BEYOND_SCHEMA = [
    (variant(DOSE_TAKEN, at="2026-02-30T08:00:00+01:00"), "at"),
    (variant(DOSE_TAKEN, scheduled_for="2026-11-03T25:00:00+01:00"), "scheduled_for"),
    (variant(DOSE_TAKEN, dispenser_id="19121212-1212"), "dispenser_id"),
    (variant(DOSE_TAKEN, battery=float("nan")), "battery"),
]


def parse(body: dict[str, Any]) -> DispenserEvent:
    return parse_dispenser_event(body)


# ---- validation ----------------------------------------------------------------------


def test_a_taken_dose_is_parsed_with_its_times_in_utc() -> None:
    event = parse(DOSE_TAKEN)
    assert event == DispenserEvent(
        dispenser_id=ROBOT,
        event=DispenserEventType.DOSE_TAKEN,
        event_id="evt-1001",
        at=datetime(2026, 11, 3, 7, 3, 12, tzinfo=UTC),
        dose_id="dose-2026-11-03-0800",
        scheduled_for=datetime(2026, 11, 3, 7, 0, tzinfo=UTC),
        doses_remaining=41,
        battery=87.5,
    )


def test_a_dispenser_error_is_parsed() -> None:
    event = parse(JAM)
    assert event.error is DispenserErrorCode.JAM
    assert event.dose_id is None


@pytest.mark.parametrize("body", VALID)
def test_valid_events(body: dict[str, Any]) -> None:
    assert parse(body).event_id.startswith("evt-")


@pytest.mark.parametrize(("body", "field"), INVALID + INVALID_BEYOND_SCHEMA)
def test_invalid_events_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(DispenserEventError) as raised:
        parse_dispenser_event(body)
    assert raised.value.translation_key == "dispenser_event_invalid"
    assert raised.value.translation_placeholders["field"] == field
    assert isinstance(raised.value, CareError)


def test_the_schema_and_the_validator_agree() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(DISPENSER_EVENT_SCHEMA)
    validator = validator_class(DISPENSER_EVENT_SCHEMA)
    for body in VALID:
        assert validator.is_valid(body), body
    for body, field in INVALID:
        assert not validator.is_valid(body), (body, field)


def test_the_schema_is_json() -> None:
    assert json.loads(json.dumps(DISPENSER_EVENT_SCHEMA)) == DISPENSER_EVENT_SCHEMA
    assert DISPENSER_EVENT_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_events_that_raise_alarms() -> None:
    assert ALARM_KIND_FOR_EVENT == {
        DispenserEventType.DOSE_MISSED: AlarmKind.MISSED_DOSE,
        DispenserEventType.DISPENSER_ERROR: AlarmKind.DISPENSER_FAULT,
    }


# ---- state ---------------------------------------------------------------------------

_ids = iter(range(10_000))


def dose(
    kind: str, dose_id: str, scheduled: datetime, at: datetime, **extra: Any
) -> DispenserEvent:
    return parse(
        {
            "type": "dispenser_event",
            "dispenser_id": ROBOT,
            "event": kind,
            "event_id": f"evt-{next(_ids)}",
            "at": at.isoformat(),
            "dose_id": dose_id,
            "scheduled_for": scheduled.isoformat(),
            **extra,
        }
    )


def device(kind: str, at: datetime, **extra: Any) -> DispenserEvent:
    return parse(
        {
            "type": "dispenser_event",
            "dispenser_id": ROBOT,
            "event": kind,
            "event_id": f"evt-{next(_ids)}",
            "at": at.isoformat(),
            **extra,
        }
    )


@pytest.fixture
def state() -> DispenserState:
    return DispenserState(ROBOT, tracking_since=START)


def settle(state: DispenserState, kind: str, scheduled: datetime, now: datetime = NOW) -> None:
    """A dose due at ``scheduled``, taken or missed 20 minutes later."""
    settled_at = scheduled + timedelta(minutes=20)
    state.apply(dose(kind, f"d-{scheduled.isoformat()}", scheduled, settled_at), now)


def test_a_taken_dose_updates_the_entities(state: DispenserState) -> None:
    assert state.apply(parse(DOSE_TAKEN), NOW)
    assert state.last_dose_taken == datetime(2026, 11, 3, 7, 3, 12, tzinfo=UTC)
    assert state.doses_taken_today(NOW, STHLM) == 1
    assert state.doses_missed_today(NOW, STHLM) == 0
    assert state.doses_remaining == 41
    assert state.battery == 87.5
    assert state.adherence(NOW) == 100.0
    assert state.status(datetime(2026, 11, 3, 8, 0, tzinfo=UTC)) is DispenserStatus.OK


def test_adherence_is_taken_over_settled_doses_in_seven_days(state: DispenserState) -> None:
    now = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
    for day in range(2, 9):  # 2 to 8 November, two doses a day
        settle(state, "dose_taken", datetime(2026, 11, day, 7, 0, tzinfo=UTC), now)
        kind = "dose_missed" if day in (3, 6, 8) else "dose_taken"
        settle(state, kind, datetime(2026, 11, day, 11, 0, tzinfo=UTC), now)
    # Pending doses do not count, nor doses due after now.
    state.apply(dose("dose_scheduled", "later", datetime(2026, 11, 8, 19, 0, tzinfo=UTC), now), now)
    state.apply(dose("dose_reminder", "due", datetime(2026, 11, 8, 11, 30, tzinfo=UTC), now), now)
    # 14 settled doses, 3 missed.
    assert state.adherence(now) == pytest.approx(100 * 11 / 14)
    # Exactly seven days before now is outside the window; a second later is inside.
    edge = now - timedelta(days=7)
    settle(state, "dose_missed", edge, now)
    assert state.adherence(now) == pytest.approx(100 * 11 / 14)
    settle(state, "dose_missed", edge + timedelta(seconds=1), now)
    assert state.adherence(now) == pytest.approx(100 * 11 / 15)


def test_adherence_is_unknown_without_settled_doses(state: DispenserState) -> None:
    assert state.adherence(NOW) is None
    state.apply(dose("dose_scheduled", "d1", NOW + timedelta(hours=1), NOW), NOW)
    assert state.adherence(NOW) is None


def test_today_is_the_local_day(state: DispenserState) -> None:
    # 23:30 UTC on 2 November is 00:30 on 3 November in Stockholm.
    late = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    state.apply(dose("dose_taken", "late", late, late + timedelta(minutes=5)), NOW)
    state.apply(dose("dose_missed", "early", late - timedelta(hours=2), late), NOW)
    assert state.doses_taken_today(NOW, STHLM) == 1
    assert state.doses_taken_today(NOW, UTC) == 0
    assert state.doses_missed_today(NOW, STHLM) == 0
    assert state.doses_missed_today(datetime(2026, 11, 2, 22, 0, tzinfo=UTC), STHLM) == 1


def test_next_dose_is_the_earliest_pending_one_from_now(state: DispenserState) -> None:
    assert state.next_dose(NOW) is None
    for hour in (19, 14, 8):
        scheduled = datetime(2026, 11, 3, hour, 0, tzinfo=UTC)
        state.apply(dose("dose_scheduled", f"d{hour}", scheduled, NOW - timedelta(hours=6)), NOW)
    assert state.next_dose(NOW) == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    state.apply(dose("dose_taken", "d14", datetime(2026, 11, 3, 14, 0, tzinfo=UTC), NOW), NOW)
    assert state.next_dose(NOW) == datetime(2026, 11, 3, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([], DispenserStatus.OK),
        ([("dose_reminder", 0)], DispenserStatus.REMINDER),
        ([("dose_reminder", 0), ("dose_taken", 1)], DispenserStatus.OK),
        ([("dose_missed", 0)], DispenserStatus.DOSE_MISSED),
        ([("jam", 0)], DispenserStatus.ERROR_JAM),
        ([("roll_empty", 0)], DispenserStatus.ERROR_ROLL_EMPTY),
        ([("low_stock", 0)], DispenserStatus.LOW_STOCK),
        ([("power_loss", 0)], DispenserStatus.POWER_LOSS),
        ([("jam", 0), ("heartbeat", 1)], DispenserStatus.OK),
        ([("jam", 0), ("dose_taken", 1)], DispenserStatus.OK),
        ([("jam", 0), ("dose_missed", 1)], DispenserStatus.ERROR_JAM),
        ([("dose_missed", 0), ("jam", 1)], DispenserStatus.ERROR_JAM),
    ],
)
def test_status(
    state: DispenserState, events: list[tuple[str, int]], status: DispenserStatus
) -> None:
    base = NOW - timedelta(minutes=30)
    scheduled = NOW - timedelta(minutes=40)
    state.apply(device("heartbeat", base - timedelta(minutes=5)), NOW)
    for name, minute in events:
        at = base + timedelta(minutes=minute)
        if name in ("jam", "roll_empty", "low_stock", "power_loss"):
            state.apply(device("dispenser_error", at, error=name), NOW)
        elif name == "heartbeat":
            state.apply(device("heartbeat", at), NOW)
        else:
            state.apply(dose(name, "d1", scheduled, at), NOW)
    assert state.status(NOW) is status


def test_a_later_dose_taken_clears_the_missed_status(state: DispenserState) -> None:
    state.apply(device("heartbeat", NOW - timedelta(minutes=5)), NOW)
    settle(state, "dose_missed", NOW - timedelta(hours=6))
    assert state.status(NOW) is DispenserStatus.DOSE_MISSED
    settle(state, "dose_taken", NOW - timedelta(hours=1))
    assert state.status(NOW) is DispenserStatus.OK


def test_heartbeat_overdue_at_its_edge(state: DispenserState) -> None:
    beat = NOW - timedelta(minutes=60)
    state.apply(device("heartbeat", beat), NOW)
    assert state.last_heartbeat == beat
    assert not state.heartbeat_overdue(NOW)
    assert state.heartbeat_overdue(NOW + timedelta(seconds=1))
    assert state.status(NOW + timedelta(seconds=1)) is DispenserStatus.OFFLINE
    assert not state.heartbeat_overdue(NOW + timedelta(minutes=10), limit=timedelta(minutes=90))


def test_a_dispenser_never_heard_from_is_overdue_after_tracking_starts(
    state: DispenserState,
) -> None:
    assert not state.heartbeat_overdue(START + timedelta(minutes=60))
    assert state.heartbeat_overdue(START + timedelta(minutes=61))
    assert state.status(NOW) is DispenserStatus.OFFLINE


def test_any_event_is_a_sign_of_life(state: DispenserState) -> None:
    state.apply(parse(DOSE_TAKEN), NOW)
    assert not state.heartbeat_overdue(datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    assert state.last_heartbeat is None


def test_older_stock_and_battery_readings_do_not_overwrite_newer(state: DispenserState) -> None:
    state.apply(
        device("heartbeat", NOW - timedelta(minutes=1), doses_remaining=30, battery=50), NOW
    )
    state.apply(
        dose(
            "dose_taken",
            "d1",
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=2),
            doses_remaining=31,
            battery=60,
        ),
        NOW,
    )
    assert state.doses_remaining == 30
    assert state.battery == 50


# ---- refusals and duplicates ---------------------------------------------------------


def test_a_duplicate_event_id_is_ignored(state: DispenserState) -> None:
    event = parse(DOSE_TAKEN)
    assert state.apply(event, NOW)
    before = state.as_dict()
    # Even with other content, an event id seen before changes nothing.
    twin = parse(variant(DOSE_TAKEN, event="dose_missed", at="2026-11-03T09:00:00+01:00"))
    assert not state.apply(twin, NOW)
    assert state.as_dict() == before


def expect_refusal(
    state: DispenserState,
    event: DispenserEvent,
    error: type[DispenserEventError],
    key: str,
    now: datetime = NOW,
) -> None:
    before = state.as_dict()
    with pytest.raises(error) as raised:
        state.apply(event, now)
    assert raised.value.translation_key == key
    assert state.as_dict() == before
    # A refused event is not remembered as seen: a corrected resend is not a duplicate.
    assert event.event_id not in before["seen_event_ids"]


def test_an_event_older_than_the_doses_newest_is_refused(state: DispenserState) -> None:
    scheduled = NOW - timedelta(hours=2)
    state.apply(dose("dose_taken", "d1", scheduled, scheduled + timedelta(minutes=5)), NOW)
    late = dose("dose_missed", "d1", scheduled, scheduled + timedelta(minutes=4))
    expect_refusal(state, late, DispenserEventOutOfOrderError, "dispenser_event_out_of_order")


def test_a_reminder_after_the_dose_was_settled_is_refused(state: DispenserState) -> None:
    scheduled = NOW - timedelta(hours=2)
    state.apply(dose("dose_missed", "d1", scheduled, scheduled + timedelta(minutes=30)), NOW)
    reminder = dose("dose_reminder", "d1", scheduled, scheduled + timedelta(minutes=31))
    expect_refusal(state, reminder, DispenserEventOutOfOrderError, "dispenser_event_out_of_order")


def test_a_dose_can_be_corrected_by_a_newer_final_event(state: DispenserState) -> None:
    scheduled = NOW - timedelta(hours=2)
    state.apply(dose("dose_missed", "d1", scheduled, scheduled + timedelta(minutes=30)), NOW)
    state.apply(dose("dose_taken", "d1", scheduled, scheduled + timedelta(minutes=31)), NOW)
    assert state.adherence(NOW) == 100.0


def test_an_older_heartbeat_or_error_is_refused(state: DispenserState) -> None:
    state.apply(device("heartbeat", NOW - timedelta(minutes=1)), NOW)
    old_jam = device("dispenser_error", NOW - timedelta(minutes=2), error="jam")
    expect_refusal(state, old_jam, DispenserEventOutOfOrderError, "dispenser_event_out_of_order")


def test_an_event_from_the_future_is_refused(state: DispenserState) -> None:
    ahead = device("heartbeat", NOW + timedelta(minutes=5, seconds=1))
    expect_refusal(state, ahead, DispenserEventInFutureError, "dispenser_event_in_future")
    # Within the tolerance for clock differences it is taken.
    assert state.apply(device("heartbeat", NOW + timedelta(minutes=5)), NOW)


def test_an_event_of_another_dispenser_is_refused(state: DispenserState) -> None:
    other = parse(variant(HEARTBEAT, dispenser_id="robot-8"))
    expect_refusal(state, other, WrongDispenserError, "dispenser_event_wrong_dispenser")


def test_naive_now_is_refused(state: DispenserState) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        state.apply(parse(HEARTBEAT), datetime(2026, 11, 3, 12, 0))


# ---- persistence ---------------------------------------------------------------------


def busy_state() -> DispenserState:
    state = DispenserState(ROBOT, tracking_since=START)
    state.apply(parse(DOSE_TAKEN), NOW)
    state.apply(parse(JAM), NOW)
    settle(state, "dose_missed", NOW - timedelta(hours=2))
    state.apply(dose("dose_scheduled", "next", NOW + timedelta(hours=6), NOW), NOW)
    state.apply(device("heartbeat", NOW - timedelta(seconds=30), battery=80), NOW)
    return state


def test_the_state_survives_a_restart() -> None:
    state = busy_state()
    stored = json.loads(json.dumps(state.as_dict()))
    restored = DispenserState.from_dict(stored)
    assert restored.as_dict() == stored
    assert restored.status(NOW) is state.status(NOW)
    assert restored.adherence(NOW) == state.adherence(NOW) == 50.0
    assert restored.next_dose(NOW) == NOW + timedelta(hours=6)
    # Duplicates and ordering are still recognised after the restart.
    assert not restored.apply(parse(DOSE_TAKEN), NOW)
    with pytest.raises(DispenserEventOutOfOrderError):
        restored.apply(device("heartbeat", NOW - timedelta(minutes=10)), NOW)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(version=2),
        lambda d: d.pop("seen_event_ids"),
        lambda d: d["doses"][0].update(status="eaten"),
        lambda d: d.update(tracking_since="soon"),
        lambda d: d.update(active_error="smoke"),
    ],
)
def test_damaged_state_is_refused(damage: Callable[[dict[str, Any]], object]) -> None:
    data = json.loads(json.dumps(busy_state().as_dict()))
    damage(data)
    with pytest.raises(StoredDataError):
        DispenserState.from_dict(data)


def test_doses_older_than_the_history_are_forgotten(state: DispenserState) -> None:
    old = NOW - timedelta(days=8, seconds=1)
    state.apply(dose("dose_taken", "old", old, old + timedelta(minutes=1)), NOW)
    assert "old" not in state.doses
    assert state.last_dose_taken == old + timedelta(minutes=1)


def test_hand_built_dose_events_without_a_dose_are_refused(state: DispenserState) -> None:
    event = DispenserEvent(
        dispenser_id=ROBOT, event=DispenserEventType.DOSE_TAKEN, event_id="x", at=NOW
    )
    with pytest.raises(DispenserEventError):
        state.apply(event, NOW)
    assert state.last_seen is None


def test_only_the_most_recent_event_ids_are_remembered(state: DispenserState) -> None:
    first = device("heartbeat", NOW - timedelta(hours=1))
    state.apply(first, NOW)
    for second in range(1000):
        state.apply(
            device("heartbeat", NOW - timedelta(minutes=30) + timedelta(seconds=second)), NOW
        )
    assert len(state.as_dict()["seen_event_ids"]) == 1000
    # The oldest id is forgotten: a resend is now judged by its time instead, and refused.
    with pytest.raises(DispenserEventOutOfOrderError):
        state.apply(first, NOW)


def test_the_last_dose_taken_is_the_latest_one(state: DispenserState) -> None:
    state.apply(dose("dose_taken", "b", NOW - timedelta(hours=2), NOW - timedelta(hours=1)), NOW)
    state.apply(dose("dose_taken", "a", NOW - timedelta(hours=5), NOW - timedelta(hours=4)), NOW)
    assert state.last_dose_taken == NOW - timedelta(hours=1)
