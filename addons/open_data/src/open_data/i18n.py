"""Texts of the public and admin pages in Swedish (the default) and English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .timeutil import from_ms

LANGS = ("sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "site_title": "Öppna data",
        "bathing_title": "Badtemperaturer",
        "bathing_intro": "Vattentemperaturen vid kommunens badplatser, mätt av sensorer i vattnet.",
        "other_places": "Fler platser",
        "place": "Plats",
        "latest": "Senaste värde",
        "measured": "Uppmätt",
        "no_data": "Inga mätvärden än",
        "stale": "Varning: senaste mätningen är äldre än {hours} timmar. Värdet kan vara inaktuellt.",
        "stale_short": "Inaktuellt",
        "chart_title": "{quantity} de senaste 7 dygnen",
        "chart_summary": "Lägst {low}, högst {high}, senast {last} ({count}).",
        "chart_empty": "Inga mätningar de senaste 7 dygnen.",
        "chart_table": "Visa mätvärdena som tabell",
        "time": "Tid",
        "value": "Värde",
        "qr_link": "QR-kod att skriva ut",
        "qr_title": "QR-kod till {name}",
        "qr_alt": "QR-kod som leder till {url}",
        "back": "Till alla platser",
        "skip": "Hoppa till innehållet",
        "language": "In English",
        "open_data": "Öppna data: API, SensorThings och DCAT-katalog",
        "license": "Licens",
        "map": "Visa på karta",
        "categories.bathing_place": "Badplats",
        "categories.snow_station": "Snömätstation",
        "categories.trail": "Led",
        "categories.heritage_site": "Kulturarvsplats",
        "widget_more": "Fler mätvärden",
        "widget.lake_temperature": "Badtemperaturer",
        "widget.ice": "Istjocklek",
        "widget.snow": "Snödjup",
        "widget.visitors": "Besökare",
        "and": "och",
        "at_time": "{date} kl. {time}",
        "not_found": "Platsen finns inte.",
    },
    "en": {
        "site_title": "Open data",
        "bathing_title": "Bathing water temperatures",
        "bathing_intro": "Water temperature at the municipality's bathing places, measured by sensors in the water.",
        "other_places": "More places",
        "place": "Place",
        "latest": "Latest value",
        "measured": "Measured",
        "no_data": "No measurements yet",
        "stale": "Warning: the latest measurement is more than {hours} hours old. The value may be out of date.",
        "stale_short": "Out of date",
        "chart_title": "{quantity}, last 7 days",
        "chart_summary": "Lowest {low}, highest {high}, latest {last} ({count}).",
        "chart_empty": "No measurements in the last 7 days.",
        "chart_table": "Show the measurements as a table",
        "time": "Time",
        "value": "Value",
        "qr_link": "Printable QR code",
        "qr_title": "QR code for {name}",
        "qr_alt": "QR code leading to {url}",
        "back": "All places",
        "skip": "Skip to content",
        "language": "På svenska",
        "open_data": "Open data: API, SensorThings and DCAT catalogue",
        "license": "Licence",
        "map": "Show on a map",
        "categories.bathing_place": "Bathing place",
        "categories.snow_station": "Snow station",
        "categories.trail": "Trail",
        "categories.heritage_site": "Heritage site",
        "widget_more": "More measurements",
        "widget.lake_temperature": "Bathing water temperatures",
        "widget.ice": "Ice thickness",
        "widget.snow": "Snow depth",
        "widget.visitors": "Visitors",
        "and": "and",
        "at_time": "{date}, {time}",
        "not_found": "There is no such place.",
    },
}


# Counted nouns: every "1 mätning" / "2 mätningar" goes through ``plural``.
PLURALS: dict[str, dict[str, tuple[str, str]]] = {
    "sv": {"measurement": ("{count} mätning", "{count} mätningar")},
    "en": {"measurement": ("{count} measurement", "{count} measurements")},
}
# Month abbreviations as Swedish and British English write them in running text.
MONTHS = {
    "sv": ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
# Licences people know by name; any other IRI is shown as it is.
LICENCES = {
    "creativecommons.org/publicdomain/zero/1.0": (
        "CC0 1.0 Universell (fri från upphovsrätt)",
        "CC0 1.0 Universal (public domain dedication)",
    ),
    "creativecommons.org/licenses/by/4.0": (
        "Creative Commons Erkännande 4.0 (CC BY 4.0)",
        "Creative Commons Attribution 4.0 (CC BY 4.0)",
    ),
    "creativecommons.org/licenses/by-sa/4.0": (
        "Creative Commons Erkännande-DelaLika 4.0 (CC BY-SA 4.0)",
        "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)",
    ),
}


def plural(lang: str, noun: str, count: int) -> str:
    """``count`` with its noun in the right form: "1 mätning", "2 mätningar"."""
    one, other = PLURALS[lang][noun]
    text = one if count == 1 else other
    number = f"{count:,}".replace(",", "\N{NO-BREAK SPACE}" if lang == "sv" else ",")
    return text.format(count=number)


def licence_name(iri: str, lang: str) -> str:
    """A licence's name for people, e.g. "CC0 1.0 Universal"; the IRI when it is unknown."""
    key = iri.split("://", 1)[-1].removeprefix("www.").rstrip("/").removesuffix("/deed.sv")
    names = LICENCES.get(key.removesuffix("/legalcode"))
    if names is None:
        return iri
    return names[1] if lang == "en" else names[0]


def _local(ms: int, zone: str) -> datetime:
    return from_ms(ms).astimezone(ZoneInfo(zone))


def short_date(ms: int, zone: str, lang: str) -> str:
    """A day as people write it: "30 nov" in Swedish, "30 Nov" in English."""
    moment = _local(ms, zone)
    return f"{moment.day} {MONTHS[lang][moment.month - 1]}"


def local_time(ms: int, zone: str, lang: str, now_ms: int | None = None) -> str:
    """A measurement time: "30 nov kl. 14:15" / "30 Nov, 14:15", with the year when it is not this year's."""
    moment = _local(ms, zone)
    date = short_date(ms, zone, lang)
    if now_ms is not None and _local(now_ms, zone).year != moment.year:
        date = f"{date} {moment.year}"
    return TEXTS[lang]["at_time"].format(date=date, time=moment.strftime("%H:%M"))


ADMIN_TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Öppna data – vad som publiceras",
        "refresh": "Uppdatera",
        "connection": "Anslutning till Home Assistant",
        "connected": "ansluten",
        "disconnected": "inte ansluten",
        "public": "Publik webbplats",
        "published": "Publiceras",
        "refused": "Vägrade – publiceras aldrig",
        "waiting": "Väntar på Home Assistant",
        "entity": "Entitet",
        "place": "Plats",
        "quantity": "Storhet",
        "latest": "Senaste värde",
        "updated": "Senast uppdaterad",
        "reason": "Orsak",
        "since": "Sedan",
        "none": "Inga",
        "reason.care_category": "Entiteten har vårdmarkeringen (category: care). Vårddata publiceras aldrig, oavsett inställningar.",
        "reason.care_unit": "Entiteten hör till en vårdenhet (care_unit). Vårddata publiceras aldrig, oavsett inställningar.",
        "language": "In English",
    },
    "en": {
        "title": "Open data – what is published",
        "refresh": "Refresh",
        "connection": "Connection to Home Assistant",
        "connected": "connected",
        "disconnected": "not connected",
        "public": "Public site",
        "published": "Published",
        "refused": "Refused – never published",
        "waiting": "Waiting for Home Assistant",
        "entity": "Entity",
        "place": "Place",
        "quantity": "Quantity",
        "latest": "Latest value",
        "updated": "Last updated",
        "reason": "Reason",
        "since": "Since",
        "none": "None",
        "reason.care_category": "The entity carries the care marker (category: care). Care data is never published, whatever the options say.",
        "reason.care_unit": "The entity belongs to a care unit (care_unit). Care data is never published, whatever the options say.",
        "language": "På svenska",
    },
}
