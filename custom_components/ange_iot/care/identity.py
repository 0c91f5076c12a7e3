"""Keep names and personal identity numbers out of pseudonymous care codes.

Care units and rooms are identified by codes ("SOL-2", "R12"). A Swedish personal
identity number (personnummer) or coordination number (samordningsnummer) must never be
stored as one, with or without century digits and separator, and neither must a name:
a code is code-shaped (letters, digits and ``-``, at most 16 characters, at least one
digit), which no first name or "First Last" is.

Technical ids (Home Assistant user ids, alarm ids, DevEUIs, uuids) are recognised by their
exact format: random hex can hold ten digits that pass for a personnummer (about 0.7 % of
user ids do), and such an id carries no personal data.
"""

from __future__ import annotations

import re

# YYMMDD or YYYYMMDD, an optional separator (- or +), then four digits.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?(\d{2})(\d{2})(\d{2})[-+ ]?(\d{4})(?!\d)")
_CODE = re.compile(r"[A-Za-z0-9ÅÄÖåäö][A-Za-z0-9ÅÄÖåäö-]{0,15}")
# What earlier versions accepted; stored codes of that shape are still read, and a repair
# issue asks for a new code (they are never renamed behind the operator's back).
_LEGACY_CODE = re.compile(r"[\w][\w .:/-]{0,31}")
_TECHNICAL_ID = re.compile(
    r"[0-9a-f]{32}"  # Home Assistant user id, uuid4 hex
    r"|[0-9a-f]{16}"  # DevEUI
    r"|alarm-[0-9a-f]{32}"  # alarm id
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuid, dashed
)
CODE_MAX_LENGTH = 16


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def looks_like_identity_number(text: str) -> bool:
    """Whether ``text`` contains something shaped like a personnummer or samordningsnummer.

    A samordningsnummer adds 60 to the day of birth. The check digit is tested too,
    but a wrong check digit is still refused when the date part is plausible, since a
    mistyped personnummer is personal data all the same.
    """
    for match in _IDENTITY_NUMBER.finditer(text):
        _year, month, day, _tail = match.groups()
        day_number = int(day)
        if day_number > 60:
            day_number -= 60
        if 1 <= int(month) <= 12 and 1 <= day_number <= 31:
            return True
        if _luhn_ok("".join(match.groups())):
            return True
    return False


def is_technical_id(text: str) -> bool:
    """Whether ``text`` is a machine-made id by its exact format (lowercase hex forms)."""
    return bool(_TECHNICAL_ID.fullmatch(text))


def is_valid_code(text: str) -> bool:
    """Whether ``text`` is usable as a new pseudonymous unit, room, client or device code.

    Letters, digits and ``-``, at most 16 characters, no spaces, at least one digit, and
    not a personal identity number: "SOL-2", "R12", "HEMTJ-1"; never "Anna Svensson",
    "Greta" or "19121212-1212".
    """
    return (
        bool(_CODE.fullmatch(text))
        and any(char.isdigit() for char in text)
        and not looks_like_identity_number(text)
    )


def is_stored_code(text: str) -> bool:
    """Whether a code already stored may still be read and logged.

    Looser than :func:`is_valid_code` so that a unit set up before the stricter rule keeps
    working (its alarms must still reach staff and the audit log) until the repair issue
    gets it a new code; a personal identity number is never accepted.
    """
    return bool(_LEGACY_CODE.fullmatch(text)) and not looks_like_identity_number(text)
