"""The public web server: the data API, SensorThings, live values, DCAT, and the pages.

The data API's handlers are in data_api.py and the pages' in pages.py.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import re

from aiohttp import web

from . import dcat
from .catalog import Catalogue, Stream
from .data_api import DataApiRoutes
from .live import HEARTBEAT_S, MAX_CLIENTS, LiveFeed, observation_event
from .odata import QueryError
from .pages import PageRoutes
from .ratelimit import RateLimiter
from .site import JSON, Handler, error_response, make_etag
from .sta import NotFound, SensorThings

_NEWEST_PATH = re.compile(r"Datastreams\((\d+)\)/Observations")


DATA_MAX_AGE = "public, max-age=60"
CATALOG_MAX_AGE = "public, max-age=3600"


class PublicSite(PageRoutes, DataApiRoutes):
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
        except ConnectionError:
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
