"""The catalogue as SensorThings records, and the navigation between them.

Things and the Location, HistoricalLocation and FeatureOfInterest that share their id,
Datastreams and their Sensors, ObservedProperties, and Observations from store rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..catalog import Catalogue, Stream, Thing
from ..quantities import Quantity, unit_of_measurement
from ..timeutil import iso
from .entities import NAVIGATION, Many, NotFound, ObsScope, Rec

OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
GEOJSON = "application/geo+json"


def _point(thing: Thing) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [thing.place.longitude, thing.place.latitude]}


class EntityRecords:
    """Builds the records of one catalogue's entities and follows navigation between them."""

    def __init__(self, catalogue: Catalogue) -> None:
        """Serve ``catalogue``; ids are the store's stable ids."""
        self._catalogue = catalogue

    def _page(self, origin: str, thing: Thing) -> str:
        return f"{origin}/places/{quote(thing.place.id)}"

    def _thing(self, thing: Thing, origin: str) -> Rec:
        place = thing.place
        return Rec(
            "Things",
            thing.id,
            {
                "name": place.name_sv,
                "description": place.description_sv or place.name_en,
                "properties": {
                    "id": place.id,
                    "category": place.category,
                    "name_sv": place.name_sv,
                    "name_en": place.name_en,
                    "description_en": place.description_en,
                    "page": self._page(origin, thing),
                },
            },
            thing,
        )

    def _location(self, thing: Thing) -> Rec:
        place = thing.place
        return Rec(
            "Locations",
            thing.id,
            {
                "name": place.name_sv,
                "description": place.description_sv or place.name_en,
                "encodingType": GEOJSON,
                "location": _point(thing),
            },
            thing,
        )

    def _historical_location(self, thing: Thing) -> Rec:
        return Rec("HistoricalLocations", thing.id, {"time": iso(thing.since_ms)}, thing)

    def _feature(self, thing: Thing) -> Rec:
        place = thing.place
        return Rec(
            "FeaturesOfInterest",
            thing.id,
            {
                "name": place.name_sv,
                "description": place.description_sv or place.name_en,
                "encodingType": GEOJSON,
                "feature": _point(thing),
            },
            thing,
        )

    def _thing_of(self, stream: Stream) -> Thing:
        return self._catalogue.things[stream.place.id]

    def _datastream(self, stream: Stream) -> Rec:
        thing = self._thing_of(stream)
        quantity = stream.quantity
        interval = None
        if stream.first_ms is not None and stream.latest is not None:
            interval = f"{iso(stream.first_ms)}/{iso(stream.latest[1])}"
        return Rec(
            "Datastreams",
            stream.id,
            {
                "name": f"{quantity.name_sv}, {stream.place.name_sv}",
                "description": f"{quantity.name_en} at {stream.place.name_en}",
                "unitOfMeasurement": unit_of_measurement(stream.unit),
                "observationType": OM_MEASUREMENT,
                "observedArea": _point(thing),
                "phenomenonTime": interval,
                "resultTime": interval,
                "properties": {
                    "entity_id": stream.entity_id,
                    "quantity": quantity.key,
                    "device_class": stream.device_class,
                    "name_en": f"{quantity.name_en}, {stream.place.name_en}",
                },
            },
            stream,
        )

    def _sensor(self, stream: Stream, origin: str) -> Rec:
        return Rec(
            "Sensors",
            stream.id,
            {
                "name": stream.entity_id,
                "description": f"Home Assistant entity {stream.entity_id}",
                "encodingType": "text/html",
                "metadata": self._page(origin, self._thing_of(stream)),
            },
            stream,
        )

    def _observed_property(self, property_id: int, quantity: Quantity) -> Rec:
        return Rec(
            "ObservedProperties",
            property_id,
            {
                "name": quantity.name_en,
                "definition": quantity.definition,
                "description": f"{quantity.name_sv} / {quantity.name_en}",
                "properties": {"name_sv": quantity.name_sv, "key": quantity.key},
            },
            quantity,
        )

    def _observation(self, row: Sequence[Any]) -> Rec:
        oid, stream_id, ms, value = row
        time = iso(int(ms))
        stream = self._catalogue.streams.get(int(stream_id))
        result = stream.quantity.round(value) if stream is not None else value
        return Rec(
            "Observations",
            int(oid),
            {"phenomenonTime": time, "resultTime": time, "result": result},
            int(stream_id),
        )

    def _all(self, entity_set: str, origin: str) -> list[Rec]:
        catalogue = self._catalogue
        things = sorted(catalogue.things_by_id.values(), key=lambda t: t.id)
        streams = sorted(catalogue.streams.values(), key=lambda s: s.id)
        match entity_set:
            case "Things":
                return [self._thing(t, origin) for t in things]
            case "Locations":
                return [self._location(t) for t in things]
            case "HistoricalLocations":
                return [self._historical_location(t) for t in things]
            case "FeaturesOfInterest":
                return [self._feature(t) for t in things]
            case "Datastreams":
                return [self._datastream(s) for s in streams]
            case "Sensors":
                return [self._sensor(s, origin) for s in streams]
            case "ObservedProperties":
                used = {s.property_id for s in streams}
                return [
                    self._observed_property(pid, catalogue.properties[pid]) for pid in sorted(used)
                ]
        raise NotFound(f"no entity set {entity_set}")

    def _streams_at(self, thing: Thing) -> list[Stream]:
        return self._catalogue.streams_of(thing.place)

    def _related(self, rec: Rec, nav: str, origin: str) -> Rec | Many | None:
        catalogue = self._catalogue
        target, _ = NAVIGATION[rec.set][nav]
        match rec.set, nav:
            case ("Things", "Locations") | ("HistoricalLocations", "Locations"):
                return Many(target, [self._location(rec.ref)])
            case ("Things", "HistoricalLocations") | ("Locations", "HistoricalLocations"):
                return Many(target, [self._historical_location(rec.ref)])
            case ("Things", "Datastreams"):
                return Many(target, [self._datastream(s) for s in self._streams_at(rec.ref)])
            case ("Locations", "Things"):
                return Many(target, [self._thing(rec.ref, origin)])
            case ("HistoricalLocations", "Thing"):
                return self._thing(rec.ref, origin)
            case ("Datastreams", "Thing"):
                return self._thing(self._thing_of(rec.ref), origin)
            case ("Datastreams", "Sensor"):
                return self._sensor(rec.ref, origin)
            case ("Datastreams", "ObservedProperty"):
                stream: Stream = rec.ref
                return self._observed_property(stream.property_id, stream.quantity)
            case ("Datastreams", "Observations"):
                return Many(target, ObsScope((rec.id,)))
            case ("Sensors", "Datastreams"):
                return Many(target, [self._datastream(rec.ref)])
            case ("ObservedProperties", "Datastreams"):
                streams = [s for s in catalogue.streams.values() if s.property_id == rec.id]
                return Many(
                    target, [self._datastream(s) for s in sorted(streams, key=lambda s: s.id)]
                )
            case ("Observations", "Datastream"):
                owner = catalogue.streams.get(rec.ref)
                return self._datastream(owner) if owner else None
            case ("Observations", "FeatureOfInterest"):
                owner = catalogue.streams.get(rec.ref)
                return self._feature(self._thing_of(owner)) if owner else None
            case ("FeaturesOfInterest", "Observations"):
                return Many(target, ObsScope(tuple(s.id for s in self._streams_at(rec.ref))))
        raise NotFound(f"{rec.set} has no navigation property {nav}")
