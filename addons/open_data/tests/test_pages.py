"""The public pages in a real browser (Debian's headless Chromium), the widget and the QR codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import io
from pathlib import Path
import re
import shutil

import aiohttp
from homeassistant.core import HomeAssistant
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
import zxingcpp

from .conftest import (
    ADDON,
    CM,
    COUNT,
    LAKE_BACKETJARN,
    LAKE_BORGSJO,
    LAKE_VOJEN,
    SNOW_DEPTH,
    VISITORS_TODAY,
    WATER,
    ServiceFactory,
    public_url,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = ADDON / "test-output"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium package is not installed"
)


async def chromium(*args: str) -> bytes:
    """Run headless Chromium (as root it needs --no-sandbox) and return its stdout."""
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--lang=sv-SE",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    return stdout


def visible_text(dom: str) -> str:
    """The text of a DOM dump, roughly as a person reads it."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", body).replace("&nbsp;", " ").replace("\N{NO-BREAK SPACE}", " ")
    return re.sub(r"\s+", " ", text)


async def screenshot(url: str, name: str, tmp_path: Path, height: int = 1400) -> Path:
    target = tmp_path / name
    await chromium(f"--screenshot={target}", f"--window-size=1000,{height}", url)
    assert target.stat().st_size > 10_000
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(target, OUTPUT / name)
    return target


async def feed_a_week(hass: HomeAssistant) -> datetime:
    """Seven days of 3-hourly lake temperatures, a snow depth and a visitor count."""
    now = datetime.now(UTC)
    for step in range(7 * 8, -1, -1):
        moment = (now - timedelta(hours=3 * step)).timestamp()
        daily = (step % 8) / 4
        hass.states.async_set(LAKE_BACKETJARN, f"{17.0 + daily:.2f}", WATER, timestamp=moment)
        hass.states.async_set(LAKE_VOJEN, f"{15.0 + daily:.2f}", WATER, timestamp=moment)
    # Borgsjö's sensor went quiet two days ago: its page must warn.
    hass.states.async_set(
        LAKE_BORGSJO, "16.4", WATER, timestamp=(now - timedelta(days=2)).timestamp()
    )
    hass.states.async_set(SNOW_DEPTH, "35", CM)
    hass.states.async_set(VISITORS_TODAY, "128", COUNT)
    await async_wait_recording_done(hass)
    return now


@needs_chromium
async def test_pages_render_values_and_units_in_chromium(
    hass: HomeAssistant, start_service: ServiceFactory, tmp_path: Path
) -> None:
    await feed_a_week(hass)
    service = await start_service()
    base = public_url(service)

    listing = visible_text((await chromium("--dump-dom", f"{base}/")).decode())
    assert "Badtemperaturer" in listing
    assert re.search(r"Backetjärn badplats \d\d,\d °C", listing)
    assert "Vojen badplats 15,0 °C" in listing
    assert "Borgsjö strand 16,4 °C Inaktuellt" in listing
    assert "Snöstation Ånge" in listing and "35 cm" in listing
    await screenshot(f"{base}/", "bathing-places.png", tmp_path)

    place = visible_text((await chromium("--dump-dom", f"{base}/places/vojen")).decode())
    assert "Vojen badplats" in place
    assert "Vattentemperatur" in place
    assert "15,0 °C" in place
    assert "Uppmätt" in place
    assert "Vattentemperatur de senaste 7 dygnen" in place
    # The 7-day window starts after the oldest of the 57 values: 56 are charted.
    assert re.search(r"Lägst 15,0 °C, högst 16,8 °C, senast 15,0 °C \(56 mätningar\)", place), place
    assert "Varning" not in place
    await screenshot(f"{base}/places/vojen", "place-vojen.png", tmp_path, height=1600)

    stale = visible_text((await chromium("--dump-dom", f"{base}/places/borgsjo_strand")).decode())
    assert "Varning: senaste mätningen är äldre än 3 timmar" in stale

    english = visible_text((await chromium("--dump-dom", f"{base}/en/places/vojen")).decode())
    assert "Water temperature" in english and "15.0 °C" in english


async def test_pages_are_accessible_html(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    await feed_a_week(hass)
    service = await start_service()
    base = public_url(service)
    async with http.get(f"{base}/places/backetjarn") as response:
        html = await response.text()
    assert '<html lang="sv">' in html
    assert 'hreflang="en"' in html and 'lang="en"' in html
    # The chart has a text alternative: a title and description, and the data as a table.
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="ct-1 cd-1"', html)
    assert '<desc id="cd-1">Lägst' in html
    assert "<details>" in html and '<th scope="col">Tid</th>' in html
    assert 'class="skip" href="#main"' in html
    async with http.get(f"{base}/en/") as response:
        assert '<html lang="en">' in await response.text()
    async with http.get(f"{base}/places/nowhere") as response:
        assert response.status == 404
        assert "Platsen finns inte." in await response.text()


async def test_widget(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "18.4", WATER)
    service = await start_service()
    base = public_url(service)
    async with http.get(f"{base}/widget.js") as response:
        script = await response.text()
    assert response.content_type == "text/javascript"
    assert f'"{base}/widget"' in script and "iframe" in script and "f.title" in script
    async with http.get(f"{base}/widget?place=backetjarn&lang=en") as response:
        assert response.headers["Content-Security-Policy"] == "frame-ancestors *"
        widget = visible_text(await response.text())
    assert "Backetjärn bathing place" in widget and "18.4 °C" in widget
    # The script passes data-category on; an unknown category is a clear 400.
    assert "data-category" in script and "&category=" in script
    async with http.get(f"{base}/widget?category=sauna") as response:
        assert response.status == 400
        message = (await response.json())["message"]
    assert "lake_temperature" in message and "sauna" in message


@needs_chromium
async def test_qr_codes_lead_to_the_place_page(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    service = await start_service(public_url="https://data.ange.se")
    base = public_url(service)
    async with http.get(f"{base}/places/backetjarn/qr.png") as response:
        assert response.content_type == "image/png"
        png = await response.read()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [code.text for code in decoded] == ["https://data.ange.se/places/backetjarn"]

    async with http.get(f"{base}/places/backetjarn/qr.svg") as response:
        assert response.content_type == "image/svg+xml"
        svg = await response.text()
    assert "<title>QR-kod som leder till https://data.ange.se/places/backetjarn</title>" in svg
    # The printable page shows the SVG: decode it from what the browser draws.
    shot = await screenshot(
        f"{base}/places/backetjarn/qr", "qr-backetjarn.png", tmp_path, height=800
    )
    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert [code.text for code in decoded] == ["https://data.ange.se/places/backetjarn"]
