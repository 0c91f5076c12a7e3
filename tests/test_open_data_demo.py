"""The demo's open-data options: the public places and only public entities."""

from __future__ import annotations

import json
from pathlib import Path

from custom_components.ange_iot.const import DOMAIN
from scripts.lorawan_simulator import demo_devices
from scripts.open_data_demo import places, write_options


def test_public_places_of_the_demo(tmp_path: Path) -> None:
    devices = demo_devices()
    # Every device's readings as the integration names them (unique id -> entity id).
    entity_ids = {
        f"{device.dev_eui}_{key}": f"sensor.{DOMAIN}_{device.dev_eui}_{key}"
        for device in devices
        for key in ("water_temperature", "snow_depth", "visitors_today", "visitors_season", "occupancy")
    }
    ice = ["number.isplats_vojen_istjocklek", "number.isplats_backetjarn_istjocklek"]
    found = places(devices, entity_ids, ice)
    assert sorted(place["category"] for place in found) == [
        "bathing_place", "bathing_place", "bathing_place", "snow_station", "snow_station", "trail",
    ]
    backetjarn = next(place for place in found if place["name_sv"] == "Badplats Backetjärn")
    assert backetjarn["id"] == "badplats_backetjarn"
    assert backetjarn["name_en"] == "Backetjärn bathing place"
    assert backetjarn["entities"] == [
        entity_ids["a81758fffe0d7a11_water_temperature"],
        "number.isplats_backetjarn_istjocklek",
    ]
    care_euis = {device.dev_eui for device in devices if device.care_unit}
    published = {entity for place in found for entity in place["entities"]}
    assert not any(eui in entity for eui in care_euis for entity in published)

    path = tmp_path / "open_data" / "options.json"
    write_options(path, "http://localhost:8123", "token", found)
    options = json.loads(path.read_text(encoding="utf-8"))
    assert options["places"] == found
    assert path.stat().st_mode & 0o077 == 0  # it holds a token
