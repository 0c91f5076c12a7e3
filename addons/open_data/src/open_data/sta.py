"""OGC SensorThings API v1.1, read-only, over the catalogue and the observation store.

Places are Things (with one Location, HistoricalLocation and FeatureOfInterest each, sharing
the Thing's id), each published entity is a Datastream with its own Sensor, quantities are
ObservedProperties, and stored values are Observations. Observations are queried in SQL;
the other sets are small and are filtered in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .catalog import Catalogue, Stream, Thing
from .odata import (
    Compare,
    Expr,
    Lit,
    Logic,
    Not,
    Prop,
    Query,
    QueryError,
    Time,
    parse_query,
)
from .quantities import Quantity, unit_of_measurement
from .timeutil import iso, parse_iso

CONFORMANCE = (
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
)
OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
GEOJSON = "application/geo+json"

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
_ID_NAMES = ("@iot.id", "id")
_OBS_COLUMNS = {
    "phenomenonTime": "ts",
    "resultTime": "ts",
    "result": "value",
    "@iot.id": "id",
    "id": "id",
    "Datastream/@iot.id": "stream_id",
    "Datastream/id": "stream_id",
}
_SAFE = "$@(),:;'/="
_SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FLIPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


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


def _point(thing: Thing) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [thing.place.longitude, thing.place.latitude]}


class SensorThings:
    """Answers SensorThings requests for one catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        """Serve ``catalogue``; ids are the store's stable ids."""
        self._catalogue = catalogue

    # -- records --------------------------------------------------------------------------

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

    # -- Observations in SQL ----------------------------------------------------------------

    def _scope_ids(self, scope: ObsScope) -> tuple[int, ...]:
        published = self._catalogue.streams
        if scope.stream_ids is None:
            return tuple(sorted(published))
        return tuple(i for i in scope.stream_ids if i in published)

    def _sql_compare(self, node: Compare) -> tuple[str, list[Any]]:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Lit) and isinstance(right, Prop):
            op, left, right = _FLIPPED[op], right, left
        if not isinstance(left, Prop) or not isinstance(right, Lit):
            raise QueryError("$filter on Observations compares a property with a value")
        column = _OBS_COLUMNS.get(left.path)
        if column is None:
            raise QueryError(
                f"$filter on Observations supports phenomenonTime, resultTime, result and "
                f"@iot.id, not {left.path}"
            )
        value = right.value
        if value is None:
            return ("1" if op == "ne" else "0"), []
        if column == "ts":
            if isinstance(value, str):
                try:
                    value = Time(parse_iso(value))
                except ValueError:
                    value = None
            if not isinstance(value, Time):
                raise QueryError(
                    f"{left.path} is compared with a time such as 2024-06-01T00:00:00Z"
                )
            return f"ts {_SQL_OPS[op]} ?", [value.ms]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise QueryError(f"{left.path} is compared with a number")
        return f"{column} {_SQL_OPS[op]} ?", [value]

    def _sql_filter(self, expr: Expr) -> tuple[str, list[Any]]:
        if isinstance(expr, Compare):
            return self._sql_compare(expr)
        if isinstance(expr, Not):
            inner, params = self._sql_filter(expr.operand)
            return f"NOT ({inner})", params
        left, left_params = self._sql_filter(expr.left)
        right, right_params = self._sql_filter(expr.right)
        return f"({left}) {expr.op.upper()} ({right})", left_params + right_params

    def _sql_order(self, query: Query) -> str:
        terms: list[str] = []
        for name, descending in query.orderby:
            column = _OBS_COLUMNS.get(name)
            if column is None:
                raise QueryError(f"$orderby on Observations: unknown property {name}")
            terms.append(f"{column} {'DESC' if descending else 'ASC'}")
        # Time order by default: what clients of a time series expect, and what the
        # (stream_id, ts) and (ts) indexes serve without sorting.
        terms.extend(("ts ASC", "id ASC") if not terms else ("id ASC",))
        return ", ".join(terms)

    async def _observations(
        self, scope: ObsScope, query: Query
    ) -> tuple[list[Rec], int | None, bool]:
        ids = self._scope_ids(scope)
        if not ids:
            return [], (0 if query.count else None), False
        where = [f"stream_id IN ({','.join('?' * len(ids))})" if len(ids) > 1 else "stream_id = ?"]
        params: list[Any] = list(ids)
        if query.filter is not None:
            clause, filter_params = self._sql_filter(query.filter)
            where.append(f"({clause})")
            params += filter_params
        condition = " AND ".join(where)
        store = self._catalogue.store
        rows = await store.query(
            f"SELECT id, stream_id, ts, value FROM observations WHERE {condition} "
            f"ORDER BY {self._sql_order(query)} LIMIT ? OFFSET ?",
            [*params, query.top + 1, query.skip],
        )
        count = None
        if query.count:
            count = int(
                (
                    await store.query(
                        f"SELECT COUNT(*) FROM observations WHERE {condition}",
                        params,
                    )
                )[0][0]
            )
        more = len(rows) > query.top
        return [self._observation(row) for row in rows[: query.top]], count, more

    async def _observation_by_id(self, scope: ObsScope, oid: int) -> Rec | None:
        ids = self._scope_ids(scope)
        if not ids:
            return None
        rows = await self._catalogue.store.query(
            f"SELECT id, stream_id, ts, value FROM observations WHERE id = ? "
            f"AND stream_id IN ({','.join('?' * len(ids))})",
            [oid, *ids],
        )
        return self._observation(rows[0]) if rows else None

    # -- in-memory query options -------------------------------------------------------------

    @staticmethod
    def _check_property(entity_set: str, path: str) -> None:
        if path in _ID_NAMES or path in PROPERTIES[entity_set]:
            return
        if path.startswith("properties/") and "properties" in PROPERTIES[entity_set]:
            return
        raise QueryError(f"{entity_set} has no property {path}")

    @staticmethod
    def _value(rec: Rec, path: str) -> Any:
        if path in _ID_NAMES:
            return rec.id
        value: Any = rec.props
        for part in path.split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    @staticmethod
    def _compare(op: str, left: Any, right: Any) -> bool:
        if isinstance(left, Time) or isinstance(right, Time):
            try:
                left, right = (
                    v.ms if isinstance(v, Time) else parse_iso(str(v).split("/")[0])
                    for v in (left, right)
                )
            except ValueError:
                return False
        if left is None or right is None:
            return (left is right) if op == "eq" else (left is not right) if op == "ne" else False
        numeric = (int, float)
        if isinstance(left, bool) != isinstance(right, bool):
            return False
        if not (isinstance(left, numeric) and isinstance(right, numeric)) and type(
            left
        ) is not type(right):
            return op == "ne"
        try:
            match op:
                case "eq":
                    return bool(left == right)
                case "ne":
                    return bool(left != right)
                case "gt":
                    return bool(left > right)
                case "ge":
                    return bool(left >= right)
                case "lt":
                    return bool(left < right)
                case _:
                    return bool(left <= right)
        except TypeError:
            return False

    def _matches(self, rec: Rec, expr: Expr) -> bool:
        if isinstance(expr, Logic):
            if expr.op == "and":
                return self._matches(rec, expr.left) and self._matches(rec, expr.right)
            return self._matches(rec, expr.left) or self._matches(rec, expr.right)
        if isinstance(expr, Not):
            return not self._matches(rec, expr.operand)
        left = self._value(rec, expr.left.path) if isinstance(expr.left, Prop) else expr.left.value
        right = (
            self._value(rec, expr.right.path) if isinstance(expr.right, Prop) else expr.right.value
        )
        return self._compare(expr.op, left, right)

    def _check_filter(self, entity_set: str, expr: Expr) -> None:
        if isinstance(expr, Logic):
            self._check_filter(entity_set, expr.left)
            self._check_filter(entity_set, expr.right)
        elif isinstance(expr, Not):
            self._check_filter(entity_set, expr.operand)
        else:
            for side in (expr.left, expr.right):
                if isinstance(side, Prop):
                    self._check_property(entity_set, side.path)

    def _in_memory(
        self, entity_set: str, recs: list[Rec], query: Query
    ) -> tuple[list[Rec], int | None, bool]:
        if query.filter is not None:
            self._check_filter(entity_set, query.filter)
            recs = [rec for rec in recs if self._matches(rec, query.filter)]
        for name, _ in query.orderby:
            self._check_property(entity_set, name)
        for name, descending in reversed(query.orderby):
            keyed = [(self._value(r, name), r) for r in recs]
            present = [(v, r) for v, r in keyed if v is not None]
            missing = [r for v, r in keyed if v is None]
            try:
                present.sort(key=lambda pair: pair[0], reverse=descending)
            except TypeError:
                present.sort(key=lambda pair: str(pair[0]), reverse=descending)
            recs = [r for _, r in present] + missing
        count = len(recs) if query.count else None
        page = recs[query.skip : query.skip + query.top]
        return page, count, query.skip + query.top < len(recs)

    async def _collection(self, many: Many, query: Query) -> tuple[list[Rec], int | None, bool]:
        if isinstance(many.source, ObsScope):
            return await self._observations(many.source, query)
        return self._in_memory(many.set, many.source, query)

    # -- serialisation --------------------------------------------------------------------------

    def _check_select_expand(self, entity_set: str, query: Query) -> None:
        for name in query.select or ():
            if name != "@iot.selfLink" and name not in NAVIGATION[entity_set]:
                self._check_property(entity_set, name)
        for name, nested in query.expand.items():
            if name not in NAVIGATION[entity_set]:
                raise QueryError(f"$expand: {entity_set} has no navigation property {name}")
            target, _ = NAVIGATION[entity_set][name]
            self._check_select_expand(target, nested)
            if nested.filter is not None and target != "Observations":
                self._check_filter(target, nested.filter)

    async def _serialize(self, rec: Rec, query: Query, root: str, origin: str) -> dict[str, Any]:
        self_link = f"{root}/{rec.set}({rec.id})"
        full: dict[str, Any] = {"@iot.id": rec.id, "@iot.selfLink": self_link, **rec.props}
        for nav in NAVIGATION[rec.set]:
            full[f"{nav}@iot.navigationLink"] = f"{self_link}/{nav}"
        if query.select is not None:
            wanted = set(query.select)
            if "id" in wanted:
                wanted.add("@iot.id")
            out = {
                key: value
                for key, value in full.items()
                if key in wanted or key.removesuffix("@iot.navigationLink") in wanted
            }
        else:
            out = full
        for nav, nested in query.expand.items():
            related = self._related(rec, nav, origin)
            if related is None:
                out[nav] = None
            elif isinstance(related, Rec):
                out[nav] = await self._serialize(related, nested, root, origin)
            else:
                members, count, more = await self._collection(related, nested)
                out[nav] = [await self._serialize(m, nested, root, origin) for m in members]
                if count is not None:
                    out[f"{nav}@iot.count"] = count
                if more:
                    out[f"{nav}@iot.nextLink"] = (
                        f"{self_link}/{nav}?$top={nested.top}&$skip={nested.skip + nested.top}"
                    )
        return out

    # -- requests -------------------------------------------------------------------------------

    def service_root(self, origin: str) -> dict[str, Any]:
        """The service root document with serverSettings.conformance."""
        root = f"{origin}/sta/v1.1"
        return {
            "value": [{"name": name, "url": f"{root}/{name}"} for name in ENTITY_SETS],
            "serverSettings": {"conformance": list(CONFORMANCE)},
        }

    async def _find(self, many: Many, entity_id: int, origin: str) -> Rec | None:
        if isinstance(many.source, ObsScope):
            return await self._observation_by_id(many.source, entity_id)
        for rec in many.source:
            if rec.id == entity_id:
                return rec
        return None

    async def handle(self, origin: str, path: str, params: Mapping[str, str]) -> Response:
        """Answer GET ``/sta/v1.1/<path>``. Raises NotFound or QueryError."""
        query = parse_query(params)
        root = f"{origin}/sta/v1.1"
        segments = [segment for segment in path.split("/") if segment]
        if not segments:
            return Response(self.service_root(origin))
        current: Rec | Many | None = None
        for index, segment in enumerate(segments):
            name, entity_id = _segment(segment)
            if current is None:
                if name not in ENTITY_SETS:
                    raise NotFound(f"no entity set {name}")
                if name == "Observations":
                    current = Many(name, ObsScope(None))
                else:
                    current = Many(name, self._all(name, origin))
            elif isinstance(current, Rec):
                if name in NAVIGATION[current.set]:
                    related = self._related(current, name, origin)
                    if related is None:
                        raise NotFound(f"{segment} of {current.set}({current.id}) does not exist")
                    current = related
                elif name in PROPERTIES[current.set] and entity_id is None:
                    return self._property(current, name, segments[index + 1 :])
                else:
                    raise NotFound(f"{current.set} has no property or navigation {name}")
            elif entity_id is None:
                raise NotFound(f"{segment}: select one entity of {current.set} by id first")
            if entity_id is not None:
                if not isinstance(current, Many):
                    raise NotFound(f"{segment}: {name} is a single entity, not a collection")
                found = await self._find(current, entity_id, origin)
                if found is None:
                    raise NotFound(f"{current.set}({entity_id}) does not exist")
                current = found
        assert current is not None
        if isinstance(current, Rec):
            self._check_select_expand(current.set, query)
            return Response(await self._serialize(current, query, root, origin))
        self._check_select_expand(current.set, query)
        members, count, more = await self._collection(current, query)
        body: dict[str, Any] = {}
        if count is not None:
            body["@iot.count"] = count
        body["value"] = [await self._serialize(m, query, root, origin) for m in members]
        if more:
            body["@iot.nextLink"] = _next_link(f"{root}/{'/'.join(segments)}", params, query)
        return Response(body)

    async def newest_page(
        self, origin: str, stream: Stream, params: Mapping[str, str]
    ) -> dict[str, Any]:
        """``Datastreams(n)/Observations?$top=1&$orderby=phenomenonTime desc``, from memory.

        The same document ``handle`` builds from SQL: the stream's newest observation, and a
        next link when it has older ones.
        """
        assert stream.latest is not None
        query = parse_query(params)
        root = f"{origin}/sta/v1.1"
        oid, ms, value = stream.latest
        rec = self._observation((oid, stream.id, ms, value))
        body: dict[str, Any] = {"value": [await self._serialize(rec, query, root, origin)]}
        if stream.first_ms is not None and stream.first_ms < ms:
            path = f"Datastreams({stream.id})/Observations"
            body["@iot.nextLink"] = _next_link(f"{root}/{path}", params, query)
        return body

    def _property(self, rec: Rec, name: str, rest: list[str]) -> Response:
        value = rec.props.get(name)
        if rest == ["$value"]:
            if value is None:
                raise NotFound(f"{rec.set}({rec.id})/{name} has no value")
            return Response(value if isinstance(value, str) else str(value), raw=True)
        if rest:
            raise NotFound(f"{'/'.join(rest)} after a property: only $value may follow")
        return Response({name: value})


def _segment(segment: str) -> tuple[str, int | None]:
    name, paren, rest = segment.partition("(")
    if not paren:
        return segment, None
    if not rest.endswith(")"):
        raise QueryError(f"cannot read path segment {segment!r}")
    key = rest[:-1]
    if not key.isdigit():
        raise NotFound(f"{name}({key}) does not exist: ids are integers")
    return name, int(key)


def _next_link(base: str, params: Mapping[str, str], query: Query) -> str:
    pairs = [(k, v) for k, v in params.items() if k not in ("$top", "$skip")]
    pairs += [("$top", str(query.top)), ("$skip", str(query.skip + query.top))]
    return base + "?" + "&".join(f"{quote(k, safe='$')}={quote(v, safe=_SAFE)}" for k, v in pairs)
