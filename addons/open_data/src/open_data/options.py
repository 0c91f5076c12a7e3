"""The add-on's options: /data/options.json as the Supervisor writes it, checked once at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CATEGORIES = ("bathing_place", "snow_station", "trail", "heritage_site")
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
SUPERVISOR_CORE = "http://supervisor/core"

_PLACE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ORGANISATION_NUMBER = re.compile(r"^(\d{6})-?(\d{4})$")


class OptionsError(ValueError):
    """The options file cannot be used; the message names the option."""


@dataclass(frozen=True, slots=True)
class Place:
    """A place with a public page, and the entities measured there."""

    id: str
    name_sv: str
    name_en: str
    latitude: float
    longitude: float
    category: str
    entities: tuple[str, ...]
    description_sv: str = ""
    description_en: str = ""

    def name(self, lang: str) -> str:
        """The place's name in ``lang`` (sv or en)."""
        return self.name_en if lang == "en" else self.name_sv

    def description(self, lang: str) -> str:
        """The place's description in ``lang``, falling back to the other language."""
        if lang == "en":
            return self.description_en or self.description_sv
        return self.description_sv or self.description_en


@dataclass(frozen=True, slots=True)
class Options:
    """Everything the service is told by its options file."""

    ha_url: str
    ha_token: str
    port: int
    publisher_name: str
    publisher_url: str
    contact_email: str
    license: str
    places: tuple[Place, ...]
    public_url: str = ""
    retention_days: int = 1826
    rate_limit_per_minute: int = 600
    stale_after_hours: float = 3.0
    time_zone: str = "Europe/Stockholm"
    organisation_number: str = ""  # ten digits, no hyphen
    municipality_area: str = ""

    @property
    def publisher_iri(self) -> str:
        """dataportal.se's IRI of the publisher, when the organisation number is known."""
        if not self.organisation_number:
            return ""
        return f"http://dataportal.se/organisation/SE{self.organisation_number}"

    def place(self, place_id: str) -> Place | None:
        """The place with id ``place_id``, if configured."""
        for place in self.places:
            if place.id == place_id:
                return place
        return None

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every configured entity, in configuration order."""
        return tuple(entity for place in self.places for entity in place.entities)


def _str(raw: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if value is None:
        raise OptionsError(f"option '{key}' is required")
    if not isinstance(value, str):
        raise OptionsError(f"option '{key}' must be a string")
    return value.strip()


def _number(
    raw: Mapping[str, Any], key: str, default: float | None, low: float, high: float
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionsError(f"option '{key}' must be a number")
    if not low <= value <= high:
        raise OptionsError(f"option '{key}' must be between {low:g} and {high:g}")
    return float(value)


def _url(value: str, key: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionsError(f"option '{key}' must be an http(s) URL")
    return value.rstrip("/")


def _iri(value: str, key: str) -> str:
    # A licence IRI is compared verbatim by harvesters: keep its trailing slash.
    _url(value, key)
    return value


def _luhn_ok(digits: str) -> bool:
    # Swedish organisation numbers end in a Luhn check digit, like personal identity numbers.
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _organisation_number(value: str) -> str:
    """An organisation number (NNNNNN-NNNN) as its ten digits, or '' when not set."""
    if not value:
        return ""
    match = _ORGANISATION_NUMBER.match(value)
    if match is None:
        raise OptionsError("option 'organisation_number' must be ten digits, NNNNNN-NNNN")
    digits = match.group(1) + match.group(2)
    if not _luhn_ok(digits):
        raise OptionsError("option 'organisation_number' has a wrong check digit")
    return digits


def _place(raw: Any, index: int, seen_entities: set[str], seen_ids: set[str]) -> Place:
    where = f"places[{index}]"
    if not isinstance(raw, Mapping):
        raise OptionsError(f"{where} must be a mapping")
    try:
        place_id = _str(raw, "id")
        if not _PLACE_ID.match(place_id):
            raise OptionsError(f"{where}.id must be lowercase letters, digits, '-' or '_'")
        if place_id in seen_ids:
            raise OptionsError(f"{where}.id '{place_id}' is used twice")
        seen_ids.add(place_id)
        category = _str(raw, "category")
        if category not in CATEGORIES:
            raise OptionsError(f"{where}.category must be one of {', '.join(CATEGORIES)}")
        entities_raw = raw.get("entities", [])
        if not isinstance(entities_raw, list):
            raise OptionsError(f"{where}.entities must be a list of entity ids")
        entities: list[str] = []
        for raw_entity in entities_raw:
            if not isinstance(raw_entity, str) or not _ENTITY_ID.match(raw_entity.strip()):
                raise OptionsError(f"{where}.entities: {raw_entity!r} is not an entity id")
            entity = raw_entity.strip()
            # A datastream belongs to one place (one SensorThings Thing).
            if entity in seen_entities:
                raise OptionsError(f"{where}.entities: {entity} is listed in two places")
            seen_entities.add(entity)
            entities.append(entity)
        return Place(
            id=place_id,
            name_sv=_str(raw, "name_sv"),
            name_en=_str(raw, "name_en"),
            latitude=_number(raw, "latitude", None, -90, 90),
            longitude=_number(raw, "longitude", None, -180, 180),
            category=category,
            entities=tuple(entities),
            description_sv=_str(raw, "description_sv", ""),
            description_en=_str(raw, "description_en", ""),
        )
    except OptionsError as err:
        if str(err).startswith("option '"):
            raise OptionsError(f"{where}: {err}") from None
        raise


def parse_options(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Options:
    """Check the options as the Supervisor passes them and fill in the defaults."""
    env = os.environ if environ is None else environ
    if not isinstance(raw, Mapping):
        raise OptionsError("the options file must hold a JSON object")
    token = _str(raw, "ha_token", "") or env.get("SUPERVISOR_TOKEN", "")
    if not token:
        raise OptionsError("option 'ha_token' is empty and SUPERVISOR_TOKEN is not set")
    places_raw = raw.get("places", [])
    if not isinstance(places_raw, list):
        raise OptionsError("option 'places' must be a list")
    seen_entities: set[str] = set()
    seen_ids: set[str] = set()
    places = tuple(
        _place(item, index, seen_entities, seen_ids) for index, item in enumerate(places_raw)
    )
    email = _str(raw, "contact_email")
    if not _EMAIL.match(email):
        raise OptionsError("option 'contact_email' must be an e-mail address")
    public_url = _str(raw, "public_url", "")
    area = _str(raw, "municipality_area", "")
    time_zone = _str(raw, "time_zone", "Europe/Stockholm")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionsError(f"option 'time_zone': unknown time zone {time_zone!r}") from None
    return Options(
        ha_url=_url(_str(raw, "ha_url", SUPERVISOR_CORE) or SUPERVISOR_CORE, "ha_url"),
        ha_token=token,
        # 0 asks the OS for a free port: tests and benchmarks use it.
        port=int(_number(raw, "port", 8080, 0, 65535)),
        publisher_name=_str(raw, "publisher_name"),
        publisher_url=_url(_str(raw, "publisher_url"), "publisher_url"),
        contact_email=email,
        license=_iri(_str(raw, "license", CC0) or CC0, "license"),
        places=places,
        public_url=_url(public_url, "public_url") if public_url else "",
        retention_days=int(_number(raw, "retention_days", 1826, 1, 36500)),
        rate_limit_per_minute=int(_number(raw, "rate_limit_per_minute", 600, 1, 10_000_000)),
        stale_after_hours=_number(raw, "stale_after_hours", 3.0, 0.1, 24 * 365),
        time_zone=time_zone,
        organisation_number=_organisation_number(_str(raw, "organisation_number", "")),
        municipality_area=_iri(area, "municipality_area") if area else "",
    )


def load_options(path: Path, environ: Mapping[str, str] | None = None) -> Options:
    """Read and check an options file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise OptionsError(f"cannot read {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise OptionsError(f"{path} is not JSON: {err.msg} at line {err.lineno}") from None
    return parse_options(raw, environ)
