"""Take the README's screenshots from a running `scripts/demo`, in headless Chromium.

Usage: start `scripts/demo`, then `.venv/bin/python -m scripts.screenshots`. The pictures go
to docs/images/. Chromium is driven through its DevTools protocol, logged in by handing the
frontend a long-lived token the way it stores its own.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
from pathlib import Path
import shutil
import subprocess
import tempfile
import time
from typing import Any

import aiohttp

from scripts.demo_setup import CLIENT_ID, Api, Websocket, log_in

BASE = "http://localhost:8123"
DEBUG_PORT = 9333
# Each picture: the page, then the points to click (in a 1280x800 window) before the shot.
PAGES: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {
    "integration": ("/config/integrations/integration/ange_iot", ()),
    # "Add" on the discovered device opens its confirmation form.
    "discovered": ("/config/integrations/integration/ange_iot", ((1210, 192),)),
    # Confirm "set up Ånge IoT?", then choose a new hub rather than the discovered device.
    "add_hub": ("/config/integrations/dashboard/add?domain=ange_iot", ((824, 437), (640, 276))),
    # Submit the defaults: the last step shows what to paste into ChirpStack.
    "finish": (
        "/config/integrations/dashboard/add?domain=ange_iot",
        ((824, 437), (640, 276), (890, 706)),
    ),
}


class DevTools:
    """The smallest DevTools-protocol client that can navigate, run JS and take a picture."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, skipping events."""
        self._id += 1
        await self._ws.send_json({"id": self._id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def click(self, x: int, y: int) -> None:
        """Click the left mouse button at a point of the viewport."""
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
            )

    async def shot(self, path: Path) -> None:
        """Save the viewport as PNG."""
        picture = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(picture["data"]))


async def _token(session: aiohttp.ClientSession) -> str:
    api = Api(session, BASE)
    api.token = await log_in(api)
    async with Websocket(api) as ws:
        token = await ws.call(
            "auth/long_lived_access_token", client_name=f"screenshots {time.time():.0f}", lifespan=1
        )
    return str(token)


async def _page_socket(session: aiohttp.ClientSession) -> str:
    for _ in range(50):
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{DEBUG_PORT}/json/list") as response:
                pages = [p for p in await response.json() if p.get("type") == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
        await asyncio.sleep(0.2)
    raise RuntimeError("Chromium did not open its DevTools port")


async def take(out: Path, language: str, width: int, height: int) -> list[Path]:
    """Log in and save one picture per page; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="ange-shots-")
    chromium = subprocess.Popen(
        [
            shutil.which("chromium") or "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={DEBUG_PORT}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved: list[Path] = []
    try:
        async with aiohttp.ClientSession() as session:
            token = await _token(session)
            async with session.ws_connect(await _page_socket(session), max_msg_size=0) as ws:
                tools = DevTools(ws)
                await tools.call("Page.enable")
                await tools.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                await tools.call("Page.navigate", url=BASE + "/")
                await asyncio.sleep(2)
                stored = {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": 315360000,
                    "hassUrl": BASE,
                    "clientId": CLIENT_ID,
                    "expires": int(time.time() * 1000) + 315360000 * 1000,
                    "refresh_token": "",
                }
                script = (
                    f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(stored))});"
                    f"localStorage.setItem('selectedLanguage', {json.dumps(json.dumps(language))});"
                )
                await tools.call("Runtime.evaluate", expression=script)
                for name, (path, clicks) in PAGES.items():
                    await tools.call("Page.navigate", url=BASE + path)
                    await asyncio.sleep(6)
                    for x, y in clicks:
                        await tools.click(x, y)
                        await asyncio.sleep(3)
                    target = out / f"{name}_{language}.png"
                    await tools.shot(target)
                    saved.append(target)
    finally:
        chromium.terminate()
        chromium.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    return saved


def main() -> None:
    """Parse arguments and take the pictures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--language", default="en")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()
    for path in asyncio.run(take(args.out, args.language, args.width, args.height)):
        print(path)


if __name__ == "__main__":
    main()
