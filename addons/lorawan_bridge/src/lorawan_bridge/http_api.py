"""The HTTP side: the push receiver and the ingress status page with /health."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Final

from aiohttp import web

from .events import HTTP_NETWORKS, MAX_BODY_BYTES, InvalidEvent, from_http
from .options import Options
from .stats import Stats
from .status_page import pick_language, render
from .store import Outcome, Store

_LOGGER = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Ange-Iot-Secret"
INGRESS_HEADER: Final = "X-Ingress-Path"


def _health(stats: Stats, options: Options) -> web.Response:
    # "degraded" still answers 200: the bridge keeps queueing while a broker is away,
    # and the Supervisor's watchdog should not restart it for that.
    snapshot = stats.snapshot()
    healthy = snapshot["downstream_connected"] and (
        snapshot["upstream_connected"] or not options.upstream_host
    )
    return web.json_response({"status": "ok" if healthy else "degraded", **snapshot})


def receiver_app(options: Options, store: Store, stats: Stats) -> web.Application:
    """``POST /push`` (the configured network) and ``POST /push/{network}``."""
    secret = options.http_secret.encode()

    async def push(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), secret):
            return web.json_response({"error": "missing or wrong secret"}, status=401)
        network = request.match_info.get("network", options.network)
        if network not in HTTP_NETWORKS:
            return web.json_response({"error": f"unknown network {network}"}, status=404)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            stats.count_invalid()
            _LOGGER.warning("Refused an HTTP push of %d bytes", request.content_length)
            return web.json_response({"error": "body too large"}, status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            stats.count_invalid()
            _LOGGER.warning("Refused an HTTP push over %d bytes", MAX_BODY_BYTES)
            return web.json_response({"error": "body too large"}, status=413)
        try:
            event = from_http(network, request.query.get("event"), body)
        except InvalidEvent as err:
            stats.count_invalid()
            _LOGGER.warning("Refused an HTTP push (%s): %s", err.reason, err)
            status = 413 if err.reason == "oversize" else 400
            return web.json_response({"error": str(err)}, status=status)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()

        def done(outcome: Outcome) -> None:
            loop.call_soon_threadsafe(_settle, future, outcome)

        store.submit(event, done)
        # The pusher hears 200 only once the event is committed to disk.
        outcome = await future
        if outcome is Outcome.FAILED:
            return web.json_response({"error": "queue unavailable"}, status=503)
        return web.json_response(
            {"queued": outcome is Outcome.QUEUED, "duplicate": outcome is Outcome.DUPLICATE}
        )

    async def health(request: web.Request) -> web.Response:
        return _health(stats, options)

    # One byte over the limit is enough to know a body is too large.
    app = web.Application(client_max_size=MAX_BODY_BYTES + 1)
    app.router.add_post("/push", push)
    app.router.add_post("/push/{network}", push)
    app.router.add_get("/health", health)
    return app


def _settle(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    # The pusher may have hung up meanwhile; the event is queued all the same.
    if not future.done():
        future.set_result(outcome)


def status_app(options: Options, stats: Stats) -> web.Application:
    """The ingress page (``/``) and ``/health``."""

    async def page(request: web.Request) -> web.Response:
        lang = pick_language(request.query.get("lang"), request.headers.get("Accept-Language"))
        html = render(
            lang,
            request.headers.get(INGRESS_HEADER, ""),
            options.network,
            stats.snapshot(),
            upstream_used=bool(options.upstream_host),
            http_used=bool(options.http_port),
        )
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def health(request: web.Request) -> web.Response:
        return _health(stats, options)

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/health", health)
    return app
