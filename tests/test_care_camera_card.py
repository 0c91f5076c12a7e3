"""The safety-camera card in headless Chromium: Titta only in a window, images as blob URLs.

The card's own file runs against a stand-in for the frontend's ``hass`` object (the room
list the status view answers, images from the demo's simulated camera), from
scripts/camera_card_screenshots.py. Skipped where Chromium or Playwright is missing.
"""

from __future__ import annotations

import shutil

import pytest

from scripts.camera_card_screenshots import serve_harness

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(("language", "look", "end"), [("sv", "Titta", "Titten är avslutad."), ("en", "Look", "The look has ended.")])
async def test_titta_only_in_a_window_and_the_image_is_never_cached(language: str, look: str, end: str) -> None:
    # Port 0: any free port, so parallel runs of this test do not collide.
    runner = await serve_harness(0)
    port = runner.addresses[0][1]
    try:
        async with playwright_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = await browser.new_page(viewport={"width": 390, "height": 700})
            await page.goto(f"http://127.0.0.1:{port}/?lang={language}&look=3")
            buttons = page.locator("ange-care-camera-card button")
            await buttons.first.wait_for()
            assert await buttons.all_inner_texts() == [look, look, look]
            # R1's window is open; R2's is hours away; R3 has no camera consent.
            assert [await button.is_enabled() for button in await buttons.all()] == [True, False, False]

            await buttons.first.click()
            image = page.locator("ange-care-camera-card img")
            await image.wait_for()
            assert (await image.get_attribute("src") or "").startswith("blob:")
            fetches = await page.evaluate("window.fetches")
            assert fetches
            assert all(entry == ["/frame.jpg", "no-store"] for entry in fetches)

            # The look's time runs out: the image goes and the card says so.
            await page.locator("ange-care-camera-card #msg", has_text=end).wait_for(timeout=10_000)
            assert await image.count() == 0
            await browser.close()
    finally:
        await runner.cleanup()
