"""The HTTP receiver (secret, errors, 200 only after commit) and the ingress page."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import aiohttp

from conftest import Broker, Collector, chirpstack_up, free_port, options_for, tts_up, wait_until

SECRET = "s3cret-for-tests"


async def _receiver(bridge_factory: Any, downstream: Broker, tmp_path: Any) -> tuple[Any, str]:
    port = free_port()
    bridge = await bridge_factory(
        options_for(None, downstream, http_port=port, http_secret=SECRET), data=tmp_path / "data"
    )
    return bridge, f"http://127.0.0.1:{port}"


async def test_secret_and_body_checks(
    downstream: Broker, bridge_factory: Any, tmp_path: Any
) -> None:
    bridge, url = await _receiver(bridge_factory, downstream, tmp_path)
    _, body = chirpstack_up("0011223344556677", 1)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/push?event=up", data=body) as resp:
            assert resp.status == 401
        async with http.post(
            f"{url}/push?event=up", data=body, headers={"X-Ange-Iot-Secret": "wrong"}
        ) as resp:
            assert resp.status == 401
        headers = {"X-Ange-Iot-Secret": SECRET}
        async with http.post(f"{url}/push?event=up", data=b"{oops", headers=headers) as resp:
            assert resp.status == 400
        async with http.post(f"{url}/push?event=up", data=b'{"fCnt": 1}', headers=headers) as resp:
            assert resp.status == 400  # no DevEUI: JSON, but not an event
        big = b'{"pad": "' + b"z" * (1024 * 1024) + b'"}'
        async with http.post(f"{url}/push?event=up", data=big, headers=headers) as resp:
            assert resp.status == 413
        async with http.post(f"{url}/push/nonsense", data=body, headers=headers) as resp:
            assert resp.status == 404
    assert bridge.stats.invalid == 3
    assert bridge.stats.received == 0


async def test_200_only_after_the_event_is_committed(
    downstream: Broker, collector: Collector, bridge_factory: Any, tmp_path: Any
) -> None:
    bridge, url = await _receiver(bridge_factory, downstream, tmp_path)
    db = sqlite3.connect(bridge.store.path, isolation_level=None, timeout=30)
    _, body = chirpstack_up("0011223344556677", 42)
    headers = {"X-Ange-Iot-Secret": SECRET}
    # Hold the database's write lock: the bridge cannot commit, so it must not answer.
    db.execute("BEGIN IMMEDIATE")
    async with aiohttp.ClientSession() as http:
        request = asyncio.create_task(http.post(f"{url}/push?event=up", data=body, headers=headers))
        await asyncio.sleep(0.7)
        assert not request.done()
        db.execute("COMMIT")
        resp = await asyncio.wait_for(request, 15)
        assert resp.status == 200
        assert await resp.json() == {"queued": True, "duplicate": False}
        # The answer came after the commit: the row (or its forwarding) is on disk.
        assert bridge.stats.received == 1
        resp.release()
        async with http.post(f"{url}/push?event=up", data=body, headers=headers) as again:
            assert again.status == 200
            assert await again.json() == {"queued": False, "duplicate": True}
    await wait_until(lambda: collector.payloads() == [body])
    db.close()


async def test_tts_and_generic_pushes_are_forwarded(
    downstream: Broker, collector: Collector, bridge_factory: Any, tmp_path: Any
) -> None:
    _, url = await _receiver(bridge_factory, downstream, tmp_path)
    _, tts = tts_up("70B3D57ED0000002", 3)
    generic = json.dumps({"devEui": "0102030405060708", "fPort": 1, "data": "AA=="}).encode()
    headers = {"X-Ange-Iot-Secret": SECRET}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/push/tts", data=tts, headers=headers) as resp:
            assert resp.status == 200
        async with http.post(f"{url}/push/generic", data=generic, headers=headers) as resp:
            assert resp.status == 200
    await wait_until(lambda: len(collector.payloads()) == 2)
    assert collector.payloads("ange_iot/tts/70b3d57ed0000002/up") == [tts]
    assert collector.payloads("ange_iot/generic/0102030405060708/up") == [generic]


async def test_health_and_status_page_behind_ingress(
    upstream: Broker, downstream: Broker, bridge_factory: Any
) -> None:
    port = free_port()
    bridge = await bridge_factory(options_for(upstream, downstream), ingress_port=port)
    await wait_until(lambda: bridge.stats.upstream_connected and bridge.stats.downstream_connected)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/health") as resp:
            health = await resp.json()
        assert resp.status == 200
        assert health["status"] == "ok"
        assert {
            "received",
            "forwarded",
            "queued",
            "invalid",
            "dropped",
            "oldest_queued_age_s",
        } <= set(health)
        ingress = {"X-Ingress-Path": "/api/hassio_ingress/abc123"}
        async with http.get(
            f"http://127.0.0.1:{port}/", headers=ingress | {"Accept-Language": "sv-SE,sv;q=0.9"}
        ) as resp:
            page = await resp.text()
        assert 'lang="sv"' in page and "Händelser i kön" in page
        assert 'href="/api/hassio_ingress/abc123/health"' in page
        async with http.get(f"http://127.0.0.1:{port}/?lang=en", headers=ingress) as resp:
            page = await resp.text()
        assert 'lang="en"' in page and "Events in the queue" in page
        assert 'href="/api/hassio_ingress/abc123/?lang=sv"' in page

    downstream.stop()
    await wait_until(lambda: not bridge.stats.downstream_connected)
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/health") as resp:
        assert resp.status == 200  # still working: it queues
        assert (await resp.json())["status"] == "degraded"
