"""Home Assistant as the source: REST for states and history, WebSocket for changes.

Through the Supervisor the base URL is ``http://supervisor/core`` with SUPERVISOR_TOKEN;
local runs point it at any HA with a long-lived access token. Only configured entities are
ever asked for, and each one passes the care guard (``Catalogue.accept``) before any of its
values is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
import logging
from typing import Any

import aiohttp
from yarl import URL

from .catalog import Catalogue, Stream, parse_number
from .timeutil import DAY_MS, from_ms, parse_iso

_LOGGER = logging.getLogger(__name__)

_SUBSCRIPTION_ID = 1
# The ange_iot integration's attribute with the time a reading was measured (ISO 8601).
MEASURED_AT = "measured_at"
_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class SourceError(Exception):
    """Home Assistant answered in a way the add-on cannot use."""


def _ms(value: Any) -> int | None:
    """Milliseconds of an ISO 8601 text or an epoch-seconds number; None when it is neither."""
    try:
        if isinstance(value, str):
            return parse_iso(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(float(value) * 1000)
    except (ValueError, OverflowError):
        return None
    return None


def measured_ms(attributes: Mapping[str, Any], *fallbacks: Any) -> int | None:
    """When a value was measured: the ``measured_at`` attribute, else the first usable fallback.

    A gateway may deliver a reading minutes or hours after it was taken; HA's own times say
    when it arrived. Without the attribute the state's last_reported / last_updated is the
    best there is.
    """
    for candidate in (attributes.get(MEASURED_AT), *fallbacks):
        ms = _ms(candidate)
        if ms is not None:
            return ms
    return None


class HomeAssistantSource:
    """Keeps the catalogue in step with Home Assistant, reconnecting as needed."""

    def __init__(self, catalogue: Catalogue, session: aiohttp.ClientSession) -> None:
        """Use ``session`` for every request; the URL and token come from the options."""
        self._catalogue = catalogue
        self._session = session
        options = catalogue.options
        self._base = URL(options.ha_url)
        self._headers = {"Authorization": f"Bearer {options.ha_token}"}
        ws_scheme = "wss" if self._base.scheme == "https" else "ws"
        self._ws_url = self._base.with_scheme(ws_scheme) / "api" / "websocket"
        self._attributes: dict[str, dict[str, Any]] = {}
        self._states: dict[str, Any] = {}
        self.synced = asyncio.Event()

    async def run(self) -> None:
        """Follow HA until cancelled; each failure is logged once and retried with backoff."""
        failures = 0
        while True:
            try:
                await self.sync()
                failures = 0
            except (aiohttp.ClientError, TimeoutError, SourceError) as err:
                message = str(err) or type(err).__name__
                if self._catalogue.ha.last_error != message:
                    _LOGGER.warning("Home Assistant connection: %s; retrying", message)
                self._catalogue.ha.last_error = message
            finally:
                self._catalogue.ha.connected = False
            delay = _BACKOFF[min(failures, len(_BACKOFF) - 1)]
            failures += 1
            await asyncio.sleep(delay)

    async def sync(self) -> None:
        """One connection: read states, backfill history, then follow changes until it drops."""
        current = await self._read_states()
        # History first: the backfill starts after the newest stored value, and the current
        # state is newer than everything the recorder kept before it.
        for entity_id in list(self._catalogue.by_entity):
            await self._backfill(entity_id)
        for stream, state, changed in current:
            await self._record_state(stream, state, changed)
        await self._follow()

    async def _get(self, url: URL) -> Any:
        async with self._session.get(
            url, headers=self._headers, timeout=aiohttp.ClientTimeout(total=60)
        ) as response:
            if response.status == 401:
                raise SourceError("Home Assistant refused the token (401)")
            if response.status != 200:
                raise SourceError(f"{url.path} answered HTTP {response.status}")
            return await response.json()

    async def _read_states(self) -> list[tuple[Stream, Any, Any]]:
        """Run the care guard on every configured entity; returns the publishable states."""
        states = await self._get(self._base / "api" / "states")
        if not isinstance(states, list):
            raise SourceError("/api/states did not return a list")
        current: list[tuple[Stream, Any, Any]] = []
        for state in states:
            if not isinstance(state, Mapping):
                continue
            entity_id = state.get("entity_id")
            if not isinstance(entity_id, str) or not self._catalogue.configured(entity_id):
                continue
            attributes = state.get("attributes")
            attributes = dict(attributes) if isinstance(attributes, Mapping) else {}
            self._attributes[entity_id] = attributes
            stream = await self._catalogue.accept(entity_id, attributes)
            if stream is not None:
                self._states[entity_id] = state.get("state")
                measured = measured_ms(
                    attributes,
                    state.get("last_reported"),
                    state.get("last_updated"),
                    state.get("last_changed"),
                )
                current.append((stream, state.get("state"), measured))
        return current

    async def _record_state(self, stream: Stream, state: Any, measured: int | None) -> None:
        value = parse_number(state)
        if value is None or measured is None:
            return
        await self._catalogue.record(stream, [(measured, value)])

    async def _backfill(self, entity_id: str) -> None:
        """Fetch what HA's recorder kept since the newest stored value (or the retention)."""
        stream = self._catalogue.by_entity.get(entity_id)
        if stream is None:
            return
        now = self._catalogue.clock()
        oldest = now - self._catalogue.options.retention_days * DAY_MS
        last = await self._catalogue.store.last_time(stream.id)
        start = max(oldest, last if last is not None else oldest)
        url = (self._base / "api" / "history" / "period" / from_ms(start).isoformat()).with_query(
            {
                "filter_entity_id": entity_id,
                "end_time": (from_ms(now) + timedelta(minutes=1)).isoformat(),
                # Attributes are needed: each state's measured_at is its real time.
                "significant_changes_only": "0",
            }
        )
        history = await self._get(url)
        points: list[tuple[int, float]] = []
        for series in history if isinstance(history, list) else []:
            for item in series if isinstance(series, list) else []:
                if not isinstance(item, Mapping):
                    continue
                value = parse_number(item.get("state"))
                attributes = item.get("attributes")
                measured = measured_ms(
                    attributes if isinstance(attributes, Mapping) else {},
                    item.get("last_reported"),
                    item.get("last_updated"),
                    item.get("last_changed"),
                )
                if value is not None and measured is not None:
                    points.append((measured, value))
        added = await self._catalogue.record(stream, points)
        if added:
            _LOGGER.info(
                "Backfilled %d values of %s from Home Assistant's history", added, entity_id
            )

    async def _follow(self) -> None:
        async with self._session.ws_connect(self._ws_url, heartbeat=30, max_msg_size=0) as ws:
            await self._authenticate(ws)
            await ws.send_json(
                {
                    "id": _SUBSCRIPTION_ID,
                    "type": "subscribe_entities",
                    "entity_ids": self._catalogue.subscribable(),
                }
            )
            self._catalogue.ha.connected = True
            self._catalogue.ha.last_error = ""
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = message.json()
                if data.get("id") != _SUBSCRIPTION_ID:
                    continue
                if data.get("type") == "result":
                    if not data.get("success"):
                        raise SourceError("Home Assistant refused subscribe_entities")
                    continue
                event = data.get("event")
                if data.get("type") == "event" and isinstance(event, Mapping):
                    await self._on_event(event)
                    self.synced.set()

    async def _authenticate(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        hello = await ws.receive_json(timeout=30)
        if hello.get("type") != "auth_required":
            raise SourceError("unexpected WebSocket greeting")
        await ws.send_json({"type": "auth", "access_token": self._catalogue.options.ha_token})
        answer = await ws.receive_json(timeout=30)
        if answer.get("type") != "auth_ok":
            raise SourceError("Home Assistant refused the token on the WebSocket")

    async def _on_event(self, event: Mapping[str, Any]) -> None:
        """Apply a subscribe_entities event: a = full states, c = changes, r = removed."""
        catalogue = self._catalogue
        catalogue.ha.last_event_ms = catalogue.clock()
        added = event.get("a")
        if isinstance(added, Mapping):
            for entity_id, compressed in added.items():
                if not isinstance(compressed, Mapping):
                    continue
                attributes = compressed.get("a")
                self._attributes[entity_id] = (
                    dict(attributes) if isinstance(attributes, Mapping) else {}
                )
                was_published = entity_id in catalogue.by_entity
                stream = await catalogue.accept(entity_id, self._attributes[entity_id])
                if stream is None:
                    continue
                if not was_published:
                    # An entity that appeared after start: fetch what the recorder has of it.
                    await self._backfill_quietly(entity_id)
                self._states[entity_id] = compressed.get("s")
                measured = measured_ms(
                    self._attributes[entity_id], compressed.get("lu"), compressed.get("lc")
                )
                await self._record_state(stream, compressed.get("s"), measured)
        changed = event.get("c")
        if isinstance(changed, Mapping):
            for entity_id, diff in changed.items():
                if isinstance(diff, Mapping):
                    await self._apply_diff(entity_id, diff)

    async def _apply_diff(self, entity_id: str, diff: Mapping[str, Any]) -> None:
        attributes = self._attributes.setdefault(entity_id, {})
        plus = diff.get("+")
        minus = diff.get("-")
        if isinstance(minus, Mapping) and isinstance(minus.get("a"), list):
            for key in minus["a"]:
                attributes.pop(key, None)
        if isinstance(plus, Mapping) and isinstance(plus.get("a"), Mapping):
            attributes.update(plus["a"])
        stream = await self._catalogue.accept(entity_id, attributes)
        if stream is None or not isinstance(plus, Mapping):
            return
        if "s" in plus:
            self._states[entity_id] = plus["s"]
        # A new reading with the same value changes only measured_at: it is a new observation.
        new_reading = "s" in plus or (
            isinstance(plus.get("a"), Mapping) and MEASURED_AT in plus["a"]
        )
        if not new_reading:
            return
        measured = measured_ms(attributes, plus.get("lu"), plus.get("lc"))
        await self._record_state(stream, self._states.get(entity_id), measured)

    async def _backfill_quietly(self, entity_id: str) -> None:
        try:
            await self._backfill(entity_id)
        except (aiohttp.ClientError, TimeoutError, SourceError) as err:
            _LOGGER.warning("Could not backfill %s: %s", entity_id, err)
