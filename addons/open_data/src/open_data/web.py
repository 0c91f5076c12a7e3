"""The public web server: the data API, SensorThings, live values, DCAT, and the pages (pages.py)."""

from __future__ import annotations

from collections.abc import Mapping
import csv
import io
import json
import re
from typing import Any
from urllib.parse import quote

from aiohttp import web

from . import dcat
from .catalog import Catalogue, Stream
from .live import HEARTBEAT_S, MAX_CLIENTS, LiveFeed, observation_event
from .odata import QueryError
from .pages import PageRoutes
from .ratelimit import RateLimiter
from .site import JSON, Handler, error_response, make_etag
from .sta import NotFound, SensorThings
from .timeutil import DAY_MS, iso, parse_iso

_NEWEST_PATH = re.compile(r"Datastreams\((\d+)\)/Observations")


DATA_MAX_AGE = "public, max-age=60"
CATALOG_MAX_AGE = "public, max-age=3600"
HISTORY_MAX_DAYS = 366


class PublicSite(PageRoutes):
    """The public aiohttp application."""

    def __init__(self, catalogue: Catalogue) -> None:
        """Serve ``catalogue``; everything published comes from it and its store."""
        super().__init__(catalogue)
        self._sta = SensorThings(catalogue)
        self._limiter = RateLimiter(self._options.rate_limit_per_minute)
        # (origin, stream id) -> (observation id, body, etag) of the newest-value request
        self._newest: dict[tuple[str, int], tuple[int, bytes, str]] = {}
        self.feed = LiveFeed()
        catalogue.listeners.append(self._announce)

    def _announce(self, stream: Stream, observation: tuple[int, int, float], newest: bool) -> None:
        base = self._options.public_url
        document = observation_event(stream, observation, base)
        document["newest"] = newest
        self.feed.publish(stream.place.category, document)

    def close(self) -> None:
        """Let every live client go: the service is stopping."""
        self.feed.close()

    def app(self) -> web.Application:
        """The aiohttp application with every public route."""
        app = web.Application(middlewares=[self._middleware])
        routes = [
            web.get("/", self._index),
            web.get("/en", self._index_en),
            web.get("/en/", self._index_en),
            web.get("/places/{place}", self._place),
            web.get("/en/places/{place}", self._place_en),
            web.get("/places/{place}/qr", self._qr_page),
            web.get("/places/{place}/qr.svg", self._qr_svg),
            web.get("/places/{place}/qr.png", self._qr_png),
            web.get("/widget", self._widget),
            web.get("/widget.js", self._widget_js),
            web.get("/api/v1/latest.json", self._latest_json),
            web.get("/api/v1/latest.csv", self._latest_csv),
            web.get("/api/v1/history.json", self._history_json),
            web.get("/api/v1/history.csv", self._history_csv),
            web.get("/api/v1/places.geojson", self._places_geojson),
            web.get("/api/v1/latest/stream", self._latest_stream),
            web.get("/sta/v1.1", self._sta_root),
            web.get("/sta/v1.1/{path:.*}", self._sta_handler),
            web.get("/dcat", self._dcat_xml),
            web.get("/dcat.jsonld", self._dcat_jsonld),
        ]
        app.add_routes(routes)
        return app

    # -- cross-cutting: rate limit, CORS, caching headers, errors ---------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        wait = self._limiter.check(request.remote or "")
        if wait:
            response: web.StreamResponse = error_response(
                429, f"too many requests; retry in {wait} s"
            )
            response.headers["Retry-After"] = str(wait)
        elif request.method == "OPTIONS":
            response = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "*"
            response.headers["Access-Control-Max-Age"] = "86400"
        else:
            try:
                response = await handler(request)
            except QueryError as err:
                response = error_response(400, str(err))
            except NotFound as err:
                response = error_response(404, str(err))
            except web.HTTPNotFound:
                response = error_response(404, f"nothing at {request.path}")
            except web.HTTPMethodNotAllowed:
                response = error_response(405, "only GET and HEAD are served")
        if response.prepared:
            # A stream (the live feed) set its own headers before it started.
            return response
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        if response.status == 200 and isinstance(response, web.Response):
            headers.setdefault("Cache-Control", DATA_MAX_AGE)
            body = response.body
            if "ETag" not in headers and isinstance(body, bytes):
                headers["ETag"] = make_etag(body)
            etag = headers.get("ETag")
            if etag and etag in request.headers.get("If-None-Match", ""):
                not_modified = web.Response(status=304)
                for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin"):
                    not_modified.headers[name] = headers[name]
                return not_modified
        elif response.status >= 400:
            headers["Cache-Control"] = "no-store"
        return response

    # -- data API ------------------------------------------------------------------------------

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

    # -- SensorThings and DCAT ---------------------------------------------------------------------

    async def _sta_root(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/sta/v1.1/")

    async def _sta_handler(self, request: web.Request) -> web.Response:
        params: dict[str, str] = {}
        for key, value in request.query.items():
            if key in params:
                raise QueryError(f"query option {key} is given twice")
            params[key] = value
        newest = await self._newest_observation(request, params)
        if newest is not None:
            return newest
        result = await self._sta.handle(self.origin(request), request.match_info["path"], params)
        if result.raw:
            return web.Response(text=str(result.body), content_type="text/plain")
        return web.Response(
            body=json.dumps(result.body, ensure_ascii=False).encode(), content_type=JSON
        )

    async def _newest_observation(
        self, request: web.Request, params: Mapping[str, str]
    ) -> web.Response | None:
        """``Datastreams(n)/Observations?$top=1&$orderby=phenomenonTime desc`` from memory.

        The body is what the SQL path returns for that query, byte for byte; other queries
        get None and take the SQL path.
        """
        match = _NEWEST_PATH.fullmatch(request.match_info["path"])
        if match is None or set(params) != {"$top", "$orderby"} or params["$top"].strip() != "1":
            return None
        if " ".join(params["$orderby"].split()) != "phenomenonTime desc":
            return None
        stream = self._catalogue.streams.get(int(match.group(1)))
        if stream is None or stream.latest is None:
            return None
        origin = self.origin(request)
        key = (origin, stream.id)
        entry = self._newest.get(key)
        if entry is None or entry[0] != stream.latest[0]:
            page = await self._sta.newest_page(origin, stream, params)
            body = json.dumps(page, ensure_ascii=False).encode()
            entry = (stream.latest[0], body, make_etag(body))
            if len(self._newest) > 4096:
                self._newest.clear()
            self._newest[key] = entry
        response = web.Response(body=entry[1], content_type=JSON)
        response.headers["ETag"] = entry[2]
        return response

    async def _latest_stream(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: the current values first, then each new observation."""
        params = self._params(request, ("category",))
        category = self._category(params)
        feed = self.feed
        if feed.clients >= MAX_CLIENTS:
            response = error_response(
                503, "too many live clients; poll /api/v1/latest.json instead"
            )
            response.headers["Retry-After"] = "60"
            return response
        stream_response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-store",
                "Access-Control-Allow-Origin": "*",
                # nginx and HA's ingress proxy would otherwise hold events back.
                "X-Accel-Buffering": "no",
            }
        )
        await stream_response.prepare(request)
        feed.clients += 1
        try:
            seq = feed.seq
            base = self._options.public_url or self.origin(request)
            current = [
                observation_event(s, s.latest, base) | {"newest": True}
                for s in self._catalogue.streams.values()
                if s.latest is not None and (category is None or s.place.category == category)
            ]
            lines = [
                f"event: observation\ndata: {json.dumps(d, ensure_ascii=False)}\n\n"
                for d in current
            ]
            await stream_response.write(("retry: 5000\n\n" + "".join(lines)).encode())
            while not feed.closed:
                events = await feed.after(seq, HEARTBEAT_S)
                if not events:
                    if feed.closed:
                        break
                    await stream_response.write(b": keep-alive\n\n")
                    continue
                seq = events[-1].seq
                chunk = b"".join(
                    e.data for e in events if category is None or e.category == category
                )
                if chunk:
                    await stream_response.write(chunk)
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            feed.clients -= 1
        return stream_response

    async def _dcat_xml(self, request: web.Request) -> web.Response:
        self._params(request, ())
        origin = self.origin(request)
        response = self._cached(
            "dcat", origin, "", "application/rdf+xml",
            lambda: dcat.to_rdfxml(dcat.build(self._catalogue, origin)).encode(),
        )  # fmt: skip
        response.headers["Cache-Control"] = CATALOG_MAX_AGE
        return response

    async def _dcat_jsonld(self, request: web.Request) -> web.Response:
        self._params(request, ())
        origin = self.origin(request)
        response = self._cached(
            "dcat.jsonld", origin, "", "application/ld+json",
            lambda: dcat.to_jsonld(dcat.build(self._catalogue, origin)).encode(),
        )  # fmt: skip
        response.headers["Cache-Control"] = CATALOG_MAX_AGE
        return response
