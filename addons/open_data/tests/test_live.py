"""Live values: the newest observation from memory, and the Server-Sent Events feed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
import threading
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant

from open_data.live import LiveFeed

from .conftest import (
    CM,
    LAKE_BACKETJARN,
    LAKE_VOJEN,
    SNOW_DEPTH,
    WATER,
    ServiceFactory,
    public_url,
    wait_for,
)

NEWEST = "$top=1&$orderby=phenomenonTime%20desc"


async def datastream_id(http: aiohttp.ClientSession, base: str, entity_id: str) -> int:
    async with http.get(f"{base}/sta/v1.1/Datastreams") as response:
        streams = (await response.json())["value"]
    return next(s["@iot.id"] for s in streams if s["properties"]["entity_id"] == entity_id)


async def read_events(
    response: aiohttp.ClientResponse, count: int, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The next ``count`` observation events of an SSE response."""
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while len(events) < count:
            line = (await response.content.readline()).decode()
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


async def test_newest_observation_comes_from_memory(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    for step, value in enumerate(("14.0", "14.5", "15.2")):
        moment = (start + timedelta(hours=step)).timestamp()
        hass.states.async_set(LAKE_BACKETJARN, value, WATER, timestamp=moment)
    service = await start_service()
    base = public_url(service)
    stream = await datastream_id(http, base, LAKE_BACKETJARN)
    url = f"{base}/sta/v1.1/Datastreams({stream})/Observations"

    async with http.get(f"{url}?{NEWEST}") as response:
        assert response.status == 200
        cached = await response.json()
    # The same query through SQL ($skip=0 takes the general path) gives the same document.
    async with http.get(f"{url}?{NEWEST}&$skip=0") as response:
        from_sql = await response.json()
    assert cached["value"] == from_sql["value"]
    assert [o["result"] for o in cached["value"]] == [15.2]
    assert cached["@iot.nextLink"].endswith("$top=1&$skip=1")

    # With the store busy (its one worker thread blocked), the newest value still answers.
    release = threading.Event()
    busy = asyncio.get_running_loop().run_in_executor(service.store._executor, release.wait)
    try:
        async with asyncio.timeout(5), http.get(f"{url}?{NEWEST}") as response:
            assert (await response.json())["value"] == cached["value"]
    finally:
        release.set()
        await busy

    hass.states.async_set(LAKE_BACKETJARN, "16.0", WATER)

    async def moved_on() -> bool:
        async with http.get(f"{url}?{NEWEST}") as response:
            return [o["result"] for o in (await response.json())["value"]] == [16.0]

    await wait_for(moved_on)


async def test_stream_pushes_each_new_observation(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    hass.states.async_set(LAKE_BACKETJARN, "17.5", {**WATER, "measured_at": hour_ago.isoformat()})
    hass.states.async_set(SNOW_DEPTH, "35", CM)
    service = await start_service()
    base = public_url(service)

    async with http.get(f"{base}/api/v1/latest/stream?category=bathing_place") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        # First the current values of the category (no snow: it is not a bathing place).
        current = await read_events(response, 1)
        assert [(e["entity_id"], e["value"]) for e in current] == [(LAKE_BACKETJARN, 17.5)]

        measured = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
        hass.states.async_set(
            LAKE_BACKETJARN, "17.8125", {**WATER, "measured_at": measured.isoformat()}
        )
        hass.states.async_set(SNOW_DEPTH, "36", CM)
        hass.states.async_set(LAKE_VOJEN, "15.0", WATER)
        pushed = await read_events(response, 2)
    by_entity = {event["entity_id"]: event for event in pushed}
    assert set(by_entity) == {LAKE_BACKETJARN, LAKE_VOJEN}
    assert by_entity[LAKE_BACKETJARN]["value"] == 17.8
    assert by_entity[LAKE_BACKETJARN]["time"] == measured.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by_entity[LAKE_BACKETJARN]["newest"] is True

    # A reading that reaches HA late (measured before the newest) is pushed, marked as such.
    async with http.get(f"{base}/api/v1/latest/stream?category=bathing_place") as response:
        await read_events(response, 2)
        late = hour_ago + timedelta(minutes=10)
        hass.states.async_set(LAKE_BACKETJARN, "17.6", {**WATER, "measured_at": late.isoformat()})
        (event,) = await read_events(response, 1)
    assert (event["value"], event["newest"]) == (17.6, False)
    async with http.get(f"{base}/api/v1/latest.json") as latest:
        rows = {row["entity_id"]: row for row in (await latest.json())["datastreams"]}
    assert rows[LAKE_BACKETJARN]["value"] == 17.8


async def test_stream_clients_end_when_the_service_stops(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    service = await start_service()
    base = public_url(service)
    async with http.get(f"{base}/api/v1/latest/stream") as response:
        await read_events(response, 1)
        assert service.public.feed.clients == 1
        async with asyncio.timeout(10):
            await service.stop()
            assert (await response.content.read()).strip() == b""  # the stream ended


async def test_feed_keeps_a_bounded_backlog() -> None:
    """However many events pass, the feed keeps at most twice its backlog, in order."""
    feed = LiveFeed(backlog=10)
    for n in range(100):
        feed.publish("bathing_place", {"n": n})
    behind = await feed.after(0, timeout=0.01)
    assert 10 <= len(behind) <= 20
    assert [e.seq for e in behind] == list(range(behind[0].seq, 101))
    assert [e.seq for e in await feed.after(97, timeout=0.01)] == [98, 99, 100]
    # Up to date: it waits, then returns nothing.
    assert await feed.after(100, timeout=0.01) == []
    waiter = asyncio.ensure_future(feed.after(100, timeout=5))
    await asyncio.sleep(0)
    feed.publish("trail", {"n": 100})
    assert [e.seq for e in await waiter] == [101]
