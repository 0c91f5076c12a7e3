"""A small Chrome DevTools Protocol client for headless Chromium: open a page, wait, read, shoot.

Chromium's ``--dump-dom`` and ``--screenshot`` take whatever is there at load; this waits
for an element first, reads the text a person sees (``innerText``), and takes full-page
screenshots at a phone's size. It needs only aiohttp and Debian's chromium package.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
import contextlib
import itertools
import json
from pathlib import Path
import re
import shutil
import tempfile
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


class Page:
    """One browser tab, driven over its DevTools WebSocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Drive the tab behind ``ws``."""
        self._ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result."""
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json(timeout=30)
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def open(self, url: str, wait_for: str, timeout: float = 20.0) -> None:
        """Load ``url`` and wait until ``wait_for`` (a CSS selector) is in the page."""
        await self.send("Page.navigate", url=url)
        selector = json.dumps(wait_for)
        async with asyncio.timeout(timeout):
            while not await self.evaluate(
                f"document.readyState === 'complete' && !!document.querySelector({selector})"
            ):
                await asyncio.sleep(0.05)

    async def text(self) -> str:
        """The page's text as a person reads it, on one line."""
        text = await self.evaluate("document.body.innerText")
        return re.sub(r"\s+", " ", str(text).replace("\N{NO-BREAK SPACE}", " "))

    async def screenshot(self, path: Path, *, content_only: bool = False) -> Path:
        """A full-page PNG at the emulated size; ``content_only`` crops below the body."""
        metrics = await self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        height = size["height"]
        if content_only:
            bottom = await self.evaluate("document.body.getBoundingClientRect().bottom")
            height = min(height, float(bottom) + 8)
        shot = await self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass


@contextlib.asynccontextmanager
async def browser(lang: str = "sv-SE", device: dict[str, Any] | None = None) -> AsyncIterator[Page]:
    """Headless Chromium with one tab; as root it needs --no-sandbox."""
    profile = tempfile.mkdtemp(prefix="open_data_chromium_")
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        f"--lang={lang}",
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    drain: asyncio.Task[None] | None = None
    try:
        assert process.stderr is not None
        async with asyncio.timeout(30):
            while True:
                line = (await process.stderr.readline()).decode()
                if not line:
                    raise RuntimeError("chromium exited before DevTools listened")
                if match := re.search(r"DevTools listening on (ws://\S+)", line):
                    port = int(re.search(r":(\d+)/", match.group(1)).group(1))  # type: ignore[union-attr]
                    break
        # Chromium keeps logging to stderr: read it, or a full pipe would stall the browser.
        drain = asyncio.create_task(_drain(process.stderr))
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with session.ws_connect(page_url, max_msg_size=0) as ws:
                page = Page(ws)
                await page.send("Page.enable")
                await page.send("Emulation.setDeviceMetricsOverride", **(device or PHONE))
                await page.send(
                    "Emulation.setUserAgentOverride",
                    userAgent="Mozilla/5.0 (Linux; Android 14) Mobile",
                    acceptLanguage=lang,
                )
                yield page
    finally:
        if drain is not None:
            drain.cancel()
        if process.returncode is None:
            process.kill()
        await process.wait()
        shutil.rmtree(profile, ignore_errors=True)
