"""The device-import benchmark, run by ``benchmarks/import_devices.py`` as one pytest test.

One Home Assistant test instance (the ``hass`` fixture) with a webhook hub and no devices.
For each size, a semicolon-separated Windows-1252 file with Swedish headers (as Swedish
Excel saves it) is imported through the ``ange_iot.import_devices`` action; the clock
stops when every device is in the device registry with its entities registered. The same
file is then imported again (nothing changes) and the hub is reloaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import time

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ange_iot.const import DOMAIN

HEADER = "DevEUI;Modell;Namn;Roll;Latitud;Longitud;Mätar-ID;Kundnummer;Plats"


def meter_file(count: int, offset: int) -> bytes:
    rows = [
        f"70b3d5e7{offset + n:08x};elvaco_cmi4140;Mätare {n} Ågatan;vattenmätare;62,{390000 + n};"
        f"15,{650000 + n};M-{n:05d};K{n:06d};Ågatan {n}, Ånge"
        for n in range(count)
    ]
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252")


async def test_import_benchmark(hass: HomeAssistant, tmp_path: Path) -> None:
    sizes = [int(size) for size in os.environ.get("ANGE_BENCH_IMPORT_ROWS", "400,2000").split(",")]
    hass.config.config_dir = str(tmp_path)
    results = []
    for index, size in enumerate(sizes):
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Hub {size}",
            data={"network": "chirpstack", "transport": "webhook", "webhook_id": f"bench{index}", "webhook_secret": "s"},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        name = f"import_{size}.csv"
        (tmp_path / name).write_bytes(meter_file(size, index * 100_000))

        async def run(entry_id: str = entry.entry_id, name: str = name) -> dict[str, list[dict[str, str]]]:
            response = await hass.services.async_call(
                DOMAIN, "import_devices", {"config_entry_id": entry_id, "csv": name},
                blocking=True, return_response=True,
            )
            await hass.async_block_till_done()
            return response  # type: ignore[return-value]

        start = time.perf_counter()
        first = await run()
        imported_s = time.perf_counter() - start
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        assert len(first["created"]) == size
        assert sum(1 for d in devices if d.serial_number and len(d.serial_number) == 16) >= size

        start = time.perf_counter()
        again = await run()
        reimport_s = time.perf_counter() - start
        assert len(again["unchanged"]) == size

        start = time.perf_counter()
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        reload_s = time.perf_counter() - start
        results.append(
            {
                "rows": size,
                "import_s": imported_s,
                "entities": len(entities),
                "reimport_s": reimport_s,
                "reload_s": reload_s,
            }
        )
        print(f"{size} rows: import {imported_s:.2f} s, {len(entities)} entities", flush=True)
    target = os.environ.get("ANGE_BENCH_RESULTS")
    if target:
        Path(target).write_text(json.dumps(results), encoding="utf-8")
