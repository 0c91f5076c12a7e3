"""Benchmark of the open_data add-on: ``.venv/bin/python benchmarks/open_data.py``.

It measures, on this machine:
- requests/s for the cached ``/api/v1/latest.json`` (goal >= 1,000 req/s);
- requests/s for the newest value of a datastream as SensorThings clients ask for it,
  ``Datastreams(n)/Observations?$top=1&$orderby=phenomenonTime desc`` (goal >= 2,000 req/s);
- 500 clients on the live feed ``/api/v1/latest/stream`` while observations arrive: every
  client gets every event, with the service's memory (RSS) flat as events go by;
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
import calendar
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
        if job["kind"] == "sse":
            return await sse_clients(session, job)
        if job["kind"] == "throughput":
            urls = job.get("urls") or [job["url"]]
            url = urls[0]
            deadline = time.perf_counter() + job["seconds"]
            count = 0
            errors = 0

            async def worker(offset: int) -> None:
                nonlocal count, errors
                index = offset
                while time.perf_counter() < deadline:
                    index += 1
                    async with session.get(urls[index % len(urls)]) as response:
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
            cpu_started = time.process_time()
            await asyncio.gather(*(worker(n) for n in range(job["concurrency"])))
            elapsed = time.perf_counter() - started
            client_cpu = time.process_time() - cpu_started
            return {
                "requests": count,
                "errors": errors,
                "seconds": elapsed,
                "rps": count / elapsed,
                "client_cpu_us_per_request": client_cpu / max(count, 1) * 1e6,
            }
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


async def sse_clients(session: aiohttp.ClientSession, job: dict[str, Any]) -> dict[str, Any]:
    """``clients`` connections to the live feed, each counting the events sent after ``since``."""
    received = [0] * job["clients"]
    delays: list[float] = []
    connected = 0

    async def listen(index: int) -> None:
        nonlocal connected
        async with session.get(job["url"], timeout=aiohttp.ClientTimeout(total=None)) as response:
            assert response.status == 200
            connected += 1
            while received[index] < job["events"]:
                line = await response.content.readline()
                if not line:
                    return
                if line.startswith(b"data: "):
                    event = json.loads(line[6:])
                    sent_ms = parse_time_ms(event["time"])
                    if sent_ms >= job["since"]:
                        received[index] += 1
                        if index % 50 == 0:  # a sample of clients, so timing costs little
                            delays.append(time.time() * 1000 - sent_ms)

    try:
        async with asyncio.timeout(job["timeout"]):
            await asyncio.gather(*(listen(n) for n in range(job["clients"])))
    except TimeoutError:
        pass
    complete = sum(1 for count in received if count >= job["events"])
    return {
        "clients": job["clients"],
        "connected": connected,
        "clients_with_every_event": complete,
        "events_received": sum(received),
        "events_expected": job["clients"] * job["events"],
        "delivery_p50_ms": statistics.median(delays) if delays else None,
        "delivery_p95_ms": percentile(delays, 0.95) if delays else None,
    }


def parse_time_ms(text: str) -> int:
    moment = time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    fraction = int(text[20:23]) if len(text) > 20 and text[19] == "." else 0
    return int(calendar.timegm(moment)) * 1000 + fraction


def rss_mb() -> float:
    """The resident memory of this process (the service), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def start_client(job: dict[str, Any]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--client",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(json.dumps(job).encode())
    process.stdin.close()
    return process


async def client_result(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    stdout = await process.stdout.read()
    if await process.wait() != 0:
        raise RuntimeError(f"load generator failed with {process.returncode}")
    return json.loads(stdout)


async def run_client(job: dict[str, Any]) -> dict[str, Any]:
    return await client_result(await start_client(job))


async def live_feed(
    service: OpenDataService, base: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Clients on the live feed while observations arrive at ``args.event_rate`` a second."""
    since = int(time.time() * 1000)
    process = await start_client(
        {
            "kind": "sse",
            "url": f"{base}/api/v1/latest/stream",
            "clients": args.sse_clients,
            "events": args.events,
            "since": since,
            "timeout": 60 + args.events / args.event_rate * 4,
            "concurrency": 0,
        }
    )
    feed = service.public.feed
    async with asyncio.timeout(60):
        while feed.clients < args.sse_clients:
            await asyncio.sleep(0.05)
    memory = {
        "before_clients_mb": round(BASELINE_RSS[0], 1),
        "clients_connected_mb": round(rss_mb(), 1),
    }
    streams = list(service.catalogue.streams.values())
    interval = 1 / args.event_rate
    started = time.perf_counter()
    for n in range(args.events):
        stream = streams[n % len(streams)]
        await service.catalogue.record(stream, [(int(time.time() * 1000), 10 + n % 50 / 10)])
        if n + 1 == args.events // 5:
            memory["after_20pct_events_mb"] = round(rss_mb(), 1)
        await asyncio.sleep(max(0.0, started + (n + 1) * interval - time.perf_counter()))
    memory["after_all_events_mb"] = round(rss_mb(), 1)
    result = await client_result(process)
    result["events_published"] = args.events
    result["events_per_second"] = args.event_rate
    result["service_memory"] = memory
    return result


BASELINE_RSS: list[float] = [0.0]


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
            BASELINE_RSS[0] = rss_mb()
            cpu_before = time.process_time()
            newest = await run_client(
                {
                    "kind": "throughput",
                    "urls": [
                        f"{base}/sta/v1.1/Datastreams({stream_id})/Observations"
                        "?$top=1&$orderby=phenomenonTime%20desc"
                        for stream_id in sorted(service.catalogue.streams)
                    ],
                    "seconds": args.seconds,
                    "concurrency": args.concurrency,
                }
            )
            # The service runs in this process: its CPU time per request is what one core
            # can serve, whatever else the machine is doing.
            newest["service_cpu_us_per_request"] = (
                (time.process_time() - cpu_before) / newest["requests"] * 1e6
            )
            newest["one_core_capacity_rps"] = 1e6 / newest["service_cpu_us_per_request"]
            live = await live_feed(service, base, args)
            cpu_before = time.process_time()
            throughput = await run_client(
                {
                    "kind": "throughput",
                    "url": f"{base}/api/v1/latest.json",
                    "seconds": args.seconds,
                    "concurrency": args.concurrency,
                }
            )
            throughput["service_cpu_us_per_request"] = (
                (time.process_time() - cpu_before) / throughput["requests"] * 1e6
            )
            throughput["one_core_capacity_rps"] = 1e6 / throughput["service_cpu_us_per_request"]
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
        "sta_newest_observation": {
            k: round(v, 1) if isinstance(v, float) else v for k, v in newest.items()
        },
        "live_feed": {k: round(v, 1) if isinstance(v, float) else v for k, v in live.items()},
        "sta_one_datastream_one_day": {k: round(v, 2) for k, v in day_latency.items()},
        "sta_all_datastreams_one_hour_with_count": {
            k: round(v, 2) for k, v in hour_latency.items()
        },
        "goals": {
            "latest_json_rps": 1000,
            "sta_newest_rps": 2000,
            "sse_clients": 500,
            "sta_p95_ms": 50,
        },
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
    parser.add_argument("--sse-clients", type=int, default=500, help="live feed clients")
    parser.add_argument("--events", type=int, default=300, help="observations sent to them")
    parser.add_argument("--event-rate", type=float, default=10.0, help="observations a second")
    args = parser.parse_args()
    if args.client:
        print(json.dumps(asyncio.run(client(json.load(sys.stdin)))))
        return
    print(json.dumps(asyncio.run(benchmark(args)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
