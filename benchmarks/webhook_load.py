"""Out-of-process load generator for the webhook path: ``python -m benchmarks.webhook_load``.

It plays the network server: it posts ChirpStack ``up`` events to HA's webhook with a
fixed number of requests in flight and reports throughput and per-request latency as
JSON on stdout. Running it in its own process keeps its CPU cost off HA's event loop,
as a real network server on another machine would (on a 2-core machine it gets the
other core). The job is read as JSON from stdin, see ``Job``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import resource
import sys
import time
from typing import Any

import aiohttp

from .envelopes import APP_WEBHOOK, EnvelopeBuilder, webhook_dev_eui


@dataclass(frozen=True, slots=True)
class Job:
    """What to send: rounds ``first_round`` .. ``first_round + rounds - 1`` of ``devices`` devices."""

    url: str
    secret: str
    devices: int
    first_round: int
    rounds: int
    concurrency: int


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


async def run(job: Job) -> dict[str, Any]:
    """Send every round, one round at a time, and measure."""
    builder = EnvelopeBuilder()
    # Build every body before the clock starts: the network server has them ready too.
    rounds = [
        [
            builder.payload(webhook_dev_eui(index), APP_WEBHOOK, round_no, index)
            for index in range(job.devices)
        ]
        for round_no in range(job.first_round, job.first_round + job.rounds)
    ]
    headers = {"X-Ange-Iot-Secret": job.secret, "Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    accepted = 0

    connector = aiohttp.TCPConnector(limit=job.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(bodies: list[bytes], cursor: list[int]) -> None:
            nonlocal accepted
            while cursor[0] < len(bodies):
                body = bodies[cursor[0]]
                cursor[0] += 1
                start = time.perf_counter()
                async with session.post(job.url, data=body, headers=headers) as response:
                    answer = await response.read()
                latencies.append(time.perf_counter() - start)
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if response.status == 200:
                    accepted += json.loads(answer).get("accepted", 0)

        round_rates: list[float] = []
        cpu_start = resource.getrusage(resource.RUSAGE_SELF)
        wall_start = time.perf_counter()
        for bodies in rounds:
            # One round at a time: a device's next frame counter must not overtake the
            # previous one, or the hub would (rightly) refuse it as a replay.
            cursor = [0]
            round_start = time.perf_counter()
            await asyncio.gather(*(worker(bodies, cursor) for _ in range(job.concurrency)))
            round_rates.append(len(bodies) / (time.perf_counter() - round_start))
        wall = time.perf_counter() - wall_start
        cpu_end = resource.getrusage(resource.RUSAGE_SELF)

    latencies.sort()
    cpu = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    return {
        "requests": len(latencies),
        "wall_s": wall,
        "uplinks_per_s": len(latencies) / wall,
        "round_uplinks_per_s": round_rates,
        "latency_mean_ms": 1000 * sum(latencies) / len(latencies),
        "latency_p50_ms": 1000 * percentile(latencies, 0.50),
        "latency_p95_ms": 1000 * percentile(latencies, 0.95),
        "latency_p99_ms": 1000 * percentile(latencies, 0.99),
        "statuses": {str(code): count for code, count in statuses.items()},
        "accepted": accepted,
        "client_cpu_s": cpu,
    }


def main() -> None:
    job = Job(**json.load(sys.stdin))
    print(json.dumps(asyncio.run(run(job))))


if __name__ == "__main__":
    main()
