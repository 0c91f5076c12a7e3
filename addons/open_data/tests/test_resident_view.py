"""The pages read as a resident reads them, in a real browser (Debian's headless Chromium).

Each check is one of the defects a reading of the pages found: false precision, arrival
time shown as measurement time, "(1 mätningar)", chart dates as "11-30", the licence as a
bare URL, ice rows in the "Badtemperaturer" widget, and an admin page in one language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import re
from zoneinfo import ZoneInfo

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from .browser import CHROMIUM, browser
from .conftest import (
    CM,
    ICE,
    LAKE_BACKETJARN,
    LAKE_VOJEN,
    SNOW_DEPTH,
    WATER,
    ServiceFactory,
    public_url,
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium package is not installed"
)
SWEDISH_MONTHS = (
    "jan",
    "feb",
    "mars",
    "apr",
    "maj",
    "juni",
    "juli",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ARRIVAL_DELAY = timedelta(minutes=40)


def swedish_time(moment: datetime) -> str:
    local = moment.astimezone(STOCKHOLM)
    return f"{local.day} {SWEDISH_MONTHS[local.month - 1]} kl. {local:%H:%M}"


async def feed(hass: HomeAssistant) -> datetime:
    """A week of Backetjärn at 3-hour steps, each reading reaching HA 40 minutes late."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    measured = now
    for step in range(7 * 8, -1, -1):
        measured = now - timedelta(hours=3 * step) - ARRIVAL_DELAY
        value = 3.1875 + (step % 8) * 0.0625  # a probe's raw 1/16 °C steps
        hass.states.async_set(
            LAKE_BACKETJARN,
            str(value),
            {**WATER, "measured_at": measured.isoformat()},
            timestamp=(measured + ARRIVAL_DELAY).timestamp(),
        )
    # Vojen: one reading this week, and the ice on the lake.
    hass.states.async_set(LAKE_VOJEN, "4.04", WATER)
    hass.states.async_set(ICE, "23.4", CM)
    hass.states.async_set(SNOW_DEPTH, "35.4", CM)
    await async_wait_recording_done(hass)
    return measured


async def test_pages_read_right_in_swedish_and_english(
    hass: HomeAssistant, start_service: ServiceFactory
) -> None:
    last_measured = await feed(hass)
    service = await start_service()
    base = public_url(service)

    async with browser() as page:
        await page.open(f"{base}/places/backetjarn", wait_for="svg.chart")
        text = await page.text()
        chart = str(await page.evaluate("document.querySelector('svg.chart').textContent"))

        # Honest precision: 0.1 °C, never the probe's 1/16 °C steps.
        assert "3,2 °C" in text
        assert not re.search(r"\d,\d{2,} °C", text), text
        # Measured, not arrived.
        assert f"Uppmätt {swedish_time(last_measured)}" in text
        assert swedish_time(last_measured + ARRIVAL_DELAY) not in text
        # Dates the Swedish way in the chart: "30 nov", never "11-30".
        assert re.search(rf"\b\d{{1,2}} ({'|'.join(SWEDISH_MONTHS)})\b", chart), chart
        assert not re.search(r"\b\d\d-\d\d\b", chart + text)
        # The licence by name, with its link.
        assert "Licens: CC0 1.0 Universell" in text
        assert "creativecommons.org" not in text
        href = await page.evaluate("document.querySelector('a[rel=license]').href")
        assert href == "http://creativecommons.org/publicdomain/zero/1.0/"

        await page.open(f"{base}/places/vojen", wait_for="main h1")
        vojen = await page.text()
        assert "(1 mätning)" in vojen
        assert "mätningar)" not in vojen
        assert "4,0 °C" in vojen and "23 cm" in vojen

        await page.open(f"{base}/en/places/vojen", wait_for="main h1")
        english = await page.text()
        assert "(1 measurement)" in english and "measurements)" not in english
        assert "Licence: CC0 1.0 Universal" in english
        assert re.search(
            r"Measured \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec), \d\d:\d\d",
            english,
        )

        # The front page is "Badtemperaturer": water temperatures in its table, snow below.
        await page.open(f"{base}/", wait_for="main table")
        table = str(await page.evaluate("document.querySelector('main table').innerText"))
        table = table.replace("\N{NO-BREAK SPACE}", " ")
        assert "Istjocklek" not in table and "23 cm" not in table
        assert "4,0 °C" in table
        assert "35 cm" in await page.text()

        # The widget lists what its title says; ?category= chooses.
        await page.open(f"{base}/widget", wait_for="h1")
        widget = await page.text()
        assert widget.startswith("Badtemperaturer")
        assert "Istjocklek" not in widget and "23 cm" not in widget
        assert "3,2 °C" in widget and "4,0 °C" in widget
        await page.open(f"{base}/widget?category=ice", wait_for="h1")
        ice = await page.text()
        assert ice.startswith("Istjocklek")
        assert "23 cm" in ice and "°C" not in ice
        await page.open(f"{base}/widget?category=lake_temperature,ice&lang=en", wait_for="h1")
        assert (await page.text()).startswith("Bathing water temperatures and ice thickness")

        # The admin page, in both languages.
        admin = f"http://127.0.0.1:{service.admin_port}/"
        await page.open(admin, wait_for="h1")
        assert (await page.text()).startswith("Öppna data – vad som publiceras")
        await page.open(f"{admin}?lang=en", wait_for="h1")
        assert (await page.text()).startswith("Open data – what is published")

    async with browser(lang="en-GB") as page:
        await page.open(admin, wait_for="h1")
        assert (await page.text()).startswith("Open data – what is published")
