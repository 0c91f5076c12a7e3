"""Free-form care record data is copied into plain JSON with personal data refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from custom_components.ange_iot.care.alarm_record import AlarmKind
from custom_components.ange_iot.care.errors import PersonalDataError
from custom_components.ange_iot.care.identity import looks_like_identity_number
from custom_components.ange_iot.care.moments import from_iso, optional_from_iso
from custom_components.ange_iot.care.privacy import plain_mapping, to_plain


def test_domain_values_become_plain_json() -> None:
    assert plain_mapping(
        {
            "kind": AlarmKind.WATER_LEAK,
            "at": datetime(2026, 11, 3, 2, 10, tzinfo=UTC),
            "night": date(2026, 11, 3),
            "rooms": ("R12", "R13"),
            "count": 3,
            "ratio": 0.5,
            "ok": True,
            "none": None,
        }
    ) == {
        "kind": "water_leak",
        "at": "2026-11-03T02:10:00+00:00",
        "night": "2026-11-03",
        "rooms": ["R12", "R13"],
        "count": 3,
        "ratio": 0.5,
        "ok": True,
        "none": None,
    }
    assert plain_mapping(None) == {}


@pytest.mark.parametrize(
    "value",
    [
        "811218-9876",
        8112189876,
        8112189876.0,
        ["ok", {"deep": ["19811218-9876"]}],
        {"first_name": "x"},
        {"Namn": "x"},
        {"ssn": "x"},
    ],
)
def test_personal_data_is_refused(value: object) -> None:
    with pytest.raises(PersonalDataError):
        to_plain(value)


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError):
        to_plain({1: "x"})
    with pytest.raises(TypeError):
        to_plain(object())


def test_stored_times_must_be_text_with_an_offset() -> None:
    for bad in (5, "2026-11-03T02:10:00"):
        with pytest.raises(ValueError, match="must be|timezone-aware"):
            from_iso(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be"):
        optional_from_iso(5)
    assert optional_from_iso(None) is None


def test_machine_made_ids_that_look_like_identity_numbers_are_kept() -> None:
    # A random alarm id and a DevEUI whose digits happen to form a valid-looking
    # personnummer (121212-1212 passes the Luhn check); the audit log must not drop them.
    alarm_id = "alarm-ab1212121212cdef0123456789abcdef"
    dev_eui = "1212121212abcdef"
    assert looks_like_identity_number(alarm_id)
    assert looks_like_identity_number(dev_eui)
    assert plain_mapping({"alarm_id": alarm_id, "dev_eui": dev_eui}) == {"alarm_id": alarm_id, "dev_eui": dev_eui}
    # Recognised by format, whatever the key; a personnummer is refused under any key.
    assert plain_mapping({"note": alarm_id}) == {"note": alarm_id}
    with pytest.raises(PersonalDataError):
        plain_mapping({"alarm_id": "19121212-1212"})
