"""The admin page for ingress: what is published, what was refused and why, in Swedish or English."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from .catalog import Catalogue
from .i18n import ADMIN_TEXTS, LANGS, local_time
from .quantities import format_value, with_unit
from .site import TEMPLATES, Handler

SUPERVISOR_INGRESS = "172.30.32.2"


def admin_language(request: web.Request) -> str:
    """?lang= if given, else the browser's preferred of sv and en (Accept-Language), else sv."""
    asked = request.query.get("lang")
    if asked in LANGS:
        return asked
    best, best_q = "sv", 0.0
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        lang = tag.strip().lower()[:2]
        try:
            q = float(quality) if quality else 1.0
        except ValueError:
            continue
        if lang in LANGS and q > best_q:
            best, best_q = lang, q
    return best


class AdminSite:
    """The ingress page: what is published, what was refused and why, and the last updates."""

    def __init__(self, catalogue: Catalogue, allowed: tuple[str, ...] | None = None) -> None:
        """Answer only the Supervisor's ingress proxy (and loopback) unless told otherwise."""
        self._catalogue = catalogue
        networks = allowed if allowed is not None else (SUPERVISOR_INGRESS, "127.0.0.1", "::1")
        self._allowed = tuple(ipaddress.ip_network(n) for n in networks)

    def app(self) -> web.Application:
        """The aiohttp application of the admin page."""
        app = web.Application(middlewares=[self._only_ingress])
        app.add_routes([web.get("/", self._page)])
        return app

    @web.middleware
    async def _only_ingress(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            address = ipaddress.ip_address(request.remote or "")
        except ValueError:
            raise web.HTTPForbidden from None
        if not any(address in network for network in self._allowed):
            raise web.HTTPForbidden
        response = await handler(request)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _page(self, request: web.Request) -> web.Response:
        catalogue = self._catalogue
        options = catalogue.options
        lang = admin_language(request)
        texts = ADMIN_TEXTS[lang]
        zone = options.time_zone
        published = []
        waiting = []
        for place in options.places:
            for entity_id in place.entities:
                stream = catalogue.by_entity.get(entity_id)
                if stream is not None:
                    latest = stream.latest
                    published.append(
                        {
                            "entity_id": entity_id,
                            "place": place.name(lang),
                            "quantity": stream.quantity.name(lang),
                            "value": with_unit(
                                format_value(latest[2], stream.quantity, lang), stream.unit
                            )
                            if latest
                            else "–",
                            "updated": local_time(latest[1], zone, lang) if latest else "–",
                        }
                    )
                elif entity_id not in catalogue.refused:
                    waiting.append({"entity_id": entity_id, "place": place.name(lang)})
        refused = [
            {
                "entity_id": refusal.entity_id,
                "reason": texts.get(f"reason.{refusal.reason}", refusal.reason),
                "since": local_time(refusal.since, zone, lang),
            }
            for refusal in catalogue.refused.values()
        ]
        text = TEMPLATES.get_template("admin.html").render(
            lang=lang,
            a=texts,
            connected=catalogue.ha.connected,
            last_error=catalogue.ha.last_error,
            public_url=options.public_url,
            published=published,
            refused=refused,
            waiting=waiting,
            ingress=request.headers.get("X-Ingress-Path", ""),
            other_lang="sv" if lang == "en" else "en",
        )
        return web.Response(text=text, content_type="text/html", charset="utf-8")
