"""Screenshots of the safety-camera card, on a phone-sized page, without a running HA.

The card's own file (custom_components/ange_iot/frontend/ange-care-camera-card.js) runs in
headless Chromium against a stand-in for the frontend's ``hass`` object: its room list is
what ``GET /api/ange_iot/care_camera`` answers, and its images come from the demo's
simulated camera (scripts/camera_simulator.py). So the pictures show the real card code;
the HA page around it is left out. Output: docs/images/care_camera_<list|look>_<sv|en>.png.

Usage: ``.venv/bin/python -m scripts.camera_card_screenshots``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
import shutil

from aiohttp import web
from playwright.async_api import async_playwright

from scripts.camera_simulator import frame

ROOT = Path(__file__).parent.parent
CARD = ROOT / "custom_components/ange_iot/frontend/ange-care-camera-card.js"
OUT = ROOT / "docs/images"

PAGE = """<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { margin: 0; padding: 12px; background: #fafafa; font-family: Roboto, sans-serif;
         --primary-color: #03a9f4; --divider-color: #e0e0e0; --secondary-text-color: #727272;
         --error-color: #db4437; --text-primary-color: #fff; }
  ha-card { display: block; background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
</style></head>
<body><ange-care-camera-card id="card"></ange-care-camera-card>
<script type="module">
  await import("/card.js");
  const query = new URLSearchParams(location.search);
  const lang = query.get("lang");
  const lookSeconds = Number(query.get("look") || 42);
  window.fetches = [];
  const minutes = (m) => new Date(Date.now() + m * 60000).toISOString();
  const clock = (m) => new Date(Date.now() + m * 60000).toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" });
  // A window is its check time +- 10 minutes; ``at`` is the check, in minutes from now.
  const room = (code, at, consent = "active") => ({
    care_unit: "SOL-2", room: code, consent, window_open: at - 10 <= 0 && at + 10 > 0,
    window_start: minutes(at - 10), window_end: minutes(at + 10), check: clock(at), look_open: false, look: null,
  });
  const hass = {
    language: lang,
    callApi: async () => ({ now: new Date().toISOString(), rooms: [
      room("R1", 4), room("R2", 184), room("R3", 184, "none"),
    ] }),
    connection: { sendMessagePromise: async () => ({ response: {
      look_id: "demo", care_unit: "SOL-2", room: "R1", ends_at: new Date(Date.now() + lookSeconds * 1000).toISOString(),
      image_path: "/frame.jpg" } }) },
    fetchWithAuth: (path, options) => { window.fetches.push([path, options.cache]); return fetch(path, options); },
    callService: async () => ({}),
  };
  const card = document.getElementById("card");
  card.setConfig({ care_unit: "SOL-2" });
  card.hass = hass;
</script></body></html>
"""


async def serve_harness(port: int = 8125) -> web.AppRunner:
    """The card on a page of its own, with the stand-in ``hass`` and a simulated camera."""

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def card(_request: web.Request) -> web.Response:
        return web.Response(text=CARD.read_text(encoding="utf-8"), content_type="application/javascript")

    async def still(_request: web.Request) -> web.Response:
        return web.Response(body=frame(datetime.now().astimezone(), "R1"), content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/card.js", card)
    app.router.add_get("/frame.jpg", still)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def main() -> None:
    runner = await serve_harness()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium)
            for language in ("sv", "en"):
                page = await browser.new_page(viewport={"width": 390, "height": 640}, device_scale_factor=2)
                await page.goto(f"http://127.0.0.1:8125/?lang={language}")
                button = page.locator("ange-care-camera-card button").first
                await button.wait_for()
                await page.wait_for_timeout(300)
                await page.locator("ange-care-camera-card").screenshot(path=str(OUT / f"care_camera_list_{language}.png"))
                await button.click()
                await page.locator("ange-care-camera-card img").wait_for()
                await page.wait_for_timeout(1500)
                await page.locator("ange-care-camera-card").screenshot(path=str(OUT / f"care_camera_look_{language}.png"))
                await page.close()
            await browser.close()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
