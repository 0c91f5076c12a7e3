"""What a datastream measures, named for the public in Swedish and English, and its unit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quantity:
    """An observed property: its key, public names and its sensor's resolution in decimals.

    Values are published at that resolution (0.1 °C for water, 1 cm for snow, 1 visitor):
    more digits would claim a precision the sensors do not have.
    """

    key: str
    name_sv: str
    name_en: str
    decimals: int

    def name(self, lang: str) -> str:
        """The quantity's name in ``lang``."""
        return self.name_en if lang == "en" else self.name_sv

    def round(self, value: float) -> float | int:
        """``value`` at the sensor's resolution; whole numbers as int, so JSON shows 35, not 35.0."""
        if self.decimals <= 0:
            return round(value)
        rounded = round(value, self.decimals)
        return 0.0 if rounded == 0 else rounded  # no "-0.0"

    @property
    def definition(self) -> str:
        """A URI for SensorThings' ObservedProperty.definition."""
        return f"urn:ange-iot:quantity:{self.key}"


# Resolutions: the integration's water and air temperatures come in 0.1 °C steps (DS18B20
# class probes resolve 0.0625 °C but are accurate to ±0.5 °C), snow depth and ice thickness
# are whole centimetres from distance sensors, counts are whole, humidity whole percent,
# pressure whole hPa, illuminance whole lux and distance whole millimetres.
# Keys follow the ange_iot integration's reading keys (docs/DESIGN.md), matched as the
# suffix of an entity's object id; device classes are the fallback for other entities.
_KNOWN = (
    Quantity("water_temperature", "Vattentemperatur", "Water temperature", 1),
    Quantity("external_temperature", "Temperatur", "Temperature", 1),
    Quantity("snow_depth", "Snödjup", "Snow depth", 0),
    Quantity("ice_thickness", "Istjocklek", "Ice thickness", 0),
    Quantity("visitors_today", "Besökare i dag", "Visitors today", 0),
    Quantity("visitors_season", "Besökare under säsongen", "Visitors this season", 0),
    Quantity("people_total", "Passager totalt", "Passages in total", 0),
    Quantity("temperature", "Temperatur", "Temperature", 1),
    Quantity("humidity", "Luftfuktighet", "Humidity", 0),
    Quantity("pressure", "Lufttryck", "Air pressure", 0),
    Quantity("illuminance", "Ljusstyrka", "Illuminance", 0),
    Quantity("distance", "Avstånd", "Distance", 0),
)
_BY_KEY = {quantity.key: quantity for quantity in _KNOWN}
# HA makes entity ids from the names in the language it was set up in: the ange_iot
# integration's Swedish names give these suffixes.
_SWEDISH = {
    "vattentemperatur": "water_temperature",
    "snodjup": "snow_depth",
    "istjocklek": "ice_thickness",
    "besokare_i_dag": "visitors_today",
    "besokare_denna_sasong": "visitors_season",
    "temperatur": "temperature",
    "luftfuktighet": "humidity",
}
_SUFFIXES = sorted(
    {**{key: key for key in _BY_KEY}, **_SWEDISH}.items(), key=lambda item: -len(item[0])
)
GENERIC = Quantity("value", "Mätvärde", "Measurement", 1)

# What the widget and the front page list, by the kind of value a reader looks for:
# "Badtemperaturer" lists water temperatures and nothing else.
VALUE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "lake_temperature": ("water_temperature",),
    "ice": ("ice_thickness",),
    "snow": ("snow_depth",),
    "visitors": ("visitors_today", "visitors_season", "people_total"),
}

# unit symbol -> (name, QUDT unit IRI), for SensorThings' unitOfMeasurement.
_UNITS = {
    "°C": ("degree Celsius", "http://qudt.org/vocab/unit/DEG_C"),
    "cm": ("centimetre", "http://qudt.org/vocab/unit/CentiM"),
    "mm": ("millimetre", "http://qudt.org/vocab/unit/MilliM"),
    "m": ("metre", "http://qudt.org/vocab/unit/M"),
    "%": ("percent", "http://qudt.org/vocab/unit/PERCENT"),
    "hPa": ("hectopascal", "http://qudt.org/vocab/unit/HectoPA"),
    "lx": ("lux", "http://qudt.org/vocab/unit/LUX"),
}
_COUNT = ("count", "http://qudt.org/vocab/unit/NUM")


def quantity_for(entity_id: str, device_class: str | None) -> Quantity:
    """The quantity an entity measures, from its object id or else its device class."""
    object_id = entity_id.partition(".")[2]
    for suffix, key in _SUFFIXES:
        if object_id.endswith(suffix):
            return _BY_KEY[key]
    if device_class and device_class in _BY_KEY:
        return _BY_KEY[device_class]
    return GENERIC


def unit_of_measurement(unit: str | None) -> dict[str, str]:
    """SensorThings' unitOfMeasurement object for an HA unit (none for counts)."""
    if not unit:
        name, definition = _COUNT
        return {"name": name, "symbol": "", "definition": definition}
    name, definition = _UNITS.get(unit, (unit, ""))
    return {"name": name, "symbol": unit, "definition": definition}


def format_value(value: float, quantity: Quantity, lang: str) -> str:
    """A value as the public pages show it: Swedish decimal comma, fixed decimals."""
    text = f"{value:.{quantity.decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    if text.startswith("-"):
        text = "\N{MINUS SIGN}" + text[1:]
    return text.replace(".", ",") if lang == "sv" else text


def with_unit(value_text: str, unit: str | None) -> str:
    """A formatted value followed by its unit, with a non-breaking space."""
    if not unit:
        return value_text
    return f"{value_text}\N{NO-BREAK SPACE}{unit}"
