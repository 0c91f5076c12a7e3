"""Fault run of the path network server → bridge → HA's broker → Home Assistant.

``.venv/bin/python benchmarks/fault_run.py [--uplinks 20000] [--devices 20] [--rate 250]``

Home Assistant needs its frontend package: see benchmarks/e2e.py.

Everything is real and on loopback:

- two Mosquitto brokers, the network server's (upstream) and Home Assistant's (downstream,
  with persistence, as the Mosquitto add-on runs it);
- the bridge as ``python -m lorawan_bridge`` with its SQLite queue on disk;
- Home Assistant itself (``python -m homeassistant --skip-pip``) with the mqtt integration
  and ange_iot with MQTT transport, set up through HA's own onboarding and config-flow APIs;
- a publisher playing ChirpStack: people counters (Milesight VS133, role ``trail``), each
  uplink reporting one walker (``people_in`` = 1).

While it publishes, it injects, in this order: a SIGKILL of the bridge (restarted two
seconds later), a SIGKILL of HA's broker (restarted three seconds later), and a restart
of Home Assistant that keeps it away for 15 seconds.

"Applied twice" is visible: a trail's ``visitors_total`` adds each uplink's walkers, so
an uplink applied twice counts a walker twice, and one lost counts none. The run passes
when every device's ``visitors_total`` equals the uplinks sent to it (and its frame
counter sensor, where enabled, shows the last frame counter sent).

It prints one JSON object with the figures and exits 0 on a pass, 1 on a fail. Use
``--keep DIR`` to keep the logs and the HA configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
from dataclasses import replace
import json
from pathlib import Path
import signal
import struct
import sys
import threading
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.e2e import (  # noqa: E402
    HomeAssistant,
    bridge_between,
    broker,
    common_arguments,
    entity_ids,
    log,
    publish,
    run_main,
    set_up_hub,
    wait_for,
)
from scripts.demo_setup import Api, Hub, Websocket, ensure_devices  # noqa: E402
from scripts.lorawan_simulator import demo_devices  # noqa: E402

APP = "fault-run"


def uplink(dev_eui: str, f_cnt: int, n: int) -> tuple[str, bytes]:
    """A ChirpStack v4 uplink of a Milesight VS133: one walker in, none out."""
    payload = b"\x05\xcc" + struct.pack("<HH", 1, 0)
    body = {
        "deduplicationId": f"3b4c5d6e-0000-4000-8000-{n:012d}",
        "time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "deviceInfo": {
            "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
            "applicationId": APP,
            "deviceProfileName": "Milesight VS133",
            "deviceName": f"trail-{dev_eui[-4:]}",
            "devEui": dev_eui,
        },
        "devAddr": "01fa3b2c",
        "fCnt": f_cnt,
        "fPort": 85,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": [{"gatewayId": "0016c001ff10d3f6", "rssi": -91, "snr": 7.5}],
    }
    return f"application/{APP}/device/{dev_eui}/event/up", json.dumps(body).encode()


async def add_trail_counters(api: Api, entry_id: str, devices: list[str]) -> None:
    """The trail counters, added through the device flow like the demo's own counter."""
    template = next(d for d in demo_devices() if d.model == "milesight_vs133")
    counters = [
        replace(template, dev_eui=dev_eui, name=f"Trail {i:02d}")
        for i, dev_eui in enumerate(devices)
    ]
    async with Websocket(api) as ws:
        await ensure_devices(api, ws, Hub(entry_id, "", ""), counters)


async def counts(api: Api, devices: list[str]) -> dict[str, tuple[int | None, int | None]]:
    """Per device: (visitors_total, frame counter) as HA's state machine has them."""
    by_unique = await entity_ids(api)
    states = {s["entity_id"]: s["state"] for s in await api.call("GET", "/api/states")}

    def number(unique_id: str) -> int | None:
        value = states.get(by_unique.get(unique_id, ""), "")
        try:
            return int(float(value))
        except ValueError:
            return None

    result = {d: (number(f"{d}_visitors_total"), number(f"{d}_f_cnt")) for d in devices}
    rejected = [number(u) for u in by_unique if u.endswith("_rejected_uplinks")]
    result["rejected"] = (rejected[0] if rejected else None, None)
    return result


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    devices = [f"24e124535b{i:06x}" for i in range(args.devices)]
    plan: list[tuple[str, int]] = []
    sent: dict[str, int] = dict.fromkeys(devices, 0)
    for n in range(args.uplinks):
        dev_eui = devices[n % len(devices)]
        sent[dev_eui] += 1
        plan.append((dev_eui, sent[dev_eui]))  # frame counters 1, 2, 3, ... per device

    upstream, downstream = broker(work / "upstream"), broker(work / "downstream")
    upstream.start()
    downstream.start()
    ha = HomeAssistant(work / "ha", args.ha_pythonpath, name="Fault run")
    bridge = bridge_between(work / "bridge", upstream, downstream, ack_timeout_s=args.ack_timeout)
    faults: list[dict[str, Any]] = []
    session = aiohttp.ClientSession()
    try:
        log("starting Home Assistant (the first start takes a while)")
        ha.start()
        api = Api(session, ha.base)
        await add_trail_counters(api, await set_up_hub(api, ha, downstream, APP), devices)
        log(f"Home Assistant ready with {len(devices)} trail counters; starting the bridge")
        bridge.start()
        await wait_for(
            "bridge acknowledged end to end",
            lambda: asyncio.to_thread(lambda: bridge.health()["ack_mode"] == "end_to_end"),
            60,
            0.2,
        )
        progress = [0]
        publisher = threading.Thread(
            target=publish,
            args=(upstream, len(plan), lambda n: uplink(*plan[n], n), args.rate, progress),
            daemon=True,
        )
        started = time.monotonic()
        publisher.start()

        async def at(fraction: float) -> None:
            await wait_for(
                f"{fraction:.0%} published",
                lambda: asyncio.sleep(0, progress[0] >= fraction * args.uplinks),
                3600,
                0.1,
            )

        await at(0.2)
        log(f"SIGKILL the bridge at {progress[0]} published")
        faults.append({"fault": "bridge SIGKILL", "published": progress[0]})
        bridge.kill()
        await asyncio.sleep(2)
        bridge.start()

        await at(0.4)
        log(f"SIGKILL HA's broker at {progress[0]} published")
        faults.append({"fault": "HA broker SIGKILL, back after 3 s", "published": progress[0]})
        downstream.kill()
        await asyncio.sleep(3)
        downstream.start()

        await at(0.6)
        log(f"restart Home Assistant at {progress[0]} published")
        faults.append({"fault": "HA restart, away 15 s", "published": progress[0]})
        await asyncio.to_thread(ha.stop)
        await asyncio.sleep(15)
        ha.start()
        await ha.wait_running(api)
        log("Home Assistant is back")

        await asyncio.to_thread(publisher.join)
        published_s = time.monotonic() - started
        log(f"all {args.uplinks} published; waiting for the bridge's queue to empty")

        await wait_for("bridge queue empty", lambda: asyncio.to_thread(bridge.drained), args.settle)
        result = await counts(api, devices)

        uplinks: int = args.uplinks

        async def complete() -> bool:
            nonlocal result
            result = await counts(api, devices)
            return sum(v or 0 for d, (v, _) in result.items() if d != "rejected") >= uplinks

        with contextlib.suppress(TimeoutError):
            await wait_for("HA has every uplink", complete, 30)
        await asyncio.sleep(3)  # a late repeat would show now
        result = await counts(api, devices)
        rejected = result.pop("rejected")[0]
        total = sum(v or 0 for v, _ in result.values())
        wrong = {
            d: {"visitors_total": v, "f_cnt": f, "sent": sent[d]}
            for d, (v, f) in result.items()
            # The frame-counter sensor is disabled by default: compared when it shows.
            if v != sent[d] or (f is not None and f != sent[d])
        }
        health = await asyncio.to_thread(bridge.health)
        return {
            "uplinks": args.uplinks,
            "devices": args.devices,
            "rate_per_s": args.rate,
            "faults": faults,
            "in_ha_visitors_total": total,
            "devices_wrong": wrong,
            # Repeats HA refused (replays, malformed): none expected.
            "ha_rejected_uplinks": rejected,
            "passed": total == args.uplinks and not wrong,
            "publish_seconds": round(published_s, 1),
            "bridge_after": {
                k: health[k] for k in ("ack_mode", "queued", "forwarded", "duplicates")
            },
        }
    finally:
        await session.close()
        bridge.kill(signal.SIGTERM)
        await asyncio.to_thread(ha.stop)
        downstream.stop()
        upstream.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uplinks", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--rate", type=float, default=250.0, help="uplinks per second")
    parser.add_argument("--ack-timeout", type=int, default=10, help="the bridge's ack_timeout_s")
    parser.add_argument("--settle", type=float, default=600.0, help="seconds to drain at the end")
    common_arguments(parser)
    return run_main(parser.parse_args(), "fault-run-", run)


if __name__ == "__main__":
    sys.exit(main())
