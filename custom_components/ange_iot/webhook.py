"""The HTTP push transport: the network server posts its events to HA's webhook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import hmac
from http import HTTPStatus

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads

from .care.dispenser import (
    DispenserEventError,
    DispenserEventInFutureError,
    DispenserEventOutOfOrderError,
)
from .care_runtime.manager import UnknownDispenserError
from .const import (
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    MAX_BODY_BYTES,
    WEBHOOK_SECRET_HEADER,
)
from .device import DownlinkPush
from .hub import Hub
from .rejections import Rejection

DISPENSER_EVENT_TYPE = "dispenser_event"


def _answer(status: HTTPStatus, message: str, **extra: object) -> web.Response:
    # HA's orjson-based encoder: the standard library's costs more than the rest of the answer.
    return web.json_response(
        {"status": status.value, "message": message, **extra}, status=status, dumps=json_dumps
    )


async def _read_limited(request: web.Request) -> bytes | None:
    """Read the body, or return None as soon as it grows past the limit."""
    if request.content_length is not None:
        if request.content_length > MAX_BODY_BYTES:
            return None
        # The announced length is what aiohttp reads, no more: one read, no chunk loop.
        return await request.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _downlink_push(request: web.Request) -> DownlinkPush | None:
    """The Things Stack's downlink address and key, sent along with each webhook call."""
    url = request.headers.get("X-Downlink-Push", "")
    key = request.headers.get("X-Downlink-Apikey", "")
    if url.startswith("https://") and key:
        return DownlinkPush(url=url, api_key=key)
    return None


def _dispenser_answer(hub: Hub, body: Mapping[str, object]) -> web.Response:
    """A medicine dispenser's event (README: "Medicine dispenser event API")."""
    try:
        event, applied = hub.care.handle_dispenser_event(body)
    except UnknownDispenserError:
        hub.reject(Rejection.UNKNOWN_DEVICE, None, "dispenser event for an unknown dispenser")
        return _answer(HTTPStatus.NOT_FOUND, "unknown dispenser")
    except (DispenserEventOutOfOrderError, DispenserEventInFutureError) as err:
        hub.reject(Rejection.MALFORMED_ENVELOPE, None, f"dispenser event refused: {err}")
        return _answer(HTTPStatus.CONFLICT, str(err))
    except DispenserEventError as err:
        hub.reject(Rejection.MALFORMED_ENVELOPE, None, f"invalid dispenser event: {err}")
        return _answer(HTTPStatus.BAD_REQUEST, str(err))
    return _answer(HTTPStatus.OK, "ok" if applied else "duplicate", event_id=event.event_id)


def _make_handler(
    hub: Hub,
) -> Callable[[HomeAssistant, str, web.Request], Awaitable[web.Response]]:
    secret = hub.entry.data[CONF_WEBHOOK_SECRET].encode()

    async def handle_webhook(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        given = request.headers.get(WEBHOOK_SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            hub.reject(Rejection.UNAUTHORIZED, None, f"missing or wrong {WEBHOOK_SECRET_HEADER} header")
            return _answer(HTTPStatus.UNAUTHORIZED, "missing or wrong secret")
        raw = await _read_limited(request)
        if raw is None:
            hub.reject(Rejection.OVERSIZE, None, f"body larger than {MAX_BODY_BYTES} bytes")
            return _answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        try:
            body = json_loads(raw)
        except ValueError as err:
            hub.reject(Rejection.MALFORMED_JSON, None, f"body is not JSON: {err}")
            return _answer(HTTPStatus.BAD_REQUEST, "body is not valid JSON")
        if not isinstance(body, dict):
            hub.reject(Rejection.MALFORMED_ENVELOPE, None, "body is not a JSON object")
            return _answer(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
        if body.get("type") == DISPENSER_EVENT_TYPE:
            return _dispenser_answer(hub, body)
        result = hub.handle_envelope(body, request.query.get("event"), _downlink_push(request))
        if any(reason is Rejection.MALFORMED_ENVELOPE for _, reason in result.rejected):
            return _answer(HTTPStatus.BAD_REQUEST, "not a valid network-server event")
        return _answer(
            HTTPStatus.OK,
            "ok",
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=[{"dev_eui": eui, "reason": reason.value} for eui, reason in result.rejected],
        )

    return handle_webhook


@callback
def async_register_webhook(hass: HomeAssistant, hub: Hub) -> None:
    """Register the hub's webhook; it is unregistered when the hub stops."""
    webhook_id = hub.entry.data[CONF_WEBHOOK_ID]
    webhook.async_register(
        hass,
        DOMAIN,
        f"Ånge IoT ({hub.entry.title})",
        webhook_id,
        _make_handler(hub),
        local_only=False,
        allowed_methods=["POST"],
    )
    hub.add_unsubscriber(lambda: webhook.async_unregister(hass, webhook_id))
