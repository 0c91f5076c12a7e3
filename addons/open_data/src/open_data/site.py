"""What the public site's parts share: its options and catalogue, the response cache, query checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import hashlib
import json

from aiohttp import web
import jinja2

from .catalog import Catalogue
from .odata import QueryError
from .options import CATEGORIES

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

JSON = "application/json"

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("open_data", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def error_response(status: int, message: str) -> web.Response:
    """A JSON error body with the HTTP status."""
    body = json.dumps({"code": status, "type": "error", "message": message})
    return web.Response(status=status, body=body.encode(), content_type=JSON)


def make_etag(body: bytes) -> str:
    """A strong ETag of a body."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class SiteBase:
    """The catalogue and options, and responses cached on the catalogue's version."""

    def __init__(self, catalogue: Catalogue) -> None:
        """Serve ``catalogue``."""
        self._catalogue = catalogue
        self._options = catalogue.options
        # (kind, origin, argument) -> (catalogue version, body, etag, content type)
        self._cache: dict[tuple[str, str, str], tuple[int, bytes, str, str]] = {}

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
            entry = (version, body, make_etag(body), content_type)
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
