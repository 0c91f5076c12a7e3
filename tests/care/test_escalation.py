"""The alarm chain's pure rules: on the way and arrived, re-escalation, tiers, response times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ange_iot.care.alarm_errors import (
    AlreadyAcknowledgedError,
    AlreadyInStateError,
    ArrivalRequiredError,
)
from custom_components.ange_iot.care.alarm_record import AlarmKind, AlarmState, Outcome
from custom_components.ange_iot.care.alarms import AlarmBook
from custom_components.ange_iot.care.escalation import EscalationPolicy, Step, next_step
from custom_components.ange_iot.care.response_stats import ResponseLog, percentile

T0 = datetime(2026, 11, 3, 2, 10, tzinfo=UTC)
NURSE = "9f3c1e0a5b7d4c2e8f6a1b3c5d7e9f01"
BUTTON = "24e124710b000001"
POLICY = EscalationPolicy(
    tier2_after=timedelta(minutes=5), tier3_after=timedelta(minutes=5), renotify_every=timedelta(minutes=3),
    reescalate_after=timedelta(minutes=10), has_tier3=True,
)


def minutes(count: float) -> datetime:
    return T0 + timedelta(minutes=count)


def new_alarm(book: AlarmBook, at: datetime = T0) -> str:
    alarm, _ = book.trigger(AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, at)
    alarm.notified_at = at
    return alarm.alarm_id


def test_on_the_way_and_arrived_take_the_alarm_on() -> None:
    book = AlarmBook()
    alarm = book.get(new_alarm(book))
    book.on_the_way(alarm.alarm_id, NURSE, minutes(1))
    assert (alarm.state, alarm.acknowledged_by, alarm.acknowledged_at) == (AlarmState.ON_THE_WAY, NURSE, minutes(1))
    book.arrived(alarm.alarm_id, "other-user", minutes(4))
    # The acknowledgement stays with who took it; the arrival is recorded on its own.
    assert (alarm.acknowledged_by, alarm.arrived_by, alarm.arrived_at) == (NURSE, "other-user", minutes(4))
    with pytest.raises(AlreadyInStateError) as err:
        book.on_the_way(alarm.alarm_id, NURSE, minutes(5))
    assert err.value.translation_placeholders["user"] == "other-user"
    with pytest.raises(AlreadyAcknowledgedError) as ack:
        book.acknowledge(alarm.alarm_id, NURSE, minutes(5))
    assert ack.value.translation_placeholders["time"] == minutes(1).isoformat()
    book.resolve(alarm.alarm_id, Outcome.ON_SITE, NURSE, minutes(6), require_arrival=True)
    assert not alarm.is_open


def test_arrival_required_refuses_resolving_before() -> None:
    book = AlarmBook()
    alarm_id = new_alarm(book)
    book.acknowledge(alarm_id, NURSE, minutes(1))
    with pytest.raises(ArrivalRequiredError):
        book.resolve(alarm_id, Outcome.BY_PHONE, NURSE, minutes(2), require_arrival=True)
    assert book.get(alarm_id).is_open
    # Without the rule, an acknowledged alarm can be resolved at once.
    book.resolve(alarm_id, Outcome.BY_PHONE, NURSE, minutes(2))


def test_the_policy_steps_in_order() -> None:
    book = AlarmBook()
    alarm = book.get(new_alarm(book))
    assert next_step(alarm, minutes(2.9), POLICY) is None
    assert next_step(alarm, minutes(3), POLICY) is Step.RENOTIFY
    alarm.notified_at = minutes(3)
    assert next_step(alarm, minutes(5), POLICY) is Step.ESCALATE
    book.escalate(alarm.alarm_id, minutes(5))
    assert alarm.escalation_level == 1
    alarm.notified_at = minutes(5)
    assert next_step(alarm, minutes(8), POLICY) is Step.RENOTIFY
    alarm.notified_at = minutes(8)
    assert next_step(alarm, minutes(10), POLICY) is Step.ESCALATE_FURTHER
    book.escalate_further(alarm.alarm_id, minutes(10))
    assert (alarm.state, alarm.escalation_level) == (AlarmState.ESCALATED, 2)
    # The top tier is reached: only re-notification from now on.
    alarm.notified_at = minutes(10)
    assert next_step(alarm, minutes(12), POLICY) is None
    assert next_step(alarm, minutes(13), POLICY) is Step.RENOTIFY


def test_taken_on_without_arrival_reescalates_and_arrival_stops_it() -> None:
    book = AlarmBook()
    alarm = book.get(new_alarm(book))
    book.acknowledge(alarm.alarm_id, NURSE, minutes(1))
    assert next_step(alarm, minutes(10.9), POLICY) is None
    assert next_step(alarm, minutes(11), POLICY) is Step.REESCALATE
    book.escalate(alarm.alarm_id, minutes(11))
    assert (alarm.state, alarm.escalation_level) == (AlarmState.ESCALATED, 1)
    book.arrived(alarm.alarm_id, NURSE, minutes(12))
    assert alarm.acknowledged_at == minutes(12)  # taken on anew
    assert next_step(alarm, minutes(60), POLICY) is None


def test_a_unit_without_tier3_stays_at_tier2() -> None:
    book = AlarmBook()
    alarm = book.get(new_alarm(book))
    policy = EscalationPolicy(tier2_after=timedelta(minutes=5), tier3_after=timedelta(minutes=5))
    book.escalate(alarm.alarm_id, minutes(5))
    assert next_step(alarm, minutes(30), policy) is None


def test_new_fields_survive_storage() -> None:
    book = AlarmBook()
    alarm = book.get(new_alarm(book))
    alarm.test = True
    book.trigger(AlarmKind.CALL_BUTTON, "SOL-2", "R12", BUTTON, minutes(1))
    book.on_the_way(alarm.alarm_id, NURSE, minutes(2))
    again = AlarmBook.from_dict(book.as_dict()).get(alarm.alarm_id)
    assert again.as_dict() == alarm.as_dict()
    assert (again.press_count, again.test, again.on_the_way_by) == (2, True, NURSE)


def test_percentiles() -> None:
    assert percentile([], 0.5) is None
    assert percentile([60, 120, 360], 0.5) == 120
    assert percentile([60, 120, 360, 600], 0.5) == 240
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9


def test_response_log_leaves_tests_out_and_forgets_after_a_month() -> None:
    book, log = AlarmBook(), ResponseLog()
    real = book.get(new_alarm(book))
    book.acknowledge(real.alarm_id, NURSE, minutes(2))
    book.arrived(real.alarm_id, NURSE, minutes(5))
    test, _ = book.trigger(AlarmKind.WATER_LEAK, "SOL-2", "R12", "0004a30b0a000001", T0)
    test.test = True
    for alarm in (real, test):
        log.update(alarm)
    summary = log.summary("SOL-2", T0 - timedelta(hours=1))
    assert (summary.acknowledge_median, summary.arrival_p90, dict(summary.per_kind)) == (120, 300, {"call_button": 1})
    assert ResponseLog.from_dict(log.as_dict()).as_dict() == log.as_dict()
    log.purge(T0 + timedelta(days=32))
    assert log.summary("SOL-2", T0 - timedelta(days=40)).per_kind == {}
