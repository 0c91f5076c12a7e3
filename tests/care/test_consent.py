"""Consent to digital supervision per room: recorded, withdrawn, recorded again, stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ange_iot.care.consent import (
    ConsentBook,
    ConsentScope,
    InvalidConsentScopeError,
    NoConsentToWithdrawError,
)
from custom_components.ange_iot.care.errors import StoredDataError

T0 = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
NURSE = "9f3c1e0a5b7d4c2e8f6a1b3c5d7e9f01"


def test_a_room_without_a_record_is_supervised() -> None:
    assert ConsentBook().allows("SOL-2", "R12", ConsentScope.NIGHT_SUPERVISION)


def test_withdrawal_stops_supervision_until_recorded_again() -> None:
    book = ConsentBook()
    book.record("SOL-2", "R12", "night_supervision", by=NURSE, at=T0)
    withdrawn = book.withdraw("SOL-2", "R12", "night_supervision", by=NURSE, at=T0 + timedelta(days=1))
    assert (withdrawn.recorded_at, withdrawn.withdrawn_at, withdrawn.withdrawn_by) == (T0, T0 + timedelta(days=1), NURSE)
    assert not book.allows("SOL-2", "R12", ConsentScope.NIGHT_SUPERVISION)
    # Another scope and another room are not touched.
    assert book.allows("SOL-2", "R12", ConsentScope.INACTIVITY)
    assert book.allows("SOL-2", "R14", ConsentScope.NIGHT_SUPERVISION)
    with pytest.raises(NoConsentToWithdrawError):
        book.withdraw("SOL-2", "R12", "night_supervision", by=NURSE, at=T0 + timedelta(days=2))
    again = book.record("SOL-2", "R12", ConsentScope.NIGHT_SUPERVISION, by=None, at=T0 + timedelta(days=3))
    assert again.in_force
    assert book.allows("SOL-2", "R12", ConsentScope.NIGHT_SUPERVISION)


def test_unknown_scope_is_refused() -> None:
    with pytest.raises(InvalidConsentScopeError):
        ConsentBook().record("SOL-2", "R12", "camera", by=None, at=T0)


def test_the_book_survives_storage() -> None:
    book = ConsentBook()
    book.record("SOL-2", "R12", "night_supervision", by=NURSE, at=T0)
    book.withdraw("SOL-2", "R14", "inactivity", by=NURSE, at=T0)
    restored = ConsentBook.from_dict(book.as_dict())
    assert restored == book
    assert [r.scope for r in restored.of_room("SOL-2", "R14")] == [ConsentScope.INACTIVITY]


@pytest.mark.parametrize(
    "data",
    [
        {"version": 2},
        {"version": 1, "records": [{"care_unit": "SOL-2"}]},
        {"version": 1, "records": [{"care_unit": "19121212-1212", "room": "R1", "scope": "inactivity", "recorded_at": T0.isoformat()}]},
    ],
)
def test_damaged_storage_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(StoredDataError):
        ConsentBook.from_dict(data)
