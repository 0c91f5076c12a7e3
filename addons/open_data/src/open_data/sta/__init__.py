"""OGC SensorThings API v1.1, read-only, over the catalogue and the observation store.

Places are Things (with one Location, HistoricalLocation and FeatureOfInterest each, sharing
the Thing's id), each published entity is a Datastream with its own Sensor, quantities are
ObservedProperties, and stored values are Observations. Observations are queried in SQL;
the other sets are small and are filtered in memory.
"""

from .api import CONFORMANCE, SensorThings
from .entities import (
    ENTITY_SETS,
    NAVIGATION,
    PROPERTIES,
    Many,
    NotFound,
    ObsScope,
    Rec,
    Response,
    Source,
)
from .records import GEOJSON, OM_MEASUREMENT

__all__ = [
    "CONFORMANCE",
    "ENTITY_SETS",
    "GEOJSON",
    "NAVIGATION",
    "OM_MEASUREMENT",
    "PROPERTIES",
    "Many",
    "NotFound",
    "ObsScope",
    "Rec",
    "Response",
    "SensorThings",
    "Source",
]
