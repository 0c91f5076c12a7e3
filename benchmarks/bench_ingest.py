"""The ingest benchmark, run by ``benchmarks/ingest.py`` as one pytest test.

Everything happens in ONE Home Assistant test instance, the ``hass`` fixture of
pytest-homeassistant-custom-component (``async_test_home_assistant``), with MQTT set up
by its ``mqtt_mock`` fixture (a real HA MQTT integration on a mocked paho client) and
HTTP served by ``hass_client_no_auth``'s aiohttp test server (HA's real app and
middlewares on a loopback port). The figures go to a JSON file that ingest.py prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
import contextlib
from contextlib import contextmanager
import cProfile
import ctypes
from dataclasses import asdict, dataclass
import gc
import json
import logging
import os
import resource
import statistics
import sys
import time
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.registry import SAVE_DELAY
from homeassistant.helpers.storage import Store
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_mqtt_message,
    get_scheduled_timer_handles,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MqttMockHAClient,
)

from custom_components.ange_iot.const import DOMAIN, SUBENTRY_DEVICE

from .conftest import BenchOptions
from .envelopes import (
    APP_MQTT,
    APP_PEER,
    APP_WEBHOOK,
    MODEL,
    PEER_FIELDS,
    REPO,
    EnvelopeBuilder,
    mqtt_dev_eui,
    reading,
    up_topic,
    webhook_dev_eui,
)
from .floor import APP_FLOOR, FLOOR_WEBHOOK_ID, Floor
from .webhook_load import percentile

WEBHOOK_ID = "ange_bench_webhook"
WEBHOOK_SECRET = "bench-secret-0123456789"
# Every hub carries a webhook id and secret (DESIGN.md), the MQTT hub too.
MQTT_HUB_WEBHOOK_ID = "ange_bench_mqtt_hub"
SECRET_HEADER = "X-Ange-Iot-Secret"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REGISTRY_STORES = frozenset({"core.entity_registry", "core.device_registry"})
_T0 = time.perf_counter()

type Message = tuple[str, bytes]
type StateOf = Callable[[int], str | None]


def progress(text: str) -> None:
    """Progress on stderr: stdout is for the results table."""
    print(f"[{time.perf_counter() - _T0:7.1f}s] {text}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    """Resident set size now, after a full collection so garbage does not count."""
    gc.collect()
    # Hand freed heap pages back to the OS, so RSS follows live memory more closely.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "latency_mean_ms": 1000 * sum(ordered) / len(ordered),
        "latency_p50_ms": 1000 * percentile(ordered, 0.50),
        "latency_p95_ms": 1000 * percentile(ordered, 0.95),
        "latency_p99_ms": 1000 * percentile(ordered, 0.99),
    }


@dataclass(frozen=True, slots=True)
class Usage:
    """CPU use over a phase: ours, our load generator's, and everyone else's."""

    wall_s: float
    ha_cpu_s: float
    children_cpu_s: float
    # Cores other processes kept busy meanwhile: on a shared machine, the noise floor.
    other_cores: float
    # Time in Python's cyclic garbage collector, and how many full (gen 2) collections.
    gc_s: float
    gc_full: int


class Meter:
    """Measures a phase's wall time, who used the CPU, and the GC pauses in it."""

    def __init__(self) -> None:
        self._gc_s = 0.0
        self._gc_full = 0
        self._gc_start = 0.0
        gc.callbacks.append(self._on_gc)
        self._wall = time.perf_counter()
        self._self, self._children = self._rusage()
        self._busy = self._system_busy()

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        self._gc_s += time.perf_counter() - self._gc_start
        self._gc_full += info["generation"] == 2

    @staticmethod
    def _rusage() -> tuple[float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime

    @staticmethod
    def _system_busy() -> float:
        """CPU seconds all processes used since boot (user..steal, without idle/iowait)."""
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
        return (sum(values) - values[3] - values[4]) / CLOCK_TICKS

    def stop(self) -> Usage:
        wall = time.perf_counter() - self._wall
        own, children = self._rusage()
        gc.callbacks.remove(self._on_gc)
        ha_cpu, children_cpu = own - self._self, children - self._children
        other = self._system_busy() - self._busy - ha_cpu - children_cpu
        return Usage(wall, ha_cpu, children_cpu, max(0.0, other) / wall, self._gc_s, self._gc_full)


def hub_entry(title: str, data: dict[str, Any], dev_euis: Sequence[str]) -> MockConfigEntry:
    """A hub with one ERS CO2 subentry per DevEUI, as the device flow stores them."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data=data,
        unique_id=None,
        subentries_data=[
            {
                "data": {"dev_eui": eui, "model": MODEL, "name": f"ERS CO2 {eui}"},
                "subentry_type": SUBENTRY_DEVICE,
                "title": f"ERS CO2 {eui}",
                "unique_id": eui,
            }
            for eui in dev_euis
        ],
    )


def peer_yaml(dev_euis: Sequence[str]) -> dict[str, Any]:
    """configuration.yaml of the peer: five MQTT sensors per device with value_templates."""
    sensors = [
        {
            "name": key.capitalize(),
            "unique_id": f"peer_{eui}_{key}",
            "state_topic": up_topic(APP_PEER, eui),
            "value_template": f"{{{{ value_json.object.{key} }}}}",
            "state_class": "measurement",
            **meta,
            "device": {"identifiers": [f"chirpstack_{eui}"], "name": f"Peer {eui}"},
        }
        for eui in dev_euis
        for key, meta in PEER_FIELDS.items()
    ]
    return {"mqtt": {"sensor": sensors}}


class Bench:
    """One run: the HA instance, the simulated devices, and the phases."""

    def __init__(
        self, hass: HomeAssistant, mqtt_mock: MqttMockHAClient, options: BenchOptions
    ) -> None:
        self.hass = hass
        self.mqtt_mock = mqtt_mock
        self.options = options
        self.builder = EnvelopeBuilder()
        self.mqtt_euis = [mqtt_dev_eui(i) for i in range(options.devices)]
        self.webhook_euis = [webhook_dev_eui(i) for i in range(options.devices)]
        self.floor = Floor(hass, self.mqtt_euis)

    # ------------------------------------------------------------ helpers

    @contextmanager
    def profiled(self, phase: str) -> Iterator[None]:
        """cProfile a phase into <profile dir>/<phase>.pstats when --profile is given.

        Only HA's event-loop thread is profiled, which is where all of this work runs.
        """
        if self.options.profile_dir is None:
            yield
            return
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            yield
        finally:
            profiler.disable()
            profiler.dump_stats(self.options.profile_dir / f"{phase}.pstats")

    def messages(
        self, application_id: str, round_no: int, count: int | None = None
    ) -> list[Message]:
        """One round of ChirpStack up events on MQTT, built before any clock starts."""
        euis = self.mqtt_euis[: count or len(self.mqtt_euis)]
        if application_id == APP_FLOOR:
            self.floor.prepare_mqtt(round_no, count)
        return [
            (up_topic(application_id, eui), self.builder.payload(eui, application_id, round_no, i))
            for i, eui in enumerate(euis)
        ]

    async def mqtt_round(self, batch: list[Message]) -> float:
        """Deliver a batch back to back, then wait until HA has nothing left to do."""
        hass = self.hass
        # mqtt_mock's client is a MagicMock wrapping the real one: it records every
        # delivered message. Forget them, so the harness does not hoard every payload.
        self.mqtt_mock.reset_mock()
        start = time.perf_counter()
        for topic, payload in batch:
            async_fire_mqtt_message(hass, topic, payload)
        await hass.async_block_till_done()
        return time.perf_counter() - start

    async def mqtt_one_by_one(self, batch: list[Message]) -> list[float]:
        """Latency of each uplink alone: from delivery until block_till_done returns."""
        hass = self.hass
        latencies = []
        for topic, payload in batch:
            start = time.perf_counter()
            async_fire_mqtt_message(hass, topic, payload)
            await hass.async_block_till_done()
            latencies.append(time.perf_counter() - start)
        return latencies

    def check_states(self, state_of: StateOf, rounds_by_index: Callable[[int], int]) -> None:
        """The states hold the values of the last uplink each device sent."""
        last = self.options.devices - 1
        for index in sorted({0, last // 2, last}):
            expected = str(reading(rounds_by_index(index), index).temperature)
            actual = state_of(index)
            assert actual == expected, f"device {index}: state {actual}, expected {expected}"

    def hub_temperature(self, dev_euis: Sequence[str]) -> StateOf:
        registry = er.async_get(self.hass)

        def state_of(index: int) -> str | None:
            entity_id = registry.async_get_entity_id(
                "sensor", DOMAIN, f"{dev_euis[index]}_temperature"
            )
            state = self.hass.states.get(entity_id) if entity_id else None
            return state.state if state else None

        return state_of

    def peer_temperature(self, index: int) -> str | None:
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "sensor", "mqtt", f"peer_{self.mqtt_euis[index]}_temperature"
        )
        state = self.hass.states.get(entity_id) if entity_id else None
        return state.state if state else None

    def entity_counts(self, entry: MockConfigEntry) -> dict[str, int]:
        registry = er.async_get(self.hass)
        entries = er.async_entries_for_config_entry(registry, entry.entry_id)
        return {
            "registry_entries": len(entries),
            "states": sum(1 for e in entries if self.hass.states.get(e.entity_id) is not None),
        }

    async def wait_for_registry_saves(self) -> None:
        """Let the pending entity- and device-registry saves run before a timed section.

        Creating or updating thousands of entities schedules a registry save SAVE_DELAY
        seconds after the last change; left alone it lands in whatever round runs then
        and costs about a second there: a cost of the set-up, not of the uplinks. (The
        harness's async_fire_time_changed cannot force it: Store re-arms an early timer.)
        """
        loop = self.hass.loop

        def registry_save_pending() -> bool:
            stores = (
                getattr(getattr(handle, "_callback", None), "__self__", None)
                for handle in get_scheduled_timer_handles(loop)
                if not handle.cancelled()
            )
            return any(isinstance(s, Store) and s.key in REGISTRY_STORES for s in stores)

        start = time.perf_counter()
        while registry_save_pending() and time.perf_counter() - start < 3 * SAVE_DELAY:
            await asyncio.sleep(0.25)
        await self.hass.async_block_till_done()
        progress(f"  waited {time.perf_counter() - start:.1f}s for the registry saves")

    async def timed_setup(self, entry: MockConfigEntry, phase: str) -> float:
        """``async_setup`` of a config entry until HA has nothing left to do."""
        gc.collect()
        with self.profiled(phase):
            start = time.perf_counter()
            assert await self.hass.config_entries.async_setup(entry.entry_id)
            await self.hass.async_block_till_done()
            return time.perf_counter() - start

    # ------------------------------------------------------------- phases

    async def harness_floor(self) -> dict[str, float]:
        """What the test harness itself costs, to read the figures against."""
        hass = self.hass
        batch = [
            (up_topic("nobody-listens", eui), payload)
            for eui, (_, payload) in zip(self.mqtt_euis, self.messages(APP_MQTT, 0), strict=True)
        ]
        await self.mqtt_round(batch)  # warm the topic-match cache, as the paths get
        fire = await self.mqtt_round(batch)
        start = time.perf_counter()
        for _ in range(1000):
            await hass.async_block_till_done()
        idle_block = (time.perf_counter() - start) / 1000
        return {
            "fire_mqtt_message_us": 1e6 * fire / len(batch),
            "block_till_done_us": 1e6 * idle_block,
        }

    async def measure_mqtt_path(
        self, phase: str, application_id: str, first_round: int, state_of: StateOf
    ) -> dict[str, Any]:
        """Warm-up round, measured rounds and one-at-a-time latency of one MQTT path."""
        options, n = self.options, self.options.devices
        await self.wait_for_registry_saves()
        await self.mqtt_round(self.messages(application_id, first_round))  # warm-up
        round_times = []
        usages: list[Usage] = []
        for round_no in range(first_round + 1, first_round + 1 + options.rounds):
            batch = self.messages(application_id, round_no)
            # A full collection now, so the garbage of building the batch is not
            # collected inside the timed round.
            gc.collect()
            meter = Meter()
            with self.profiled(f"{phase}_round{round_no}"):
                round_times.append(await self.mqtt_round(batch))
            usage = meter.stop()
            usages.append(usage)
            progress(
                f"  round {round_no}: {n / round_times[-1]:,.0f} uplinks/s, "
                f"HA CPU {1e6 * usage.ha_cpu_s / n:.0f} us/uplink, "
                f"GC {1000 * usage.gc_s:.0f} ms ({usage.gc_full} full), "
                f"other processes {usage.other_cores:.2f} cores"
            )
        last_measured = first_round + options.rounds
        sample_round = last_measured + 1
        sample = self.messages(application_id, sample_round, options.latency_samples)
        # Does delivery write the states before async_fire_mqtt_message returns?
        topic, payload = sample[0]
        async_fire_mqtt_message(self.hass, topic, payload)
        synchronous = state_of(0) == str(reading(sample_round, 0).temperature)
        await self.hass.async_block_till_done()
        latencies = await self.mqtt_one_by_one(sample[1:])
        sampled = len(sample)
        self.check_states(
            state_of, lambda index: sample_round if index < sampled else last_measured
        )
        rates = [n / t for t in round_times]
        return {
            "uplinks_per_s": statistics.median(rates),
            "round_uplinks_per_s": rates,
            "ha_cpu_us_per_uplink": statistics.median(1e6 * u.ha_cpu_s / n for u in usages),
            "gc_ms_per_round": [1000 * u.gc_s for u in usages],
            "max_other_cores": max(u.other_cores for u in usages),
            "states_written_synchronously": synchronous,
            "latency_samples": len(latencies),
            **latency_summary(latencies),
            "last_round": sample_round,
        }

    async def mqtt_hub(self) -> tuple[MockConfigEntry, dict[str, Any]]:
        """Cold start, first uplinks, throughput and latency of the MQTT transport."""
        hass = self.hass
        n = self.options.devices
        entry = hub_entry(
            "ChirpStack MQTT",
            {
                "network": "chirpstack",
                "transport": "mqtt",
                "application_id": APP_MQTT,
                "webhook_id": MQTT_HUB_WEBHOOK_ID,
                "webhook_secret": WEBHOOK_SECRET,
            },
            self.mqtt_euis,
        )
        entry.add_to_hass(hass)
        rss_before = rss_mb()
        progress(f"MQTT hub: cold start with {n} devices")
        cold_start = await self.timed_setup(entry, "mqtt_hub_cold_start")
        after_start = self.entity_counts(entry)
        progress(f"  cold start {cold_start:.2f}s, {after_start}")

        first = await self.mqtt_round(self.messages(APP_MQTT, 1))
        # Before the registry save: the harness's mocked storage keeps a Python copy of
        # every saved registry in memory, where production writes a file.
        rss_after = rss_mb()
        after_first = self.entity_counts(entry)
        progress(f"  first uplinks (create the reading entities) {first:.2f}s, {after_first}")

        progress(f"MQTT hub: {self.options.rounds} measured rounds")
        result = await self.measure_mqtt_path(
            "mqtt", APP_MQTT, 2, self.hub_temperature(self.mqtt_euis)
        )
        result.update(
            cold_start_s=cold_start,
            entities_after_start=after_start,
            first_uplinks_s=first,
            entities_after_first_uplinks=after_first,
            rss_before_mb=rss_before,
            rss_after_mb=rss_after,
            rss_per_1000_devices_mb=(rss_after - rss_before) * 1000 / n,
        )
        return entry, result

    async def restart(self, entry: MockConfigEntry, last_round: int) -> dict[str, Any]:
        """Unload and set up again, now that the registry holds every reading entity."""
        hass = self.hass
        progress("MQTT hub: restart with populated entity registry")
        start = time.perf_counter()
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        unload = time.perf_counter() - start
        setup = await self.timed_setup(entry, "mqtt_hub_restart")
        counts = self.entity_counts(entry)
        progress(f"  unload {unload:.2f}s, setup {setup:.2f}s, {counts}")
        # The reading entities are back at once, with their restored values.
        sampled = self.options.latency_samples
        self.check_states(
            self.hub_temperature(self.mqtt_euis),
            lambda index: last_round if index < sampled else last_round - 1,
        )
        return {"unload_s": unload, "setup_s": setup, "entities": counts}

    async def webhook_hub(self, client_factory: ClientSessionGenerator) -> dict[str, Any]:
        """The webhook handler over real HTTP, load from another process and from HA's loop."""
        hass = self.hass
        options = self.options
        n = options.devices
        entry = hub_entry(
            "ChirpStack HTTP",
            {
                "network": "chirpstack",
                "transport": "webhook",
                "webhook_id": WEBHOOK_ID,
                "webhook_secret": WEBHOOK_SECRET,
            },
            self.webhook_euis,
        )
        entry.add_to_hass(hass)
        progress(f"webhook hub: cold start with {n} devices")
        cold_start = await self.timed_setup(entry, "webhook_hub_cold_start")
        client = await client_factory()
        url = f"http://{client.server.host}:{client.server.port}/api/webhook/{WEBHOOK_ID}?event=up"

        progress("webhook: first uplinks and a warm-up round (load generator process)")
        prime = await self.load_generator(url, first_round=1, rounds=2, devices=n)
        assert prime["accepted"] == 2 * n, prime
        progress(f"webhook: {options.rounds} measured rounds, {options.concurrency} in flight")
        await self.wait_for_registry_saves()
        gc.collect()
        meter = Meter()
        with self.profiled("webhook_rounds"):
            loaded = await self.load_generator(url, first_round=3, rounds=options.rounds, devices=n)
        usage = meter.stop()
        assert loaded["accepted"] == options.rounds * n, loaded
        # The generator's own wall clock: the phase also holds its start-up and body building.
        busy_s = loaded["wall_s"]
        progress(
            f"  {statistics.median(loaded['round_uplinks_per_s']):,.0f} uplinks/s (median round), "
            f"HA CPU {1e6 * usage.ha_cpu_s / loaded['requests']:.0f} us/uplink = "
            f"{usage.ha_cpu_s / busy_s:.0%} of a core, load generator "
            f"{loaded['client_cpu_s'] / busy_s:.0%}, GC {1000 * usage.gc_s:.0f} ms, "
            f"other processes {usage.other_cores:.2f} cores"
        )
        sample_round = 3 + options.rounds
        unloaded = await self.load_generator(
            url, first_round=sample_round, rounds=1, devices=options.latency_samples, concurrency=1
        )
        progress(f"  one request at a time: {unloaded['latency_mean_ms']:.2f} ms mean")

        progress("webhook: one round from aiohttp's test client inside HA's event loop")
        in_loop = await self.in_loop_round(client, sample_round + 1)
        progress(f"  {in_loop['uplinks_per_s']:,.0f} uplinks/s")
        self.check_states(self.hub_temperature(self.webhook_euis), lambda _: sample_round + 1)
        return {
            "last_round": sample_round + 1,
            "cold_start_s": cold_start,
            "concurrency": options.concurrency,
            "uplinks_per_s": statistics.median(loaded["round_uplinks_per_s"]),
            "out_of_process": loaded,
            "ha_cpu_us_per_uplink": 1e6 * usage.ha_cpu_s / loaded["requests"],
            "ha_cpu_share": usage.ha_cpu_s / busy_s,
            "load_generator_cpu_share": loaded["client_cpu_s"] / busy_s,
            "other_cores": usage.other_cores,
            "usage": asdict(usage),
            "unloaded": unloaded,
            "in_loop": in_loop,
        }

    async def load_generator(
        self,
        url: str,
        *,
        first_round: int,
        rounds: int,
        devices: int,
        concurrency: int | None = None,
    ) -> dict[str, Any]:
        """Run benchmarks/webhook_load.py in its own process while HA serves it."""
        job = {
            "url": url,
            "secret": WEBHOOK_SECRET,
            "devices": devices,
            "first_round": first_round,
            "rounds": rounds,
            "concurrency": concurrency or self.options.concurrency,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.webhook_load",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate(json.dumps(job).encode())
        assert process.returncode == 0, f"load generator failed ({process.returncode})"
        await self.hass.async_block_till_done()
        result: dict[str, Any] = json.loads(out)
        return result

    async def in_loop_round(
        self, client: TestClient[Any, Any], round_no: int, webhook_id: str = WEBHOOK_ID
    ) -> dict[str, Any]:
        """One round posted by the harness's test client, sharing HA's event loop."""
        bodies = [
            self.builder.payload(eui, APP_WEBHOOK, round_no, i)
            for i, eui in enumerate(self.webhook_euis)
        ]
        headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
        path = f"/api/webhook/{webhook_id}?event=up"
        latencies: list[float] = []
        pending = iter(bodies)

        async def worker() -> None:
            for body in pending:
                start = time.perf_counter()
                response = await client.post(path, data=body, headers=headers)
                await response.read()
                latencies.append(time.perf_counter() - start)
                assert response.status == 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(self.options.concurrency)))
        wall = time.perf_counter() - start
        await self.hass.async_block_till_done()
        return {"uplinks_per_s": len(bodies) / wall, **latency_summary(latencies)}

    async def floor_paths(self, client_factory: ClientSessionGenerator) -> dict[str, Any]:
        """HA's own floor over MQTT and over the webhook: set up, warm up, measure."""
        progress(f"floor: {5 * self.options.devices} plain sensor entities")
        await self.floor.async_setup()
        await self.hass.async_block_till_done()
        await self.mqtt_round(self.messages(APP_FLOOR, 1))
        progress(f"floor MQTT: {self.options.rounds} measured rounds")
        result = await self.measure_mqtt_path("floor", APP_FLOOR, 2, self.floor.temperature)
        client = await client_factory()
        self.floor.prepare_webhook(1)
        await self.in_loop_round(client, 1, FLOOR_WEBHOOK_ID)  # warm-up
        return {"mqtt": result}

    async def interleaved(
        self, client_factory: ClientSessionGenerator, next_round: dict[str, int]
    ) -> dict[str, Any]:
        """Ours, the floor and the peer in alternating rounds: ratios robust to load.

        On a shared machine the load changes from minute to minute; a ratio of two
        rounds run back to back sees nearly the same load, so each ratio is taken per
        pair (or triple) of rounds and the median of those is reported.
        """
        rounds = max(self.options.rounds, 5)
        progress(f"interleaved: {rounds} rounds each of ange_iot, floor and peer (MQTT)")
        mqtt_rates: dict[str, list[float]] = {"ours": [], "floor": [], "peer": []}
        # CPU seconds of this process per uplink: far less sensitive to other processes'
        # load than wall time, which is what a busy shared machine disturbs most.
        mqtt_cpu: dict[str, list[float]] = {"ours": [], "floor": [], "peer": []}
        for _ in range(rounds):
            for path, app in (("ours", APP_MQTT), ("floor", APP_FLOOR), ("peer", APP_PEER)):
                batch = self.messages(app, next_round[path])
                next_round[path] += 1
                gc.collect()
                cpu = time.process_time()
                with self.profiled(f"interleaved_{path}_round{next_round[path]}"):
                    seconds = await self.mqtt_round(batch)
                mqtt_cpu[path].append((time.process_time() - cpu) / len(batch))
                mqtt_rates[path].append(len(batch) / seconds)
            progress(
                "  MQTT uplinks/s: "
                + ", ".join(f"{path} {rates[-1]:,.0f}" for path, rates in mqtt_rates.items())
            )
        self.check_states(self.hub_temperature(self.mqtt_euis), lambda _: next_round["ours"] - 1)
        self.check_states(self.floor.temperature, lambda _: next_round["floor"] - 1)

        progress(
            f"interleaved: {rounds} webhook rounds each of ange_iot and the floor, "
            f"{self.options.concurrency} in flight from the same process"
        )
        client = await client_factory()
        webhook_rates: dict[str, list[float]] = {"ours": [], "floor": []}
        webhook_cpu: dict[str, list[float]] = {"ours": [], "floor": []}
        n = len(self.webhook_euis)
        for _ in range(rounds):
            ours_round = next_round["webhook"]
            next_round["webhook"] += 1
            gc.collect()
            cpu = time.process_time()
            with self.profiled(f"interleaved_webhook_round{ours_round}"):
                ours = await self.in_loop_round(client, ours_round)
            webhook_cpu["ours"].append((time.process_time() - cpu) / n)
            self.floor.prepare_webhook(ours_round)
            gc.collect()
            cpu = time.process_time()
            floor = await self.in_loop_round(client, ours_round, FLOOR_WEBHOOK_ID)
            webhook_cpu["floor"].append((time.process_time() - cpu) / n)
            webhook_rates["ours"].append(ours["uplinks_per_s"])
            webhook_rates["floor"].append(floor["uplinks_per_s"])
            progress(
                f"  webhook uplinks/s: ours {ours['uplinks_per_s']:,.0f}, "
                f"floor {floor['uplinks_per_s']:,.0f}"
            )
        self.check_states(self.hub_temperature(self.webhook_euis), lambda _: next_round["webhook"] - 1)

        def ratios(a: list[float], b: list[float]) -> list[float]:
            return [x / y for x, y in zip(a, b, strict=True)]

        def cpu_ratios(ours: list[float], floor: list[float]) -> list[float]:
            # Throughput ratio by CPU: the floor's CPU per uplink over ours.
            return [f / o for o, f in zip(ours, floor, strict=True)]

        return {
            "rounds": rounds,
            "mqtt_cpu_us_per_uplink": {k: 1e6 * statistics.median(v) for k, v in mqtt_cpu.items()},
            "webhook_cpu_us_per_uplink": {
                k: 1e6 * statistics.median(v) for k, v in webhook_cpu.items()
            },
            "mqtt_ours_vs_floor_by_cpu": statistics.median(
                cpu_ratios(mqtt_cpu["ours"], mqtt_cpu["floor"])
            ),
            "mqtt_ours_vs_peer_by_cpu": statistics.median(
                cpu_ratios(mqtt_cpu["ours"], mqtt_cpu["peer"])
            ),
            "webhook_ours_vs_floor_by_cpu": statistics.median(
                cpu_ratios(webhook_cpu["ours"], webhook_cpu["floor"])
            ),
            "mqtt_uplinks_per_s": {k: statistics.median(v) for k, v in mqtt_rates.items()},
            "mqtt_round_uplinks_per_s": mqtt_rates,
            "webhook_uplinks_per_s": {k: statistics.median(v) for k, v in webhook_rates.items()},
            "webhook_round_uplinks_per_s": webhook_rates,
            "mqtt_ours_vs_floor": statistics.median(ratios(mqtt_rates["ours"], mqtt_rates["floor"])),
            "mqtt_ours_vs_peer": statistics.median(ratios(mqtt_rates["ours"], mqtt_rates["peer"])),
            "mqtt_ours_vs_floor_per_round": ratios(mqtt_rates["ours"], mqtt_rates["floor"]),
            "webhook_ours_vs_floor": statistics.median(
                ratios(webhook_rates["ours"], webhook_rates["floor"])
            ),
            "webhook_ours_vs_floor_per_round": ratios(webhook_rates["ours"], webhook_rates["floor"]),
        }

    async def peer(self) -> dict[str, Any]:
        """HA MQTT sensors with value_templates: the same devices, the same bodies."""
        hass = self.hass
        n = self.options.devices
        config = peer_yaml(self.mqtt_euis)
        rss_before = rss_mb()
        progress(f"peer: loading {len(config['mqtt']['sensor'])} MQTT sensors from YAML")
        # What HA's MQTT tests do: patch the YAML loader, then reload MQTT's YAML entities.
        with (
            self.profiled("peer_setup"),
            patch("homeassistant.config.load_yaml_config_file", return_value=config),
        ):
            start = time.perf_counter()
            await hass.services.async_call("mqtt", "reload", blocking=True)
            await hass.async_block_till_done()
            setup = time.perf_counter() - start
        sensors = sum(
            1 for s in hass.states.async_all("sensor") if s.entity_id.startswith("sensor.peer_")
        )
        progress(f"  set up in {setup:.2f}s, {sensors} peer sensor states")
        first = await self.mqtt_round(self.messages(APP_PEER, 1))
        rss_after = rss_mb()  # before the registry save, as for ange_iot
        progress(f"peer: {self.options.rounds} measured rounds")
        result = await self.measure_mqtt_path("peer", APP_PEER, 2, self.peer_temperature)
        result.update(
            setup_s=setup,
            sensors=sensors,
            first_uplinks_s=first,
            rss_before_mb=rss_before,
            rss_after_mb=rss_after,
            rss_per_1000_devices_mb=(rss_after - rss_before) * 1000 / n,
        )
        return result


async def test_ingest(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    hass_client_no_auth: ClientSessionGenerator,
    bench_options: BenchOptions,
) -> None:
    # The plugin turns on asyncio debug mode for every test; it slows every callback
    # and task down several-fold and is never on in production.
    asyncio.get_running_loop().set_debug(False)
    # As in production HA, records are made at INFO but only warnings are written out
    # (the plugin's basicConfig would print every "Registered new entity" line).
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    # aiohttp's TestServer logs every request at INFO; HA's own access logger logs
    # nothing below debug level, so a request there makes no log record at all.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    bench = Bench(hass, mqtt_mock, bench_options)
    whole_run = Meter()
    results: dict[str, Any] = {
        "devices": bench_options.devices,
        "rounds": bench_options.rounds,
        "harness": await bench.harness_floor(),
    }
    progress(f"harness: {results['harness']}")
    mqtt_entry, results["mqtt"] = await bench.mqtt_hub()
    results["restart"] = await bench.restart(mqtt_entry, results["mqtt"]["last_round"])
    results["webhook"] = await bench.webhook_hub(hass_client_no_auth)
    results["floor"] = await bench.floor_paths(hass_client_no_auth)
    results["peer"] = await bench.peer()
    results["interleaved"] = await bench.interleaved(
        hass_client_no_auth,
        {
            "ours": results["mqtt"]["last_round"] + 1,
            "floor": results["floor"]["mqtt"]["last_round"] + 1,
            "peer": results["peer"]["last_round"] + 1,
            "webhook": results["webhook"]["last_round"] + 1,
        },
    )
    results["state_changed_listeners"] = hass.bus.async_listeners().get("state_changed", 0)
    results["whole_run"] = asdict(whole_run.stop())
    if bench_options.results is not None:
        bench_options.results.write_text(json.dumps(results, indent=2), encoding="utf-8")
