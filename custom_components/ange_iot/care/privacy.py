"""Keep personal data out of free-form care records (alarm details, audit data).

Units and rooms are pseudonymous codes checked by :mod:`.identity`. Records that carry extra
data are checked here as a whole, keys and values, nested to any depth, so that a bug in the
glue cannot slip a personal identity number or a name field into a stored record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum

from .errors import PersonalDataError
from .identity import is_technical_id, looks_like_identity_number

# Keys that announce a person's name. Records hold codes and Home Assistant user ids only,
# so such a key means the caller is about to store what must never be stored.
_NAME_KEY_PARTS = ("name", "namn", "personnummer", "ssn")

type JsonValue = str | int | float | bool | None | list[JsonValue] | dict[str, JsonValue]

# Machine-made identifiers are recognised by their exact format (identity.is_technical_id)
# wherever they appear: random hex can contain ten digits that happen to pass the
# personal-identity-number check (about 1 in 120 alarm ids did), which would make the
# audit log refuse the line; these formats cannot hold a person's data.


def _is_name_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _NAME_KEY_PARTS)


def to_plain(value: object, where: str = "data") -> JsonValue:
    """Copy ``value`` into plain JSON types, refusing personal data anywhere inside it.

    Datetimes become ISO 8601 text and enums their values, so callers can pass domain
    values directly. Raises ``PersonalDataError`` for an identity-number-like string or
    number, or a key that names a person's name; ``TypeError`` for a value JSON cannot hold.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return to_plain(value.value, where)
    if isinstance(value, str) and is_technical_id(value):
        return value
    if isinstance(value, int | float | str):
        if looks_like_identity_number(str(value)):
            raise PersonalDataError(
                f"{where} holds something shaped like a personal identity number", field=where
            )
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        plain: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} keys must be strings")
            if _is_name_key(key) or looks_like_identity_number(key):
                raise PersonalDataError(
                    f"{where} has a key that suggests personal data", field=where
                )
            plain[key] = to_plain(item, f"{where}.{key}")
        return plain
    if isinstance(value, list | tuple):
        return [to_plain(item, f"{where}[]") for item in value]
    raise TypeError(f"{where} holds a {type(value).__name__}, which JSON cannot store")


def plain_mapping(value: Mapping[str, object] | None, where: str = "data") -> dict[str, JsonValue]:
    """``to_plain`` for a mapping (``None`` gives an empty dict)."""
    plain = to_plain(value or {}, where)
    if not isinstance(plain, dict):  # pragma: no cover - a Mapping always gives a dict
        raise TypeError(f"{where} must be a mapping")
    return plain
