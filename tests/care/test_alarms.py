"""The care alarm lifecycle on its own: transitions, repeats, escalation, persistence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
import itertools
import json

import pytest

from custom_components.ange_iot.care.alarm_errors import (
    AlarmClosedError,
    IllegalTransitionError,
    InvalidOutcomeError,
    UnknownAlarmError,
)
from custom_components.ange_iot.care.alarm_record import Alarm, AlarmKind, AlarmState, Outcome
from custom_components.ange_iot.care.alarms import ALLOWED_TRANSITIONS, AlarmBook
from custom_components.ange_iot.care.errors import (
    CareError,
    InvalidCodeError,
    PersonalDataError,
    StoredDataError,
)

T0 = datetime(2026, 11, 3, 2, 10, tzinfo=UTC)
BUTTON = "24e124538b223344"
NURSE = "9f3c1e0a5b7d4c2e8f6a1b3c5d7e9f01"
NIGHT_NURSE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def counting_ids() -> Callable[[], str]:
    counter: Iterator[int] = itertools.count(1)
    return lambda: f"alarm-{next(counter)}"


@pytest.fixture
def book() -> AlarmBook:
    return AlarmBook(id_factory=counting_ids())


def press(book: AlarmBook, at: datetime = T0, dev_eui: str = BUTTON, room: str = "R12") -> Alarm:
    alarm, _new = book.trigger(AlarmKind.CALL_BUTTON, "SOL-2", room, dev_eui, at)
    return alarm


def test_trigger_creates_an_open_alarm_with_the_design_event_data(book: AlarmBook) -> None:
    alarm, is_new = book.trigger(
        AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, T0, f"call_button:{BUTTON}"
    )
    assert is_new
    assert alarm.alarm_id == "alarm-1"
    assert alarm.state is AlarmState.TRIGGERED
    assert alarm.is_open
    assert alarm.event_data() == {
        "alarm_id": "alarm-1",
        "kind": "call_button",
        "state": "triggered",
        "care_unit": "SOL-2",
        "room": "R12",
        "dev_eui": BUTTON,
        "triggered_at": "2026-11-03T02:10:00+00:00",
    }


def test_default_ids_are_opaque_and_unique() -> None:
    book = AlarmBook()
    first = press(book, dev_eui="24e124538b000001")
    second = press(book, dev_eui="24e124538b000002")
    assert first.alarm_id != second.alarm_id
    assert "SOL" not in first.alarm_id
    assert "R12" not in first.alarm_id


def test_an_id_factory_that_repeats_itself_is_caught() -> None:
    book = AlarmBook(id_factory=lambda: "same")
    press(book, dev_eui="24e124538b000001")
    with pytest.raises(RuntimeError):
        press(book, dev_eui="24e124538b000002")
    assert len(book.open_alarms()) == 1


# ---- repeats -------------------------------------------------------------------------


def test_the_same_button_pressed_again_is_recorded_on_the_open_alarm(book: AlarmBook) -> None:
    first = press(book)
    again, is_new = book.trigger(
        AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, T0 + timedelta(minutes=1)
    )
    third, third_new = book.trigger(
        AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, T0 + timedelta(minutes=2)
    )
    assert not is_new
    assert not third_new
    assert again is first
    assert third is first
    assert first.repeats == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert len(book.open_alarms()) == 1


def test_a_repeat_also_lands_on_an_acknowledged_alarm(book: AlarmBook) -> None:
    alarm = press(book)
    book.acknowledge(alarm.alarm_id, NURSE, T0 + timedelta(minutes=1))
    again = press(book, T0 + timedelta(minutes=3))
    assert again is alarm
    assert alarm.state is AlarmState.ACKNOWLEDGED
    assert alarm.repeats == [T0 + timedelta(minutes=3)]


def test_another_button_or_kind_is_another_alarm(book: AlarmBook) -> None:
    first = press(book)
    other_button = press(book, dev_eui="24e124538b225566", room="R13")
    leak, leak_new = book.trigger(AlarmKind.WATER_LEAK, "SOL-2", "R12", BUTTON, T0)
    assert leak_new
    assert len({first.alarm_id, other_button.alarm_id, leak.alarm_id}) == 3


def test_explicit_source_keys_decide_what_is_the_same_source(book: AlarmBook) -> None:
    first, _ = book.trigger(AlarmKind.MISSED_DOSE, "HT-1", "K7", None, T0, "missed_dose:robot-1:d1")
    second, second_new = book.trigger(
        AlarmKind.MISSED_DOSE, "HT-1", "K7", None, T0, "missed_dose:robot-1:d2"
    )
    assert second_new
    assert first is not second


def test_alarms_without_a_device_are_grouped_per_room(book: AlarmBook) -> None:
    first, _ = book.trigger(AlarmKind.SUPERVISION_NO_DATA, "SOL-2", "R12", None, T0)
    again, again_new = book.trigger(AlarmKind.SUPERVISION_NO_DATA, "SOL-2", "R12", None, T0)
    other, other_new = book.trigger(AlarmKind.SUPERVISION_NO_DATA, "SOL-2", "R13", None, T0)
    assert again is first
    assert not again_new
    assert other_new


def test_after_resolving_the_same_button_raises_a_new_alarm(book: AlarmBook) -> None:
    first = press(book)
    book.resolve(first.alarm_id, Outcome.ON_SITE, NURSE, T0 + timedelta(minutes=5))
    second, is_new = book.trigger(
        AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, T0 + timedelta(minutes=6)
    )
    assert is_new
    assert second.alarm_id != first.alarm_id
    assert first.repeats == []


# ---- legal transitions ---------------------------------------------------------------


def test_triggered_acknowledged_resolved(book: AlarmBook) -> None:
    alarm = press(book)
    book.acknowledge(alarm.alarm_id, NURSE, T0 + timedelta(minutes=2))
    assert alarm.state is AlarmState.ACKNOWLEDGED
    assert alarm.event_data()["acknowledged_by"] == NURSE
    assert "outcome" not in alarm.event_data()
    book.resolve(alarm.alarm_id, "on_site", NIGHT_NURSE, T0 + timedelta(minutes=9))
    assert alarm.state is AlarmState.RESOLVED
    assert alarm.acknowledged_at == T0 + timedelta(minutes=2)
    assert alarm.resolved_at == T0 + timedelta(minutes=9)
    assert alarm.resolved_by == NIGHT_NURSE
    assert alarm.outcome is Outcome.ON_SITE
    assert alarm.event_data() == {
        "alarm_id": alarm.alarm_id,
        "kind": "call_button",
        "state": "resolved",
        "care_unit": "SOL-2",
        "room": "R12",
        "dev_eui": BUTTON,
        "triggered_at": "2026-11-03T02:10:00+00:00",
        "acknowledged_by": NURSE,
        "outcome": "on_site",
    }
    assert book.open_alarms() == []
    assert book.closed_alarms() == [alarm]


def test_triggered_escalated_acknowledged_resolved(book: AlarmBook) -> None:
    alarm = press(book)
    book.escalate(alarm.alarm_id, T0 + timedelta(minutes=5))
    assert alarm.state is AlarmState.ESCALATED
    assert alarm.escalated_at == T0 + timedelta(minutes=5)
    assert alarm.event_data()["state"] == "escalated"
    assert "acknowledged_by" not in alarm.event_data()
    book.acknowledge(alarm.alarm_id, NURSE, T0 + timedelta(minutes=6))
    assert alarm.state is AlarmState.ACKNOWLEDGED
    book.resolve(alarm.alarm_id, Outcome.BY_PHONE, NURSE, T0 + timedelta(minutes=7))
    assert alarm.state is AlarmState.RESOLVED
    assert alarm.event_data()["outcome"] == "by_phone"


@pytest.mark.parametrize("escalate_first", [False, True])
def test_an_unacknowledged_alarm_can_be_resolved_directly(
    book: AlarmBook, escalate_first: bool
) -> None:
    alarm = press(book)
    if escalate_first:
        book.escalate(alarm.alarm_id, T0 + timedelta(minutes=5))
    book.resolve(alarm.alarm_id, Outcome.FALSE_ALARM, NURSE, T0 + timedelta(minutes=6))
    data = alarm.event_data()
    assert data["state"] == "resolved"
    assert data["outcome"] == "false_alarm"
    # Nobody acknowledged it, so the event must not claim someone did.
    assert "acknowledged_by" not in data
    assert alarm.resolved_by == NURSE


def test_acknowledging_without_a_user_is_recorded_as_such(book: AlarmBook) -> None:
    alarm = press(book)
    book.acknowledge(alarm.alarm_id, None, T0 + timedelta(minutes=1))
    assert alarm.event_data()["acknowledged_by"] is None
    assert alarm.is_acknowledged


def test_the_transition_table_is_the_documented_lifecycle() -> None:
    on_the_way, arrived = AlarmState.ON_THE_WAY, AlarmState.ARRIVED
    assert {state: set(targets) for state, targets in ALLOWED_TRANSITIONS.items()} == {
        AlarmState.TRIGGERED: {
            AlarmState.ESCALATED,
            AlarmState.ACKNOWLEDGED,
            on_the_way,
            arrived,
            AlarmState.RESOLVED,
        },
        AlarmState.ESCALATED: {AlarmState.ACKNOWLEDGED, on_the_way, arrived, AlarmState.RESOLVED},
        # Taken on but nobody arrived in time: escalated again (issue 11).
        AlarmState.ACKNOWLEDGED: {AlarmState.ESCALATED, on_the_way, arrived, AlarmState.RESOLVED},
        on_the_way: {AlarmState.ESCALATED, arrived, AlarmState.RESOLVED},
        arrived: {AlarmState.RESOLVED},
        AlarmState.RESOLVED: set(),
    }


# ---- illegal transitions -------------------------------------------------------------


def bring_to(book: AlarmBook, state: AlarmState) -> Alarm:
    alarm = press(book)
    if state is AlarmState.ESCALATED:
        book.escalate(alarm.alarm_id, T0 + timedelta(minutes=5))
    if state is AlarmState.ACKNOWLEDGED:
        book.acknowledge(alarm.alarm_id, NURSE, T0 + timedelta(minutes=5))
    if state is AlarmState.RESOLVED:
        book.resolve(alarm.alarm_id, Outcome.OTHER, NURSE, T0 + timedelta(minutes=5))
    assert alarm.state is state
    return alarm


def move(book: AlarmBook, alarm_id: str, target: AlarmState) -> None:
    at = T0 + timedelta(minutes=10)
    if target is AlarmState.ESCALATED:
        book.escalate(alarm_id, at)
    elif target is AlarmState.ACKNOWLEDGED:
        book.acknowledge(alarm_id, NIGHT_NURSE, at)
    else:
        book.resolve(alarm_id, Outcome.ON_SITE, NIGHT_NURSE, at)


@pytest.mark.parametrize(
    ("state", "target", "error", "key"),
    [
        (
            AlarmState.ESCALATED,
            AlarmState.ESCALATED,
            IllegalTransitionError,
            "illegal_alarm_transition",
        ),
        (
            AlarmState.ACKNOWLEDGED,
            AlarmState.ACKNOWLEDGED,
            IllegalTransitionError,
            "alarm_already_acknowledged",
        ),
        (AlarmState.RESOLVED, AlarmState.ESCALATED, AlarmClosedError, "alarm_closed"),
        (AlarmState.RESOLVED, AlarmState.ACKNOWLEDGED, AlarmClosedError, "alarm_closed"),
        (AlarmState.RESOLVED, AlarmState.RESOLVED, AlarmClosedError, "alarm_closed"),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(
    book: AlarmBook,
    state: AlarmState,
    target: AlarmState,
    error: type[CareError],
    key: str,
) -> None:
    alarm = bring_to(book, state)
    before = alarm.as_dict()
    with pytest.raises(error) as raised:
        move(book, alarm.alarm_id, target)
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders["alarm_id"] == alarm.alarm_id
    assert isinstance(raised.value, CareError)
    assert isinstance(raised.value, ValueError)
    assert alarm.as_dict() == before


def test_every_pair_outside_the_table_is_refused() -> None:
    """No state can reach a target the table does not allow, through any operation."""
    for state, target in itertools.product(
        (AlarmState.TRIGGERED, AlarmState.ESCALATED, AlarmState.ACKNOWLEDGED, AlarmState.RESOLVED),
        (AlarmState.ESCALATED, AlarmState.ACKNOWLEDGED, AlarmState.RESOLVED),
    ):
        fresh = AlarmBook(id_factory=counting_ids())
        fresh_alarm = bring_to(fresh, state)
        if target in ALLOWED_TRANSITIONS[state]:
            move(fresh, fresh_alarm.alarm_id, target)
            assert fresh_alarm.state is target
        else:
            with pytest.raises((IllegalTransitionError, AlarmClosedError)):
                move(fresh, fresh_alarm.alarm_id, target)
            assert fresh_alarm.state is state


@pytest.mark.parametrize(
    "target", [AlarmState.ESCALATED, AlarmState.ACKNOWLEDGED, AlarmState.RESOLVED]
)
def test_an_unknown_alarm_id_is_refused(book: AlarmBook, target: AlarmState) -> None:
    press(book)
    with pytest.raises(UnknownAlarmError) as raised:
        move(book, "no-such-alarm", target)
    assert raised.value.translation_key == "unknown_alarm"
    assert raised.value.translation_placeholders == {"alarm_id": "no-such-alarm"}


def test_an_unknown_outcome_is_refused_before_anything_changes(book: AlarmBook) -> None:
    alarm = press(book)
    with pytest.raises(InvalidOutcomeError) as raised:
        book.resolve(alarm.alarm_id, "went_home", NURSE, T0)
    assert raised.value.translation_key == "invalid_alarm_outcome"
    assert alarm.is_open


def test_naive_times_are_refused(book: AlarmBook) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        book.trigger(AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, datetime(2026, 11, 3, 2, 10))
    alarm = press(book)
    with pytest.raises(ValueError, match="timezone-aware"):
        book.acknowledge(alarm.alarm_id, NURSE, datetime(2026, 11, 3, 2, 11))
    assert alarm.state is AlarmState.TRIGGERED


# ---- personal data -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("care_unit", "room"),
    [("SOL-2", "121212-1212"), ("19121212-1212", "R12"), ("SOL-2", ""), ("SOL 2!", "R12")],
)
def test_units_and_rooms_must_be_pseudonymous_codes(
    book: AlarmBook, care_unit: str, room: str
) -> None:
    with pytest.raises(InvalidCodeError):
        book.trigger(AlarmKind.CALL_BUTTON, care_unit, room, BUTTON, T0)
    assert book.open_alarms() == []


@pytest.mark.parametrize(
    "detail",
    [
        {"note": "pnr 19121212-1212"},
        {"ids": [1212121212]},
        {"resident_name": "R12"},
        {"nested": {"namn": "x"}},
    ],
)
def test_detail_refuses_personal_data(book: AlarmBook, detail: dict[str, object]) -> None:
    with pytest.raises(PersonalDataError):
        book.trigger(AlarmKind.DISPENSER_FAULT, "HT-1", "K7", None, T0, detail=detail)
    assert book.open_alarms() == []


def test_detail_keeps_non_personal_data(book: AlarmBook) -> None:
    alarm, _ = book.trigger(
        AlarmKind.DISPENSER_FAULT,
        "HT-1",
        "K7",
        None,
        T0,
        detail={"error": "jam", "doses_remaining": 12, "since": T0},
    )
    assert alarm.detail == {
        "error": "jam",
        "doses_remaining": 12,
        "since": "2026-11-03T02:10:00+00:00",
    }


# ---- escalation ----------------------------------------------------------------------


def five_minutes(_unit: str) -> timedelta:
    return timedelta(minutes=5)


def test_escalation_happens_at_the_limit_not_before(book: AlarmBook) -> None:
    alarm = press(book)
    assert book.escalate_due(T0 + timedelta(minutes=5) - timedelta(seconds=1), five_minutes) == []
    assert alarm.state is AlarmState.TRIGGERED
    escalated = book.escalate_due(T0 + timedelta(minutes=5), five_minutes)
    assert escalated == [alarm]
    assert alarm.state is AlarmState.ESCALATED
    assert alarm.escalated_at == T0 + timedelta(minutes=5)


def test_an_alarm_escalates_only_once(book: AlarmBook) -> None:
    alarm = press(book)
    book.escalate_due(T0 + timedelta(minutes=6), five_minutes)
    assert book.escalate_due(T0 + timedelta(minutes=30), five_minutes) == []
    assert alarm.escalated_at == T0 + timedelta(minutes=6)


def test_acknowledged_alarms_do_not_escalate(book: AlarmBook) -> None:
    alarm = press(book)
    book.acknowledge(alarm.alarm_id, NURSE, T0 + timedelta(minutes=4))
    assert book.escalate_due(T0 + timedelta(minutes=10), five_minutes) == []
    assert alarm.state is AlarmState.ACKNOWLEDGED


def test_each_unit_has_its_own_limit(book: AlarmBook) -> None:
    sol, _ = book.trigger(AlarmKind.CALL_BUTTON, "SOL-2", "R12", None, T0)
    mane, _ = book.trigger(AlarmKind.CALL_BUTTON, "MANE-1", "R1", None, T0)
    home, _ = book.trigger(AlarmKind.MISSED_DOSE, "HT-1", "K7", None, T0)
    limits = {"SOL-2": timedelta(minutes=3), "MANE-1": timedelta(minutes=10), "HT-1": None}
    assert book.escalate_due(T0 + timedelta(minutes=4), limits.__getitem__) == [sol]
    assert book.escalate_due(T0 + timedelta(minutes=10), limits.__getitem__) == [mane]
    assert book.escalate_due(T0 + timedelta(days=1), limits.__getitem__) == []
    assert home.state is AlarmState.TRIGGERED


def test_escalation_returns_alarms_oldest_first(book: AlarmBook) -> None:
    late = press(book, T0 + timedelta(minutes=2), dev_eui="24e124538b000002")
    early = press(book, T0, dev_eui="24e124538b000001")
    assert book.escalate_due(T0 + timedelta(minutes=20), five_minutes) == [early, late]


# ---- queries -------------------------------------------------------------------------


def test_open_alarms_oldest_first_per_unit(book: AlarmBook) -> None:
    second = press(book, T0 + timedelta(minutes=2), dev_eui="24e124538b000002")
    first = press(book, T0, dev_eui="24e124538b000001")
    other_unit, _ = book.trigger(
        AlarmKind.WATER_LEAK, "MANE-1", "R1", None, T0 - timedelta(hours=1)
    )
    assert book.open_alarms("SOL-2") == [first, second]
    assert book.open_alarms() == [other_unit, first, second]
    assert book.open_alarms("NONE") == []


def test_oldest_unacknowledged_age(book: AlarmBook) -> None:
    now = T0 + timedelta(minutes=10)
    assert book.oldest_unacknowledged_age("SOL-2", now) is None
    first = press(book, T0, dev_eui="24e124538b000001")
    press(book, T0 + timedelta(minutes=4), dev_eui="24e124538b000002")
    assert book.oldest_unacknowledged_age("SOL-2", now) == timedelta(minutes=10)
    book.acknowledge(first.alarm_id, NURSE, T0 + timedelta(minutes=5))
    assert book.oldest_unacknowledged_age("SOL-2", now) == timedelta(minutes=6)
    assert book.oldest_unacknowledged_age("MANE-1", now) is None


def test_get_finds_open_and_closed_alarms(book: AlarmBook) -> None:
    alarm = press(book)
    assert book.get(alarm.alarm_id) is alarm
    book.resolve(alarm.alarm_id, Outcome.ON_SITE, NURSE, T0)
    assert book.get(alarm.alarm_id) is alarm
    with pytest.raises(UnknownAlarmError):
        book.get("alarm-99")


def test_only_the_most_recent_closed_alarms_are_kept() -> None:
    book = AlarmBook(id_factory=counting_ids(), closed_keep=2)
    ids = []
    for index in range(3):
        alarm = press(book, dev_eui=f"24e124538b00000{index}")
        book.resolve(alarm.alarm_id, Outcome.ON_SITE, NURSE, T0)
        ids.append(alarm.alarm_id)
    assert [alarm.alarm_id for alarm in book.closed_alarms()] == ids[1:]
    with pytest.raises(UnknownAlarmError):
        book.acknowledge(ids[0], NURSE, T0)
    with pytest.raises(AlarmClosedError):
        book.acknowledge(ids[1], NURSE, T0)


# ---- persistence ---------------------------------------------------------------------


def populated_book() -> AlarmBook:
    book = AlarmBook(id_factory=counting_ids())
    press(book, T0, dev_eui="24e124538b000001")
    press(book, T0 + timedelta(seconds=30), dev_eui="24e124538b000001")
    escalated = press(book, T0 + timedelta(minutes=1), dev_eui="24e124538b000002")
    book.escalate(escalated.alarm_id, T0 + timedelta(minutes=6))
    acked, _ = book.trigger(
        AlarmKind.DISPENSER_FAULT, "HT-1", "K7", None, T0, "robot-1:jam", detail={"error": "jam"}
    )
    book.acknowledge(acked.alarm_id, NURSE, T0 + timedelta(minutes=2))
    closed, _ = book.trigger(AlarmKind.WATER_LEAK, "SOL-2", "R13", "a81758fffe000001", T0)
    book.acknowledge(closed.alarm_id, NURSE, T0 + timedelta(minutes=1))
    book.resolve(closed.alarm_id, Outcome.ON_SITE, NIGHT_NURSE, T0 + timedelta(minutes=8))
    return book


def test_the_book_survives_a_restart() -> None:
    book = populated_book()
    stored = json.loads(json.dumps(book.as_dict()))
    restored = AlarmBook.from_dict(stored, id_factory=counting_ids())
    assert [a.as_dict() for a in restored.open_alarms()] == [
        a.as_dict() for a in book.open_alarms()
    ]
    assert [a.as_dict() for a in restored.closed_alarms()] == [
        a.as_dict() for a in book.closed_alarms()
    ]
    assert restored.open_alarms()[0].repeats == [T0 + timedelta(seconds=30)]
    assert restored.as_dict() == stored


def test_after_a_restart_the_same_button_still_repeats_and_closed_stays_closed() -> None:
    restored = AlarmBook.from_dict(json.loads(json.dumps(populated_book().as_dict())))
    again, is_new = restored.trigger(
        AlarmKind.CALL_BUTTON, "SOL-2", "R12", "24e124538b000001", T0 + timedelta(minutes=9)
    )
    assert not is_new
    assert again.alarm_id == "alarm-1"
    with pytest.raises(AlarmClosedError):
        restored.acknowledge("alarm-4", NURSE, T0 + timedelta(minutes=9))
    restored.acknowledge("alarm-2", NURSE, T0 + timedelta(minutes=9))


def test_a_single_alarm_round_trips() -> None:
    alarm = populated_book().get("alarm-4")
    assert Alarm.from_dict(json.loads(json.dumps(alarm.as_dict()))) == alarm


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.update(version=99),
        lambda data: data.pop("open"),
        lambda data: data["open"][0].update(state="sleeping"),
        lambda data: data["open"][0].update(triggered_at="yesterday"),
        lambda data: data["open"][0].update(triggered_at="2026-11-03T02:10:00"),
        lambda data: data["open"][0].pop("alarm_id"),
        lambda data: data["open"][0].update(room=12),
        lambda data: data["open"][0].update(detail={"note": "121212-1212"}),
        lambda data: data["open"].append(data["closed"][0]),
        lambda data: data["closed"].append(data["open"][0]),
    ],
)
def test_damaged_stored_data_is_refused(damage: Callable[[dict[str, object]], object]) -> None:
    data = json.loads(json.dumps(populated_book().as_dict()))
    damage(data)
    with pytest.raises(StoredDataError) as raised:
        AlarmBook.from_dict(data)
    assert raised.value.translation_key == "care_stored_data_invalid"
