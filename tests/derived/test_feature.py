"""The shared helpers every feature reads settings, readings and stored state with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.ange_iot.derived.feature import as_float, iso, parse_time

from .common import TZ


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, 3.0),
        (-18.5, -18.5),
        ("250", 250.0),
        (" 12.5 ", 12.5),
        ("0", 0.0),
    ],
)
def test_as_float_reads_numbers_and_numeric_text(raw: object, expected: float) -> None:
    assert as_float(raw) == expected


@pytest.mark.parametrize("raw", [None, True, False, "", "abc", "12 cm", [1], {"v": 1}, object()])
def test_as_float_rejects_everything_else(raw: object) -> None:
    # A bool is an int in Python, but "True" is no mounting height or distance.
    assert as_float(raw) is None


def test_iso_and_parse_time_round_trip_keeps_the_instant() -> None:
    at = datetime(2025, 1, 15, 7, 30, tzinfo=TZ)
    stored = iso(at)
    assert isinstance(stored, str)
    parsed = parse_time(stored)
    assert parsed is not None
    assert parsed == at
    assert parsed.utcoffset() == timedelta(hours=1)


def test_iso_of_nothing_is_nothing() -> None:
    assert iso(None) is None


@pytest.mark.parametrize(
    "raw",
    [None, 1700000000, "yesterday", "2025-13-01T00:00:00+00:00", "2025-01-15T07:30:00"],
    ids=["missing", "number", "text", "bad-date", "naive"],
)
def test_parse_time_ignores_damaged_or_naive_timestamps(raw: object) -> None:
    # A naive time cannot be placed on the clock, so it is as good as missing.
    assert parse_time(raw) is None


def test_parse_time_accepts_any_offset() -> None:
    parsed = parse_time("2025-06-01T12:00:00+02:00")
    assert parsed == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    assert parsed is not None
    assert parsed.tzinfo == timezone(timedelta(hours=2))
