"""The public web server (pages, API, SensorThings, DCAT) and the admin page for ingress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import csv
import hashlib
import io
import json
import re
from typing import Any
from urllib.parse import quote

from aiohttp import web
import jinja2

from . import chart as charts, dcat
from .catalog import Catalogue, Stream
from .i18n import LANGS, TEXTS, licence_name, local_time, plural, short_date
from .live import HEARTBEAT_S, MAX_CLIENTS, LiveFeed, observation_event
from .odata import QueryError
from .options import CATEGORIES, Place
from .qr import qr_png, qr_svg
from .quantities import VALUE_CATEGORIES, format_value, with_unit
from .ratelimit import RateLimiter
from .sta import NotFound, SensorThings
from .timeutil import DAY_MS, iso, parse_iso

_NEWEST_PATH = re.compile(r"Datastreams\((\d+)\)/Observations")

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DATA_MAX_AGE = "public, max-age=60"
QR_MAX_AGE = "public, max-age=86400"
CATALOG_MAX_AGE = "public, max-age=3600"
JSON = "application/json"
HISTORY_MAX_DAYS = 366

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("open_data", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _error(status: int, message: str) -> web.Response:
    body = json.dumps({"code": status, "type": "error", "message": message})
    return web.Response(status=status, body=body.encode(), content_type=JSON)


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class PublicSite:
    """The public aiohttp application."""

    def __init__(self, catalogue: Catalogue) -> None:
        """Serve ``catalogue``; everything published comes from it and its store."""
        self._catalogue = catalogue
        self._options = catalogue.options
        self._sta = SensorThings(catalogue)
        self._limiter = RateLimiter(self._options.rate_limit_per_minute)
        # (kind, origin, argument) -> (catalogue version, body, etag, content type)
        self._cache: dict[tuple[str, str, str], tuple[int, bytes, str, str]] = {}
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
            response: web.StreamResponse = _error(429, f"too many requests; retry in {wait} s")
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
                response = _error(400, str(err))
            except NotFound as err:
                response = _error(404, str(err))
            except web.HTTPNotFound:
                response = _error(404, f"nothing at {request.path}")
            except web.HTTPMethodNotAllowed:
                response = _error(405, "only GET and HEAD are served")
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
                headers["ETag"] = _etag(body)
            etag = headers.get("ETag")
            if etag and etag in request.headers.get("If-None-Match", ""):
                not_modified = web.Response(status=304)
                for name in ("ETag", "Cache-Control", "Access-Control-Allow-Origin"):
                    not_modified.headers[name] = headers[name]
                return not_modified
        elif response.status >= 400:
            headers["Cache-Control"] = "no-store"
        return response

    def origin(self, request: web.Request) -> str:
        """The public base URL: the configured one, else what the client asked for."""
        return self._options.public_url or f"{request.scheme}://{request.host}"

    def _cached(
        self,
        kind: str,
        origin: str,
        argument: str,
        content_type: str,
        build: Callable[[], bytes],
    ) -> web.Response:
        key = (kind, origin, argument)
        version = self._catalogue.version
        entry = self._cache.get(key)
        if entry is None or entry[0] != version:
            body = build()
            entry = (version, body, _etag(body), content_type)
            if len(self._cache) > 512:
                self._cache.clear()
            self._cache[key] = entry
        _, body, etag, content_type = entry
        response = web.Response(body=body, content_type=content_type, charset="utf-8")
        response.headers["ETag"] = etag
        return response

    # -- query parameters -------------------------------------------------------------------

    @staticmethod
    def _params(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
        params: dict[str, str] = {}
        for key, value in request.query.items():
            if key not in allowed:
                names = ", ".join(allowed) if allowed else "none"
                raise QueryError(f"unknown query parameter {key!r} (allowed: {names})")
            if key in params:
                raise QueryError(f"query parameter {key!r} is given twice")
            params[key] = value
        return params

    @staticmethod
    def _category(params: Mapping[str, str]) -> str | None:
        category = params.get("category")
        if category is None:
            return None
        if category not in CATEGORIES:
            raise QueryError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
        return category

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
            entry = (stream.latest[0], body, _etag(body))
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
            response = _error(503, "too many live clients; poll /api/v1/latest.json instead")
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

    # -- pages ------------------------------------------------------------------------------------

    def _row(self, stream: Stream, lang: str, now: int) -> dict[str, Any]:
        latest = stream.latest
        quantity = stream.quantity
        return {
            "stream": stream,
            "quantity": quantity.name(lang),
            "value": with_unit(format_value(latest[2], quantity, lang), stream.unit)
            if latest
            else None,
            "time_iso": iso(latest[1]) if latest else "",
            "time_local": local_time(latest[1], self._options.time_zone, lang, now)
            if latest
            else "",
            "stale": latest is not None and self._catalogue.is_stale(stream, now),
        }

    def _place_view(
        self, place: Place, lang: str, now: int, quantities: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        streams = self._catalogue.streams_of(place)
        if quantities is not None:
            streams = [s for s in streams if s.quantity.key in quantities]
        return {
            "id": place.id,
            "name": place.name(lang),
            "description": place.description(lang),
            "category_label": TEXTS[lang][f"categories.{place.category}"],
            "latitude": place.latitude,
            "longitude": place.longitude,
            "rows": [self._row(s, lang, now) for s in streams],
        }

    def _page_context(
        self, request: web.Request, lang: str, path: str, title: str
    ) -> dict[str, Any]:
        origin = self.origin(request)
        other = "en" if lang == "sv" else "sv"
        sv_path = path
        en_path = "/en" + path
        return {
            "lang": lang,
            "t": TEXTS[lang],
            "title": title,
            "publisher": self._options.publisher_name,
            "alternates": [("sv", origin + sv_path), ("en", origin + en_path)],
            "other_lang": other,
            "other_href": en_path if other == "en" else sv_path,
            "license": self._options.license,
            "license_name": licence_name(self._options.license, lang),
            "prefix": "" if lang == "sv" else "/en",
            "chart_width": charts.WIDTH,
            "chart_height": charts.HEIGHT,
        }

    def _html(self, template: str, context: Mapping[str, Any], status: int = 200) -> web.Response:
        text = TEMPLATES.get_template(template).render(**context)
        return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")

    async def _index(self, request: web.Request) -> web.Response:
        return await self._index_in(request, "sv")

    async def _index_en(self, request: web.Request) -> web.Response:
        return await self._index_in(request, "en")

    async def _index_in(self, request: web.Request, lang: str) -> web.Response:
        origin = self.origin(request)

        def build() -> bytes:
            now = self._catalogue.clock()
            context = self._page_context(request, lang, "/", TEXTS[lang]["bathing_title"])
            # The page is titled "Badtemperaturer": its table holds water temperatures only.
            lake = VALUE_CATEGORIES["lake_temperature"]
            context["bathing"] = [
                self._place_view(p, lang, now, lake)
                for p in self._catalogue.places("bathing_place")
            ]
            context["others"] = [
                self._place_view(p, lang, now)
                for p in self._catalogue.options.places
                if p.category != "bathing_place"
            ]
            return TEMPLATES.get_template("index.html").render(**context).encode()

        # Staleness depends on the clock too: a page is rebuilt at least once a minute.
        minute = str(self._catalogue.clock() // 60_000)
        return self._cached(f"index.{lang}", origin, minute, "text/html", build)

    async def _place(self, request: web.Request) -> web.Response:
        return await self._place_in(request, "sv")

    async def _place_en(self, request: web.Request) -> web.Response:
        return await self._place_in(request, "en")

    def _find_place(self, request: web.Request) -> Place:
        place = self._options.place(request.match_info["place"])
        if place is None:
            raise web.HTTPNotFound
        return place

    async def _place_in(self, request: web.Request, lang: str) -> web.Response:
        place = self._options.place(request.match_info["place"])
        if place is None:
            context = self._page_context(request, lang, "/", TEXTS[lang]["not_found"])
            context["bathing"], context["others"] = [], []
            page = TEMPLATES.get_template("base.html").render(**context)
            return web.Response(status=404, text=page, content_type="text/html", charset="utf-8")
        now = self._catalogue.clock()
        t = TEXTS[lang]
        view = self._place_view(place, lang, now)
        for row in view["rows"]:
            await self._add_chart(row, lang, now)
        context = self._page_context(request, lang, f"/places/{quote(place.id)}", place.name(lang))
        context["place"] = view
        context["t"] = {
            **t,
            "stale_message": t["stale"].format(hours=f"{self._options.stale_after_hours:g}"),
        }
        return self._html("place.html", context)

    async def _add_chart(self, row: dict[str, Any], lang: str, now: int) -> None:
        stream: Stream = row["stream"]
        points = await self._catalogue.store.series(stream.id, now - 7 * DAY_MS, now + 1)
        built = charts.build(points, now)
        row["chart"] = built
        if built is None:
            return
        t = TEXTS[lang]
        quantity = stream.quantity

        def show(value: float) -> str:
            return with_unit(format_value(value, quantity, lang), stream.unit)

        row["chart_title"] = t["chart_title"].format(quantity=quantity.name(lang))
        row["chart_summary"] = t["chart_summary"].format(
            low=show(built.low),
            high=show(built.high),
            last=show(built.last),
            count=plural(lang, "measurement", built.count),
        )
        row["chart_labels"] = [(y, format_value(v, quantity, lang)) for y, v in built.y_labels]
        zone = self._options.time_zone
        row["chart_ticks"] = [(x, short_date(ms, zone, lang)) for x, ms in built.x_ticks]
        row["table"] = [
            (local_time(ms, zone, lang, now), show(value)) for ms, value in charts.hourly(points)
        ]

    async def _qr_page(self, request: web.Request) -> web.Response:
        place = self._find_place(request)
        lang = "sv"
        url = f"{self.origin(request)}/places/{quote(place.id)}"
        context = self._page_context(
            request,
            lang,
            f"/places/{quote(place.id)}/qr",
            TEXTS[lang]["qr_title"].format(name=place.name_sv),
        )
        context["place"] = {"id": place.id, "name": place.name_sv}
        context["url"] = url
        context["qr_alt"] = TEXTS[lang]["qr_alt"].format(url=url)
        return self._html("qr.html", context)

    async def _qr_svg(self, request: web.Request) -> web.Response:
        place = self._find_place(request)
        url = f"{self.origin(request)}/places/{quote(place.id)}"
        body = qr_svg(url, TEXTS["sv"]["qr_alt"].format(url=url))
        response = web.Response(body=body, content_type="image/svg+xml")
        response.headers["Cache-Control"] = QR_MAX_AGE
        return response

    async def _qr_png(self, request: web.Request) -> web.Response:
        place = self._find_place(request)
        body = qr_png(f"{self.origin(request)}/places/{quote(place.id)}")
        response = web.Response(body=body, content_type="image/png")
        response.headers["Cache-Control"] = QR_MAX_AGE
        return response

    @staticmethod
    def _value_categories(params: Mapping[str, str], default: str | None) -> list[str]:
        raw = params.get("category", default)
        if raw is None:
            return []
        names = [name.strip() for name in raw.split(",") if name.strip()]
        for name in names:
            if name not in VALUE_CATEGORIES:
                raise QueryError(
                    f"category must be one or more of {', '.join(VALUE_CATEGORIES)} "
                    f"(comma-separated), not {name!r}"
                )
        if not names:
            raise QueryError(f"category is empty; use one of {', '.join(VALUE_CATEGORIES)}")
        return names

    async def _widget(self, request: web.Request) -> web.Response:
        params = self._params(request, ("place", "lang", "category"))
        lang = params.get("lang", "sv")
        if lang not in LANGS:
            raise QueryError(f"lang must be sv or en, not {lang!r}")
        t = TEXTS[lang]
        # One place: all of its values unless categories are asked for. Otherwise the
        # categories' values at every place (bathing water temperatures by default).
        one_place = "place" in params
        categories = self._value_categories(params, None if one_place else "lake_temperature")
        quantities = (
            tuple(q for name in categories for q in VALUE_CATEGORIES[name]) if categories else None
        )
        if one_place:
            place = self._options.place(params["place"])
            if place is None:
                raise NotFound(f"no place {params['place']!r}")
            places = [place]
            title = place.name(lang)
        else:
            places = list(self._options.places)
            titles = [t[f"widget.{name}"] for name in categories]
            title = titles[0] if len(titles) == 1 else ""
            if len(titles) > 1:
                rest = [name[0].lower() + name[1:] for name in titles[1:]]
                title = f"{', '.join([titles[0], *rest[:-1]])} {t['and']} {rest[-1]}"
        now = self._catalogue.clock()
        views = [self._place_view(p, lang, now, quantities) for p in places]
        context = {
            "lang": lang,
            "t": t,
            "title": title,
            "places": [view for view in views if view["rows"] or one_place],
            "origin": self.origin(request),
            "prefix": "" if lang == "sv" else "/en",
        }
        response = self._html("widget.html", context)
        # The widget is made to be framed by the municipality's site.
        response.headers["Content-Security-Policy"] = "frame-ancestors *"
        return response

    async def _widget_js(self, request: web.Request) -> web.Response:
        origin = self.origin(request)
        script = (
            "(function(){var s=document.currentScript;if(!s)return;"
            "var l=s.getAttribute('data-lang')==='en'?'en':'sv';"
            "var p=s.getAttribute('data-place');"
            "var f=document.createElement('iframe');"
            f"f.src={json.dumps(origin + '/widget')}+'?lang='+l+(p?'&place='+encodeURIComponent(p):'');"
            "var c=s.getAttribute('data-category');"
            "f.src+=c?'&category='+encodeURIComponent(c):'';"
            "f.title=s.getAttribute('data-title')||(l==='en'?'Measurements':'Mätvärden');"
            "f.loading='lazy';f.style.cssText='width:100%;min-height:14rem;border:0';"
            "s.parentNode.insertBefore(f,s.nextSibling);})();\n"
        )
        return web.Response(text=script, content_type="text/javascript", charset="utf-8")
