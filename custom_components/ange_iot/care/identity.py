"""Keep personal identity numbers out of pseudonymous care codes.

Care units and rooms are identified by codes ("SOL-2", "R12"). A Swedish personal
identity number (personnummer) or coordination number (samordningsnummer) must never be
stored as one, with or without century digits and separator.
"""

from __future__ import annotations

import re

# YYMMDD or YYYYMMDD, an optional separator (- or +), then four digits.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?(\d{2})(\d{2})(\d{2})[-+ ]?(\d{4})(?!\d)")
_CODE = re.compile(r"[\w][\w .:/-]{0,31}")


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


def is_valid_code(text: str) -> bool:
    """Whether ``text`` is usable as a pseudonymous unit or room code."""
    return bool(_CODE.fullmatch(text)) and not looks_like_identity_number(text)
