"""Screenshots of the open-data pages for docs/images, in Swedish, on a phone-sized window.

``.venv/bin/python scripts/open_data_screenshots.py``

Runs the add-on's service without Home Assistant (its store filled with a week of readings
of the demo's places, with the place ids the demo generates), opens each page in headless
Chromium at 390 × 844 CSS pixels, waits for the page's main element and takes a full-page
screenshot:
- ``open_data_place_sv.png``: a place page (Badplats Backetjärn);
- ``open_data_lake_temperatures_sv.png``: the front page, "Badtemperaturer";
- ``open_data_widget_sv.png``: the widget.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys
import tempfile
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "addons" / "open_data" / "src"))
sys.path.insert(0, str(ROOT / "addons" / "open_data"))

# The add-on's package and its tests' browser helper, from their folders.
from open_data.options import parse_options  # noqa: E402
from open_data.service import OpenDataService  # noqa: E402
from open_data.timeutil import now_ms  # noqa: E402

from tests.browser import browser  # noqa: E402

IMAGES = ROOT / "docs" / "images"
HOUR_MS = 3_600_000
WATER = {"unit_of_measurement": "°C", "device_class": "temperature"}
CM = {"unit_of_measurement": "cm", "device_class": "distance"}

PLACES: list[dict[str, Any]] = [
    {
        "id": "badplats_backetjarn",
        "name_sv": "Badplats Backetjärn",
        "name_en": "Backetjärn bathing place",
        "latitude": 62.5166,
        "longitude": 15.6489,
        "category": "bathing_place",
        "description_sv": "Sandstrand med brygga och grillplats.",
        "description_en": "Sandy beach with a jetty and a barbecue area.",
        "entities": [
            "sensor.badplats_backetjarn_vattentemperatur",
            "number.isplats_backetjarn_istjocklek",
        ],
    },
    {
        "id": "badplats_vojen",
        "name_sv": "Badplats Vojen",
        "name_en": "Vojen bathing place",
        "latitude": 62.4957,
        "longitude": 15.5762,
        "category": "bathing_place",
        "entities": ["sensor.badplats_vojen_vattentemperatur"],
    },
    {
        "id": "badplats_borgsjo_strand",
        "name_sv": "Badplats Borgsjö strand",
        "name_en": "Borgsjö beach bathing place",
        "latitude": 62.5571,
        "longitude": 15.8003,
        "category": "bathing_place",
        "entities": ["sensor.badplats_borgsjo_strand_vattentemperatur"],
    },
    {
        "id": "snostation_ange",
        "name_sv": "Snöstation Ånge",
        "name_en": "Ånge snow station",
        "latitude": 62.5245,
        "longitude": 15.6601,
        "category": "snow_station",
        "entities": ["sensor.snostation_ange_snodjup"],
    },
]


async def fill(service: OpenDataService) -> None:
    """A week of hourly readings: lakes cooling towards ice, a little snow."""
    catalogue = service.catalogue
    end = now_ms() // HOUR_MS * HOUR_MS - 20 * 60_000
    lakes = {
        "sensor.badplats_backetjarn_vattentemperatur": 4.6,
        "sensor.badplats_vojen_vattentemperatur": 5.3,
        "sensor.badplats_borgsjo_strand_vattentemperatur": 4.1,
    }
    for entity_id, start in lakes.items():
        stream = await catalogue.accept(entity_id, WATER)
        assert stream is not None
        points = [
            (end - hour * HOUR_MS, start - 0.012 * (168 - hour) + 0.3 * ((hour % 24) / 24))
            for hour in range(168, -1, -1)
        ]
        await catalogue.record(stream, points)
    for entity_id, value in (
        ("number.isplats_backetjarn_istjocklek", 6.0),
        ("sensor.snostation_ange_snodjup", 12.0),
    ):
        stream = await catalogue.accept(entity_id, CM)
        assert stream is not None
        points = [(end - h * 12 * HOUR_MS, value - 0.4 * h) for h in range(14)]
        await catalogue.record(stream, points)


async def main() -> None:
    options = parse_options(
        {
            "ha_url": "http://127.0.0.1:9",
            "ha_token": "unused",
            "port": 0,
            "publisher_name": "Ånge kommun",
            "publisher_url": "https://www.ange.se",
            "contact_email": "oppnadata@ange.se",
            "places": PLACES,
        },
        environ={},
    )
    with tempfile.TemporaryDirectory() as data:
        service = OpenDataService(
            options,
            Path(data),
            admin_port=None,
            public_host="127.0.0.1",
            follow_home_assistant=False,
        )
        await service.start()
        try:
            await fill(service)
            base = f"http://127.0.0.1:{service.public_port}"
            async with browser() as page:
                for path, wait_for, name in (
                    ("/places/badplats_backetjarn", "svg.chart", "open_data_place_sv.png"),
                    ("/", "main table", "open_data_lake_temperatures_sv.png"),
                    ("/widget", "ul li", "open_data_widget_sv.png"),
                ):
                    await page.open(base + path, wait_for=wait_for)
                    # The widget lives in an iframe on another site: crop it to its content.
                    shot = await page.screenshot(IMAGES / name, content_only=path == "/widget")
                    print(shot)
        finally:
            await service.stop()


if __name__ == "__main__":
    asyncio.run(main())
