"""The SensorThings requests: the resource path is walked, and what it names is serialised.

``$select`` and ``$expand`` shape each entity; collections come from SQL (Observations) or
from memory (the other sets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..catalog import Stream
from ..odata import Query, QueryError, parse_query
from .entities import ENTITY_SETS, NAVIGATION, PROPERTIES, Many, NotFound, ObsScope, Rec, Response
from .in_memory import InMemoryQueries
from .observations import ObservationQueries

CONFORMANCE = (
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
)
_SAFE = "$@(),:;'/="


class SensorThings(ObservationQueries, InMemoryQueries):
    """Answers SensorThings requests for one catalogue."""

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
