"""The SensorThings entity model: the sets, their properties and navigation, and results.

A request passes records (``Rec``) and collections (``Many``) around and ends in a
``Response``; ``NotFound`` says which part of a path names nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ENTITY_SETS = (
    "Things",
    "Locations",
    "HistoricalLocations",
    "Datastreams",
    "Sensors",
    "ObservedProperties",
    "Observations",
    "FeaturesOfInterest",
)
# entity set -> navigation property -> (target set, is a collection)
NAVIGATION: dict[str, dict[str, tuple[str, bool]]] = {
    "Things": {
        "Locations": ("Locations", True),
        "HistoricalLocations": ("HistoricalLocations", True),
        "Datastreams": ("Datastreams", True),
    },
    "Locations": {"Things": ("Things", True), "HistoricalLocations": ("HistoricalLocations", True)},
    "HistoricalLocations": {"Thing": ("Things", False), "Locations": ("Locations", True)},
    "Datastreams": {
        "Thing": ("Things", False),
        "Sensor": ("Sensors", False),
        "ObservedProperty": ("ObservedProperties", False),
        "Observations": ("Observations", True),
    },
    "Sensors": {"Datastreams": ("Datastreams", True)},
    "ObservedProperties": {"Datastreams": ("Datastreams", True)},
    "Observations": {
        "Datastream": ("Datastreams", False),
        "FeatureOfInterest": ("FeaturesOfInterest", False),
    },
    "FeaturesOfInterest": {"Observations": ("Observations", True)},
}
PROPERTIES: dict[str, tuple[str, ...]] = {
    "Things": ("name", "description", "properties"),
    "Locations": ("name", "description", "encodingType", "location", "properties"),
    "HistoricalLocations": ("time",),
    "Datastreams": (
        "name",
        "description",
        "unitOfMeasurement",
        "observationType",
        "observedArea",
        "phenomenonTime",
        "resultTime",
        "properties",
    ),
    "Sensors": ("name", "description", "encodingType", "metadata", "properties"),
    "ObservedProperties": ("name", "definition", "description", "properties"),
    "Observations": (
        "phenomenonTime",
        "resultTime",
        "result",
        "resultQuality",
        "validTime",
        "parameters",
    ),
    "FeaturesOfInterest": ("name", "description", "encodingType", "feature", "properties"),
}


class NotFound(LookupError):
    """The path names no entity; the message says which part."""


@dataclass(frozen=True, slots=True)
class Rec:
    """One entity: its set, id, properties, and the object it was made from."""

    set: str
    id: int
    props: dict[str, Any]
    ref: Any


@dataclass(frozen=True, slots=True)
class ObsScope:
    """Observations of some datastreams (None: of every published datastream)."""

    stream_ids: tuple[int, ...] | None


type Source = list[Rec] | ObsScope


@dataclass(frozen=True, slots=True)
class Many:
    """A collection result: an entity set and where its members come from."""

    set: str
    source: Source


@dataclass(frozen=True, slots=True)
class Response:
    """What to send: a JSON document, or a raw property value for ``$value``."""

    body: Any
    raw: bool = False
