"""Exceptions raised by the care domain logic.

Every exception carries a ``translation_key`` so the Home Assistant glue can turn it into a
translated ``ServiceValidationError`` (or a webhook answer) without parsing messages, and
``translation_placeholders`` holding only non-personal values (ids, codes, field names).
"""

from __future__ import annotations

from collections.abc import Mapping


class CareError(ValueError):
    """Base class for everything the care package raises on bad input or a bad request."""

    translation_key = "care_error"

    def __init__(self, message: str, **placeholders: str) -> None:
        super().__init__(message)
        self.translation_placeholders: Mapping[str, str] = dict(placeholders)


class InvalidCodeError(CareError):
    """A care unit or room code that is not a usable pseudonymous code."""

    translation_key = "invalid_care_code"


class PersonalDataError(CareError):
    """Data that looks like a personal identity number or a name where only codes belong."""

    translation_key = "personal_data_refused"


class StoredDataError(CareError):
    """Persisted care data that cannot be read back."""

    translation_key = "care_stored_data_invalid"
