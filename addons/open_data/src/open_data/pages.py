"""The public pages: "Badtemperaturer", a page per place, QR codes and the widget, in Swedish and English."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from . import chart as charts
from .catalog import Stream
from .i18n import LANGS, TEXTS, licence_name, local_time, plural, short_date
from .odata import QueryError
from .options import Place
from .qr import qr_png, qr_svg
from .quantities import VALUE_CATEGORIES, format_value, with_unit
from .site import TEMPLATES, SiteBase
from .sta import NotFound
from .timeutil import DAY_MS, iso

QR_MAX_AGE = "public, max-age=86400"


class PageRoutes(SiteBase):
    """The page handlers of the public site."""

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
