"""A backlog of over two hours, drained through the bridge, lands at its measured times.

``.venv/bin/python benchmarks/backlog_run.py [--interval 10] [--keep DIR]``

Home Assistant needs its frontend package: see benchmarks/e2e.py. Everything is real and
on loopback: the two Mosquitto brokers, the bridge with its SQLite queue, Home Assistant
with the recorder (SQLite) and ange_iot over MQTT, set up through its own APIs, and the
open_data add-on's service as ``python -m open_data`` with a long-lived access token.

The devices are the demo's three bathing places (role ``lake``): an Elsys ELT Lite, a
Milesight EM500-PT100 and a Decentlab DL-DS18, each payload in its vendor's encoding.

1. With everything up, each probe reports once, measured at the top of the hour two
   hours back, less one interval: the state the outage starts from. Open data is
   configured with the water-temperature entities and follows Home Assistant.
2. Home Assistant stops. The network server publishes a reading from each probe every
   ``--interval`` minutes, from the top of that hour up to now, each with its ChirpStack
   ``time``. The bridge must hold all of them.
3. Home Assistant starts again; the bridge drains when its birth message comes.

Then, through public interfaces only, each device must show:

- in HA's long-term statistics (``recorder/statistics_during_period``, hourly), for every
  UTC hour that had ended when the readings were made, the mean, minimum and maximum of
  the values sent in that hour, at that hour; the hour running then is left to the
  recorder, which compiles it from the states when it ends;
- its ``measured_at`` attribute equal to the newest ``time`` sent, and that value;
- in open data, SensorThings Observations and ``/api/v1/history.json`` holding every
  reading sent at its sent time, at the published resolution, and nothing at another time.

The outage starts at the top of an hour: an hour with readings from both before and
after an outage gets its statistics replaced by the late ones (late_statistics.py).

Values step by 1 °C an hour and by 0.5 °C within it, on a 0.5 °C grid every probe's
resolution (0.1 or 1/16 °C) carries exactly. It prints one JSON object of figures and
exits 0 on a pass, 1 on a fail; ``--keep DIR`` keeps logs, configurations and databases.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.backlog_checks import (  # noqa: E402
    HOUR,
    Plan,
    hour_of,
    open_data_check,
    poll,
    states_check,
    statistics_check,
)
from benchmarks.bridge import (  # noqa: E402
    Broker,
    free_port,
    start_addon,
    wait_port,
)
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
from scripts.lorawan_simulator import APPLICATION_ID, SimulatedDevice, demo_devices  # noqa: E402
from scripts.open_data_demo import places, write_options  # noqa: E402

OPEN_DATA_SRC = ROOT / "addons" / "open_data" / "src"
# Water temperature at the first reading of each probe, on the 0.5 °C grid.
BASES = (12.0, 14.5, 17.0)


def make_plan(now: datetime, interval: timedelta) -> Plan:
    """Each probe's readings: one before the outage, then the backlog up to a minute ago."""
    first = hour_of(now) - 2 * HOUR
    times = [first - interval]
    while times[-1] + interval <= now - timedelta(minutes=1):
        times.append(times[-1] + interval)
    lakes = [device for device in demo_devices() if device.role == "lake"]
    readings = {
        lake.dev_eui: [
            (at, base + (hour_of(at) - hour_of(times[0])) / HOUR + 0.5 * (k % 3))
            for k, at in enumerate(times)
        ]
        for lake, base in zip(lakes, BASES, strict=True)
    }
    return Plan([probe(lake, dict(readings[lake.dev_eui])) for lake in lakes], readings, now)


def probe(template: SimulatedDevice, values: Mapping[datetime, float]) -> SimulatedDevice:
    """The demo's lake probe, reporting the planned water temperature at each time."""
    measure = template.measure

    def planned(device: SimulatedDevice, now: datetime) -> dict[str, Any]:
        return dict(measure(device, now)) | {"external_temperature": values[now]}

    return replace(template, measure=planned)


def messages(plan: Plan, index: slice) -> list[tuple[str, bytes]]:
    """ChirpStack ``up`` events of the readings at ``index`` in each probe's list, in time order.

    Each probe counts its frames on from one call to the next, as a device does.
    """
    out: list[tuple[datetime, str, bytes]] = []
    for device in plan.devices:
        topic = f"application/{APPLICATION_ID}/device/{device.dev_eui}/event/up"
        for at, _ in plan.readings[device.dev_eui][index]:
            out.append((at, topic, json.dumps(device.uplink(at)).encode()))
    out.sort(key=lambda item: item[0])
    return [(topic, body) for _, topic, body in out]


class OpenData:
    """The open_data add-on's service, as ``python -m open_data``."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ha_url: str, token: str, place_list: list[dict[str, Any]]) -> None:
        options = self.directory / "options.json"
        write_options(options, ha_url, token, place_list, port=self.port)
        self.process = start_addon(
            "open_data",
            OPEN_DATA_SRC,
            self.directory / "open_data.log",
            "--options",
            str(options),
            "--data",
            str(self.directory / "data"),
            # The admin page is ingress-only and not what this run reads.
            "--admin-port",
            "-1",
        )
        wait_port(self.port, 30)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
            self.process = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def send(to: Broker, batch: list[tuple[str, bytes]]) -> None:
    """Publish ``batch`` as the network server, 200 a second, and wait until it is sent."""
    thread = threading.Thread(
        target=publish, args=(to, len(batch), batch.__getitem__, 200.0, [0]), daemon=True
    )
    thread.start()
    await asyncio.to_thread(thread.join)


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    plan = make_plan(datetime.now(UTC).replace(microsecond=0), timedelta(minutes=args.interval))
    upstream, downstream = broker(work / "upstream"), broker(work / "downstream")
    upstream.start()
    downstream.start()
    ha = HomeAssistant(work / "ha", args.ha_pythonpath, name="Backlog run", recorder=True)
    bridge = bridge_between(work / "bridge", upstream, downstream)
    open_data = OpenData(work / "open_data")
    session = aiohttp.ClientSession()
    try:
        log("starting Home Assistant with the recorder")
        ha.start()
        api = Api(session, ha.base)
        entry_id = await set_up_hub(api, ha, downstream, APPLICATION_ID)
        async with Websocket(api) as ws:
            await ensure_devices(api, ws, Hub(entry_id, "", ""), plan.devices)
        bridge.start()
        await wait_for(
            "bridge acknowledged end to end",
            lambda: asyncio.to_thread(lambda: bridge.health()["ack_mode"] == "end_to_end"),
            60,
            0.2,
        )
        log("each probe reports once before the outage")
        await send(upstream, messages(plan, slice(0, 1)))
        before = await poll(lambda: states_check(api, plan, 1), 60)
        if not before["ok"]:
            raise RuntimeError(f"the first readings did not show in HA: {before}")
        ids = await entity_ids(api)
        async with Websocket(api) as ws:
            token = await ws.call(
                "auth/long_lived_access_token", client_name="open data", lifespan=1
            )
        open_data.start(ha.base, str(token), places(plan.devices, ids))
        following = await poll(lambda: open_data_check(session, open_data.base, plan, ids, 1), 60)
        if not following["ok"]:
            raise RuntimeError(f"open data did not take the first readings: {following}")

        log("Home Assistant stops; the network server sends the backlog")
        await asyncio.to_thread(ha.stop)
        backlog = messages(plan, slice(1, None))
        await send(upstream, backlog)
        await wait_for(
            "the bridge holds the backlog",
            lambda: asyncio.to_thread(lambda: bridge.health()["queued"] >= len(backlog)),
            30,
            0.2,
        )
        held = int(bridge.health()["queued"])

        log(f"Home Assistant starts; the bridge holds {held} uplinks")
        started = time.monotonic()

        def since() -> float:
            return round(time.monotonic() - started, 1)

        ha.start()
        await ha.wait_running(api)
        running_s = since()
        await wait_for("bridge queue empty", lambda: asyncio.to_thread(bridge.drained), 120, 0.2)
        drained_s = since()
        count = len(plan.times)
        states = await poll(lambda: states_check(api, plan, count), 30)
        states["after_s"] = since()
        log("reading HA's long-term statistics")
        hourly = await poll(lambda: statistics_check(api, plan), 90)
        hourly["after_s"] = since()
        log("reading open data")
        published = await poll(
            lambda: open_data_check(session, open_data.base, plan, ids, count), 150
        )
        published["after_s"] = since()
        health = await asyncio.to_thread(bridge.health)
        return {
            "devices": [d.model for d in plan.devices],
            "readings_per_device": count,
            "backlog_uplinks": len(backlog),
            "backlog_from": plan.times[1].isoformat(),
            "backlog_to": plan.times[-1].isoformat(),
            "backlog_hours": round((plan.times[-1] - plan.times[1]) / HOUR, 2),
            "bridge_held_while_ha_down": held,
            "ha_running_after_s": running_s,
            "bridge_drained_after_s": drained_s,
            "newest_reading_in_ha": states,
            "statistics": hourly,
            "open_data": published,
            "bridge_after": {k: health[k] for k in ("ack_mode", "queued", "forwarded")},
            "passed": held >= len(backlog)
            and all(check["ok"] for check in (states, hourly, published)),
        }
    finally:
        await session.close()
        open_data.stop()
        bridge.kill(signal.SIGTERM)
        await asyncio.to_thread(ha.stop)
        downstream.stop()
        upstream.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--interval", type=int, default=10, help="minutes between a probe's readings"
    )
    common_arguments(parser)
    return run_main(parser.parse_args(), "backlog-run-", run)


if __name__ == "__main__":
    sys.exit(main())
