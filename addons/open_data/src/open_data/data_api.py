"""The data API: the latest values as JSON and CSV, history as JSON and CSV, places as GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from .catalog import Stream
from .odata import QueryError
from .site import JSON, SiteBase
from .sta import NotFound
from .timeutil import DAY_MS, iso, parse_iso

HISTORY_MAX_DAYS = 366


class DataApiRoutes(SiteBase):
    """The data API handlers of the public site."""

    def _latest_rows(self, category: str | None, origin: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for place in self._catalogue.places(category):
            for stream in self._catalogue.streams_of(place):
                latest = stream.latest
                rows.append(
                    {
                        "place": place.id,
                        "place_name_sv": place.name_sv,
                        "place_name_en": place.name_en,
                        "category": place.category,
                        "latitude": place.latitude,
                        "longitude": place.longitude,
                        "entity_id": stream.entity_id,
                        "quantity": stream.quantity.key,
                        "name_sv": stream.quantity.name_sv,
                        "name_en": stream.quantity.name_en,
                        "unit": stream.unit,
                        "device_class": stream.device_class,
                        "value": stream.quantity.round(latest[2]) if latest else None,
                        "time": iso(latest[1]) if latest else None,
                        "datastream": f"{origin}/sta/v1.1/Datastreams({stream.id})",
                    }
                )
        return rows

    async def _latest_json(self, request: web.Request) -> web.Response:
        params = self._params(request, ("category",))
        category = self._category(params)
        origin = self.origin(request)

        def build() -> bytes:
            rows = self._latest_rows(category, origin)
            times = [row["time"] for row in rows if row["time"]]
            document = {
                "publisher": self._options.publisher_name,
                "license": self._options.license,
                "updated": max(times) if times else None,
                "datastreams": rows,
            }
            return json.dumps(document, ensure_ascii=False).encode()

        return self._cached("latest.json", origin, category or "", JSON, build)

    async def _latest_csv(self, request: web.Request) -> web.Response:
        params = self._params(request, ("category",))
        category = self._category(params)
        origin = self.origin(request)
        columns = (
            "place", "place_name_sv", "place_name_en", "category", "latitude", "longitude",
            "entity_id", "quantity", "unit", "value", "time",
        )  # fmt: skip

        def build() -> bytes:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(columns)
            for row in self._latest_rows(category, origin):
                writer.writerow(["" if row[c] is None else row[c] for c in columns])
            return buffer.getvalue().encode("utf-8")

        return self._cached("latest.csv", origin, category or "", "text/csv", build)

    async def _history(
        self, request: web.Request
    ) -> tuple[Stream, int, int, list[tuple[int, float]]]:
        params = self._params(request, ("entity_id", "start", "end"))
        entity_id = params.get("entity_id")
        if not entity_id:
            raise QueryError(
                "entity_id is required, e.g. ?entity_id=sensor.badplats_backetjarn_vattentemperatur"
            )
        times: dict[str, int] = {}
        for name in ("start", "end"):
            if name in params:
                try:
                    times[name] = parse_iso(params[name])
                except ValueError:
                    raise QueryError(
                        f"{name} must be an ISO 8601 time such as 2024-06-01T00:00:00Z, not {params[name]!r}"
                    ) from None
        end = times.get("end", self._catalogue.clock())
        start = times.get("start", end - 7 * DAY_MS)
        if start >= end:
            raise QueryError("start must be before end")
        if end - start > HISTORY_MAX_DAYS * DAY_MS:
            raise QueryError(f"the time range may be at most {HISTORY_MAX_DAYS} days")
        stream = self._catalogue.by_entity.get(entity_id)
        if stream is None:
            raise NotFound(f"{entity_id} is not published")
        points = await self._catalogue.store.series(stream.id, start, end)
        return stream, start, end, points

    async def _history_json(self, request: web.Request) -> web.Response:
        stream, start, end, points = await self._history(request)
        document = {
            "entity_id": stream.entity_id,
            "place": stream.place.id,
            "quantity": stream.quantity.key,
            "unit": stream.unit,
            "start": iso(start),
            "end": iso(end),
            "observations": [
                {"time": iso(ms), "value": stream.quantity.round(value)} for ms, value in points
            ],
        }
        return web.json_response(document, dumps=lambda d: json.dumps(d, ensure_ascii=False))

    async def _history_csv(self, request: web.Request) -> web.Response:
        stream, _, _, points = await self._history(request)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(("entity_id", "time", "value", "unit"))
        for ms, value in points:
            writer.writerow(
                (stream.entity_id, iso(ms), stream.quantity.round(value), stream.unit or "")
            )
        return web.Response(
            body=buffer.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8"
        )

    async def _places_geojson(self, request: web.Request) -> web.Response:
        params = self._params(request, ("category",))
        category = self._category(params)
        origin = self.origin(request)

        def build() -> bytes:
            features = []
            for place in self._catalogue.places(category):
                values = [
                    {
                        "entity_id": s.entity_id,
                        "quantity": s.quantity.key,
                        "name_sv": s.quantity.name_sv,
                        "name_en": s.quantity.name_en,
                        "unit": s.unit,
                        "value": s.quantity.round(s.latest[2]) if s.latest else None,
                        "time": iso(s.latest[1]) if s.latest else None,
                    }
                    for s in self._catalogue.streams_of(place)
                ]
                features.append(
                    {
                        "type": "Feature",
                        "id": place.id,
                        "geometry": {
                            "type": "Point",
                            "coordinates": [place.longitude, place.latitude],
                        },
                        "properties": {
                            "id": place.id,
                            "name_sv": place.name_sv,
                            "name_en": place.name_en,
                            "category": place.category,
                            "description_sv": place.description_sv,
                            "description_en": place.description_en,
                            "page": f"{origin}/places/{quote(place.id)}",
                            "values": values,
                        },
                    }
                )
            document = {"type": "FeatureCollection", "features": features}
            return json.dumps(document, ensure_ascii=False).encode()

        return self._cached("places.geojson", origin, category or "", "application/geo+json", build)
