"""The demo's simulated safety camera: a JPEG still per request, only with its login."""

from __future__ import annotations

import base64

from aiohttp.test_utils import TestClient, TestServer
import pytest

from scripts import camera_simulator


def _basic(username: str, password: str) -> dict[str, str]:
    """RFC 7617 basic authentication, as a camera client sends it."""
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.mark.usefixtures("socket_enabled")
async def test_the_demo_camera_serves_fresh_jpegs_behind_basic_auth() -> None:
    client = TestClient(TestServer(camera_simulator.make_app("R1"), host="127.0.0.1"))
    await client.start_server()
    try:
        assert (await client.get(camera_simulator.PATH)).status == 401
        wrong = _basic(camera_simulator.USERNAME, "fel")
        assert (await client.get(camera_simulator.PATH, headers=wrong)).status == 401
        login = _basic(camera_simulator.USERNAME, camera_simulator.PASSWORD)
        answer = await client.get(camera_simulator.PATH, headers=login)
        assert answer.status == 200
        assert answer.content_type == "image/jpeg"
        assert answer.headers["Cache-Control"] == "no-store"
        assert (await answer.read()).startswith(b"\xff\xd8\xff")
    finally:
        await client.close()
    assert camera_simulator.still_image_url() == "http://127.0.0.1:8124/snapshot.jpg"
