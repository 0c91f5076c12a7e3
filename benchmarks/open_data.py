"""Benchmark of the open_data add-on: ``.venv/bin/python benchmarks/open_data.py``.

It measures, on this machine:
- requests/s for the cached ``/api/v1/latest.json`` (goal >= 1,000 req/s);
- p95 latency of SensorThings Observations queries with ``$filter`` on phenomenonTime over
  one year of 15-minute data for 50 datastreams (goal < 50 ms): one day of one datastream
  (``Datastreams(n)/Observations``) and one hour across all datastreams (``Observations``
  with ``$count=true``).

The service runs in this process exactly as in the add-on (its SQLite store, aiohttp server,
caches and middlewares), without Home Assistant: the store is filled first. The load comes
from a child process (``--client``), as a browser or harvester would be another machine; on
a 2-core machine it gets the other core. Results are printed as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "addons" / "open_data" / "src"))

from open_data.options import parse_options
from open_data.service import OpenDataService
from open_data.store import Store

QUARTER_MS = 15 * 60 * 1000
DAY_MS = 86_400_000
YEAR_START_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z


def iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


# -- the load generator (child process) --------------------------------------------------


async def client(job: dict[str, Any]) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=job["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        if job["kind"] == "throughput":
            url = job["url"]
            deadline = time.perf_counter() + job["seconds"]
            count = 0
            errors = 0

            async def worker() -> None:
                nonlocal count, errors
                while time.perf_counter() < deadline:
                    async with session.get(url) as response:
                        await response.read()
                        if response.status == 200:
                            count += 1
                        else:
                            errors += 1

            # Warm up the connections first.
            for _ in range(job["concurrency"]):
                async with session.get(url) as response:
                    await response.read()
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(job["concurrency"])))
            elapsed = time.perf_counter() - started
            return {"requests": count, "errors": errors, "seconds": elapsed, "rps": count / elapsed}
        latencies: list[float] = []
        rows: list[int] = []
        for url in job["urls"]:
            started = time.perf_counter()
            async with session.get(url) as response:
                body = await response.json()
                assert response.status == 200, body
            latencies.append((time.perf_counter() - started) * 1000)
            rows.append(len(body["value"]))
        return {
            "requests": len(latencies),
            "p50_ms": statistics.median(latencies),
            "p95_ms": percentile(latencies, 0.95),
            "max_ms": max(latencies),
            "mean_rows": statistics.mean(rows),
        }


async def run_client(job: dict[str, Any]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate(json.dumps(job).encode())
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed with {process.returncode}")
    return json.loads(stdout)


# -- the service under test ----------------------------------------------------------------


def options(streams: int) -> dict[str, Any]:
    places = [
        {
            "id": f"lake{index:02d}",
            "name_sv": f"Sjö {index}",
            "name_en": f"Lake {index}",
            "latitude": 62.0 + index / 100,
            "longitude": 15.0 + index / 100,
            "category": "bathing_place",
            "entities": [f"sensor.lake{index:02d}_water_temperature"],
        }
        for index in range(streams)
    ]
    return {
        "ha_url": "http://127.0.0.1:9",
        "ha_token": "benchmark",
        "port": 0,
        "publisher_name": "Ånge kommun",
        "publisher_url": "https://www.ange.se",
        "contact_email": "oppnadata@ange.se",
        "rate_limit_per_minute": 10_000_000,
        "retention_days": 36500,
        "places": places,
    }


async def fill(data_dir: Path, streams: int, days: int) -> int:
    store = Store(data_dir / "open_data.sqlite3")
    await store.open()
    total = 0
    points_per_stream = days * DAY_MS // QUARTER_MS
    for index in range(streams):
        row = await store.ensure_stream(
            f"sensor.lake{index:02d}_water_temperature", "°C", "temperature"
        )
        series = [
            (
                YEAR_START_MS + step * QUARTER_MS,
                round(4 + 14 * ((step % 35040) / 35040) + index / 10, 2),
            )
            for step in range(points_per_stream)
        ]
        total += await store.add(row.id, series)
    await store.close()
    return total


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        started = time.perf_counter()
        rows = await fill(data_dir, args.streams, args.days)
        fill_s = time.perf_counter() - started
        service = OpenDataService(
            parse_options(options(args.streams), environ={}),
            data_dir,
            admin_port=None,
            public_host="127.0.0.1",
            follow_home_assistant=False,
        )
        await service.start()
        try:
            base = f"http://127.0.0.1:{service.public_port}"
            throughput = await run_client(
                {
                    "kind": "throughput",
                    "url": f"{base}/api/v1/latest.json",
                    "seconds": args.seconds,
                    "concurrency": args.concurrency,
                }
            )
            rng = random.Random(6)
            stream_ids = sorted(service.catalogue.streams)
            one_day = []
            all_streams = []
            for _ in range(args.samples):
                day = YEAR_START_MS + rng.randrange(args.days - 1) * DAY_MS
                one_day.append(
                    f"{base}/sta/v1.1/Datastreams({rng.choice(stream_ids)})/Observations"
                    f"?$filter=phenomenonTime ge {iso(day)} and phenomenonTime lt {iso(day + DAY_MS)}"
                    "&$top=100&$orderby=phenomenonTime desc"
                )
                hour = day + rng.randrange(24) * 3_600_000
                all_streams.append(
                    f"{base}/sta/v1.1/Observations?$count=true&$top=100"
                    f"&$filter=phenomenonTime ge {iso(hour)} and phenomenonTime lt {iso(hour + 3_600_000)}"
                )
            day_latency = await run_client({"kind": "latency", "urls": one_day, "concurrency": 1})
            hour_latency = await run_client(
                {"kind": "latency", "urls": all_streams, "concurrency": 1}
            )
        finally:
            await service.stop()
    return {
        "datastreams": args.streams,
        "observations": rows,
        "fill_seconds": round(fill_s, 1),
        "latest_json": {
            k: round(v, 1) if isinstance(v, float) else v for k, v in throughput.items()
        },
        "sta_one_datastream_one_day": {k: round(v, 2) for k, v in day_latency.items()},
        "sta_all_datastreams_one_hour_with_count": {
            k: round(v, 2) for k, v in hour_latency.items()
        },
        "goals": {"latest_json_rps": 1000, "sta_p95_ms": 50},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the throughput run")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight for throughput"
    )
    parser.add_argument(
        "--samples", type=int, default=300, help="timed SensorThings queries per shape"
    )
    args = parser.parse_args()
    if args.client:
        print(json.dumps(asyncio.run(client(json.load(sys.stdin)))))
        return
    print(json.dumps(asyncio.run(benchmark(args)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
