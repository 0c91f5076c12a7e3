"""Options for the open-data service in the demo: the demo's public places and their entities.

The service reads Home Assistant like the add-on does, with a long-lived token, and
publishes only the entities listed here: the lakes, snow stations and trail counter.
Care devices are never listed (and would be refused anyway).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime
import json
import os
from pathlib import Path
import sys
from typing import Any, Final
import unicodedata

import aiohttp

from scripts.demo_setup import BASE_URL, Api, Websocket, log_in
from scripts.lorawan_simulator import SimulatedDevice, demo_devices

PORT: Final = 8080
PUBLIC_URL: Final = f"http://localhost:{PORT}"

# What each role publishes, and its category on the public pages.
_PUBLISHED: Final = {
    "lake": ("bathing_place", ("water_temperature",)),
    "snow_station": ("snow_station", ("snow_depth",)),
    "trail": ("trail", ("visitors_today", "visitors_season")),
}
_ENGLISH: Final = {"Badplats": "bathing place", "Snöstation": "snow station"}


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "_".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split())


def _english(name: str) -> str:
    for swedish, english in _ENGLISH.items():
        if name.startswith(swedish):
            return f"{name.removeprefix(swedish).strip()} {english}"
    return name


def places(
    devices: Iterable[SimulatedDevice], entity_ids: dict[str, str], ice_entities: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The public places: one per lake, snow station and trail counter of the demo.

    A bathing place also shows the ice thickness measured at the ice place of its lake.
    """
    ice = list(ice_entities)
    found = []
    for device in devices:
        if device.role not in _PUBLISHED or device.care_unit is not None:
            continue
        category, keys = _PUBLISHED[device.role]
        location = device.settings.get("location") or {}
        entities = [entity_ids[f"{device.dev_eui}_{key}"] for key in keys if f"{device.dev_eui}_{key}" in entity_ids]
        if device.role == "lake":
            lake = _slug(device.name.removeprefix("Badplats"))
            entities += [entity_id for entity_id in ice if f"isplats_{lake}" in entity_id]
        if not entities or "latitude" not in location:
            continue
        found.append(
            {
                "id": _slug(device.name),
                "name_sv": device.name,
                "name_en": _english(device.name),
                "latitude": location["latitude"],
                "longitude": location["longitude"],
                "category": category,
                "entities": entities,
            }
        )
    return found


def write_options(
    path: Path, ha_url: str, token: str, place_list: list[dict[str, Any]], port: int = PORT
) -> None:
    """Write the service's options, owner-only: they hold the token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {
        "ha_url": ha_url,
        "ha_token": token,
        "port": port,
        "public_url": PUBLIC_URL if port == PORT else f"http://localhost:{port}",
        "publisher_name": "Ånge kommun",
        "publisher_url": "https://www.ange.se",
        "contact_email": "oppnadata@ange.se",
        "places": place_list,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(options, file, ensure_ascii=False, indent=2)


def _wanted(devices: Iterable[SimulatedDevice]) -> set[str]:
    return {
        f"{device.dev_eui}_{key}"
        for device in devices
        if device.role in _PUBLISHED and device.care_unit is None
        for key in _PUBLISHED[device.role][1]
    }


async def _working_token(session: aiohttp.ClientSession, path: Path) -> str | None:
    """The token of an earlier demo run, if Home Assistant still accepts it."""
    try:
        token = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))["ha_token"]
    except (OSError, ValueError, KeyError):
        return None
    async with session.get(f"{BASE_URL}/api/", headers={"Authorization": f"Bearer {token}"}) as response:
        return str(token) if response.status == 200 else None


async def prepare(path: Path, timeout: float) -> int:
    """Wait until the public entities exist, then write the options with a fresh token."""
    devices = demo_devices()
    wanted = _wanted(devices)
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        api = Api(session, BASE_URL)
        api.token = await log_in(api)
        async with Websocket(api) as ws:
            entity_ids: dict[str, str] = {}
            for _ in range(int(timeout)):
                entries = await ws.call("config/entity_registry/list")
                entity_ids = {
                    entry["unique_id"]: entry["entity_id"] for entry in entries if entry.get("platform") == "ange_iot"
                }
                if wanted <= entity_ids.keys():
                    break
                await asyncio.sleep(1)
            token = await _working_token(session, path)
            if token is None:
                # Named by time: HA refuses a second token with the same name.
                token = await ws.call(
                    "auth/long_lived_access_token",
                    client_name=f"open_data demo {datetime.now():%Y-%m-%d %H:%M:%S}",
                    lifespan=3650,
                )
        ice = [
            entity_id
            for unique_id, entity_id in entity_ids.items()
            if unique_id.startswith("ice_") and unique_id.endswith("_ice_thickness")
        ]
        # Staff's first hand measurements of the season (late November: thin ice).
        for entity_id, thickness in zip(sorted(ice), (4, 6), strict=False):
            state = await api.call("GET", f"/api/states/{entity_id}")
            if state.get("state") in ("unknown", "unavailable"):
                await api.call(
                    "POST", "/api/services/number/set_value", body={"entity_id": entity_id, "value": thickness}
                )
    place_list = places(devices, entity_ids, ice)
    await asyncio.to_thread(write_options, path, BASE_URL, str(token), place_list)
    return len(place_list)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.open_data_demo", description=__doc__)
    parser.add_argument("--options", type=Path, default=Path(".demo/open_data/options.json"))
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the entities")
    args = parser.parse_args(argv)
    count = asyncio.run(prepare(args.options, args.timeout))
    print(f"Open data: {count} public places written to {args.options}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
