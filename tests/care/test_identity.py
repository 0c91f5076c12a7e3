"""Personal identity numbers are kept out of care codes; pure tests, no Home Assistant."""

from __future__ import annotations

import pytest

from custom_components.ange_iot.care.identity import is_valid_code, looks_like_identity_number


def _luhn(digits: str) -> bool:
    """The Luhn check the Swedish Tax Agency uses, written out independently."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return total % 10 == 0


# Check digits of the examples below, so the tests do not rest on their own arithmetic.
@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("1212121212", True),  # Tolvan Tolvansson, the Tax Agency's test person
        ("8112189876", True),  # the Tax Agency's example personnummer
        ("7010632391", True),  # the Tax Agency's example samordningsnummer (day 03 + 60)
        ("1212721219", True),
        ("9913450004", True),  # no date at all, but a valid check digit
        ("1212121213", False),
        ("9913450000", False),
        ("1200120000", False),
    ],
)
def test_example_check_digits(digits: str, valid: bool) -> None:
    assert _luhn(digits) is valid


@pytest.mark.parametrize(
    "text",
    [
        # Without century: YYMMDD-NNNN, YYMMDD+NNNN (100 years or older), no separator, space.
        "121212-1212",
        "121212+1212",
        "1212121212",
        "121212 1212",
        "811218-9876",
        # With century.
        "19121212-1212",
        "191212121212",
        "201212121212",
        "19811218-9876",
        # Samordningsnummer: day of birth + 60.
        "121272-1219",
        "701063-2391",
        "19701063-2391",
        "7010632391",
        # A plausible date is refused whatever the check digit: a mistyped number is personal too.
        "121212-1213",
        "811218-0000",
        # Somewhere inside other text.
        "Anna 121212-1212",
        "Rum 4, pnr 19121212-1212",
        "R12/121212-1212",
        "SOL-2:201212121212",
        # A valid check digit is refused even when the date part is not a date.
        "991345-0004",
        "9913450004",
        "19991345-0004",
        "20991345-0004",
        # Digits of other scripts are digits too.
        "１２１２１２-１２１２",
    ],
)
def test_identity_numbers_are_recognised(text: str) -> None:
    assert looks_like_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SOL-2",
        "R12",
        "Rum 4",
        "Avd. 3/B",
        "2024",
        "20241231",
        "121212",
        "12-12-12",
        "1212-121212",
        # DevEUI-like codes: 16 hex characters, or 16 digits.
        "a81758fffe0312ab",
        "70b3d57ed0041234",
        "1234567890123456",
        # Longer or shorter digit runs than a personnummer.
        "12121212121212",
        "12121212121",
        "121212121",
        # Ten digits that are neither a date nor pass the check digit.
        "9913450000",
        "991345-0000",
        "1200120000",
        # A century does not take part in the check digit.
        "19991345-0000",
    ],
)
def test_other_text_is_not_an_identity_number(text: str) -> None:
    assert not looks_like_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "SOL-2",
        "R12",
        "HEMTJ-1",
        "Ängen-2",
        "2024",
        "a81758fffe0312ab",
        "X" * 15 + "1",
    ],
)
def test_valid_codes(text: str) -> None:
    assert is_valid_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!",
        "R12!",
        "-R12",
        " R12",
        ".R12",
        "Rum\t4",
        "x" * 33,
        "X" * 16 + "1",
        "Anna <3",
        # Names are not code-shaped: a space, or no digit.
        "Anna Svensson",
        "Greta",
        "Ängen",
        "Rum 4",
        "Avd. 3/B",
        "Hus:2",
        "bo_1",
        # Personal identity numbers in every format.
        "191212121212",
        "1212121212",
        "121212+1212",
        "20121212-1212",
        # Shaped right, but personal identity numbers.
        "121212-1212",
        "19121212-1212",
        "121272-1219",
        "SOL-2 201212121212",
    ],
)
def test_invalid_codes(text: str) -> None:
    assert not is_valid_code(text)


@pytest.mark.parametrize("text", ["R12\n", "SOL-2\n"])
def test_trailing_newline_is_not_a_valid_code(text: str) -> None:
    assert not is_valid_code(text)
