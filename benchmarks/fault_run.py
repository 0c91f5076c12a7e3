"""Fault run of the path network server → bridge → HA's broker → Home Assistant.

``.venv/bin/python benchmarks/fault_run.py [--uplinks 20000] [--devices 20] [--rate 250]``

Home Assistant needs its frontend package (``home-assistant-frontend``, in
requirements/demo.txt), or it starts in recovery mode. Without it in the venv, install it
aside and pass ``--ha-pythonpath``:
``pip install --no-deps --target /tmp/ha-frontend home-assistant-frontend==20250411.0``.

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
from collections.abc import Callable
import contextlib
import getpass
import json
import os
from pathlib import Path
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any
import urllib.request

import aiohttp
from paho.mqtt.client import Client, MQTTv311
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bridge import MOSQUITTO, SRC, free_port, wait_port  # noqa: E402
from scripts.demo_setup import (  # noqa: E402
    Api,
    Websocket,
    _expect,
    onboard_or_log_in,
    wait_for_home_assistant,
    wait_until_running,
)

APP = "fault-run"
TOPIC = "ange_iot/chirpstack/+/+"
# A broker or HA coming back after a SIGKILL may take longer than the bridge benchmark's wait.
PORT_WAIT_S = 30.0


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


class Broker:
    """One Mosquitto with persistence; keeps its port across restarts."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True)
        (directory / "mosquitto.conf").write_text(
            f"user {getpass.getuser()}\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            "autosave_interval 5\n"
            "max_queued_messages 0\n"
            "max_queued_bytes 0\n"
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n",
            encoding="utf-8",
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.directory / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, PORT_WAIT_S)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(15)
            self.process = None


class Bridge:
    """``python -m lorawan_bridge`` with its own data directory."""

    def __init__(self, directory: Path, options: dict[str, Any]) -> None:
        directory.mkdir(parents=True)
        self.directory = directory
        (directory / "options.json").write_text(json.dumps(options), encoding="utf-8")
        self.ingress_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = os.environ | {"PYTHONPATH": str(SRC)}
        env.pop("SUPERVISOR_TOKEN", None)
        with (self.directory / "bridge.log").open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lorawan_bridge",
                    "--options",
                    str(self.directory / "options.json"),
                    "--data",
                    str(self.directory / "data"),
                    "--ingress-port",
                    str(self.ingress_port),
                    "--stats-interval",
                    "5",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_port(self.ingress_port, PORT_WAIT_S)

    def health(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.ingress_port}/health"
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.load(response))

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(30)
            self.process = None


class HomeAssistant:
    """A real Home Assistant with the mqtt integration and ange_iot."""

    def __init__(self, directory: Path, extra_path: str) -> None:
        self.config = directory
        self.extra_path = extra_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        (directory / "custom_components").mkdir(parents=True)
        (directory / "custom_components" / "ange_iot").symlink_to(
            ROOT / "custom_components" / "ange_iot"
        )
        # Only what the run needs: no frontend, no recorder (the counts live in the
        # hub's own storage and in the state machine).
        (directory / "configuration.yaml").write_text(
            "homeassistant:\n"
            "  name: Fault run\n"
            "  time_zone: Europe/Stockholm\n"
            "  unit_system: metric\n"
            "  country: SE\n"
            "  latitude: 62.52\n"
            "  longitude: 15.66\n"
            "http:\n"
            f"  server_port: {self.port}\n"
            "  server_host: 127.0.0.1\n"
            "onboarding:\n"
            "api:\n"
            "logger:\n"
            "  default: warning\n"
            "  logs:\n"
            "    custom_components.ange_iot: info\n"
            "    homeassistant.components.mqtt: info\n",
            encoding="utf-8",
        )

    def start(self) -> None:
        env = dict(os.environ)
        if self.extra_path:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, (self.extra_path, env.get("PYTHONPATH")))
            )
        with (self.config / "console.log").open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "homeassistant", "--config", str(self.config), "--skip-pip"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """A clean stop, as `ha core restart` does it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(120)
            self.process = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


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


def publish(broker: Broker, plan: list[tuple[str, int]], rate: float, progress: list[int]) -> None:
    """Publish the plan at ``rate`` per second, QoS 1, counting in ``progress[0]``."""
    client = Client(CallbackAPIVersion.VERSION2, client_id="chirpstack", protocol=MQTTv311)
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    begin = time.monotonic()
    infos = []
    for n, (dev_eui, f_cnt) in enumerate(plan):
        delay = begin + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        infos.append(client.publish(*uplink(dev_eui, f_cnt, n), qos=1))
        progress[0] = n + 1
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


async def set_up_home_assistant(ha: HomeAssistant, broker: Broker, devices: list[str]) -> Api:
    """Onboard, add the mqtt integration, the hub (MQTT transport) and the trail counters."""
    session = aiohttp.ClientSession()
    api = Api(session, ha.base)
    pending = await wait_for_home_assistant(api, ha.process.pid if ha.process else None, 600)
    # Only the user step: the others set up online services this run does not need.
    api.token = await onboard_or_log_in(api, [step for step in pending if step == "user"])
    await wait_until_running(api)
    flow = await api.call("POST", "/api/config/config_entries/flow", body={"handler": "mqtt"})
    _expect(flow, "form", "broker")
    done = await api.call(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        body={"broker": "127.0.0.1", "port": broker.port},
    )
    _expect(done, "create_entry")
    flow = await api.call("POST", "/api/config/config_entries/flow", body={"handler": "ange_iot"})
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    step = await api.call(
        "POST", path, body={"network": "chirpstack", "transport": "mqtt", "application_id": APP}
    )
    _expect(step, "form", "mqtt_topic")
    step = await api.call("POST", path, body={"mqtt_topic": TOPIC})
    _expect(step, "form")  # what to set up on the network server side
    created = await api.call("POST", path, body={})
    _expect(created, "create_entry")
    entry_id = created["result"]["entry_id"]
    for i, dev_eui in enumerate(devices):
        flow = await api.call(
            "POST",
            "/api/config/config_entries/subentries/flow",
            body={"handler": [entry_id, "device"]},
        )
        path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
        step = await api.call(
            "POST",
            path,
            body={
                "dev_eui": dev_eui,
                "model": "milesight_vs133",
                "name": f"Trail {i:02d}",
                "role": "trail",
            },
        )
        _expect(step, "form", "settings")
        step = await api.call(
            "POST",
            path,
            body={"season_start": "01-01", "location": {"latitude": 62.5, "longitude": 15.8}},
        )
        _expect(step, "create_entry")
    return api


async def counts(api: Api, devices: list[str]) -> dict[str, tuple[int | None, int | None]]:
    """Per device: (visitors_total, frame counter) as HA's state machine has them."""
    async with Websocket(api) as ws:
        registry = await ws.call("config/entity_registry/list")
    by_unique = {e["unique_id"]: e["entity_id"] for e in registry if e["platform"] == "ange_iot"}
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


async def wait_for(
    what: str, predicate: Callable[[], Any], timeout: float, interval: float = 1.0
) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(interval)


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    devices = [f"24e124535b{i:06x}" for i in range(args.devices)]
    plan: list[tuple[str, int]] = []
    sent: dict[str, int] = dict.fromkeys(devices, 0)
    for n in range(args.uplinks):
        dev_eui = devices[n % len(devices)]
        sent[dev_eui] += 1
        plan.append((dev_eui, sent[dev_eui]))  # frame counters 1, 2, 3, ... per device

    upstream, downstream = Broker(work / "upstream"), Broker(work / "downstream")
    upstream.start()
    downstream.start()
    ha = HomeAssistant(work / "ha", args.ha_pythonpath)
    bridge = Bridge(
        work / "bridge",
        {
            "network": "chirpstack",
            "upstream_host": "127.0.0.1",
            "upstream_port": upstream.port,
            "downstream_host": "127.0.0.1",
            "downstream_port": downstream.port,
            "ack_timeout_s": args.ack_timeout,
        },
    )
    faults: list[dict[str, Any]] = []
    try:
        log("starting Home Assistant (the first start takes a while)")
        ha.start()
        api = await set_up_home_assistant(ha, downstream, devices)
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
            target=publish, args=(upstream, plan, args.rate, progress), daemon=True
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
        await wait_for_home_assistant(api, ha.process.pid if ha.process else None, 600)
        await wait_until_running(api)
        log("Home Assistant is back")

        await asyncio.to_thread(publisher.join)
        published_s = time.monotonic() - started
        log(f"all {args.uplinks} published; waiting for the bridge's queue to empty")

        async def drained() -> bool:
            health = await asyncio.to_thread(bridge.health)
            return health["queued"] == 0 and health["received"] > 0

        await wait_for("bridge queue empty", drained, args.settle)
        result = await counts(api, devices)

        async def complete() -> bool:
            nonlocal result
            result = await counts(api, devices)
            return sum(v or 0 for d, (v, _) in result.items() if d != "rejected") >= args.uplinks

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
        await api.session.close()
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
        bridge.kill(signal.SIGTERM)
        await asyncio.to_thread(ha.stop)
        downstream.kill(signal.SIGTERM)
        upstream.kill(signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uplinks", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--rate", type=float, default=250.0, help="uplinks per second")
    parser.add_argument("--ack-timeout", type=int, default=10, help="the bridge's ack_timeout_s")
    parser.add_argument("--settle", type=float, default=600.0, help="seconds to drain at the end")
    parser.add_argument("--keep", type=Path, help="keep logs and configuration here")
    parser.add_argument(
        "--ha-pythonpath",
        default="",
        help="extra import path for HA, e.g. where home-assistant-frontend is installed "
        "(HA starts in recovery mode without its frontend)",
    )
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
        work = args.keep
        result = asyncio.run(run(args, work))
    else:
        with tempfile.TemporaryDirectory(prefix="fault-run-") as tmp:
            result = asyncio.run(run(args, Path(tmp)))
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
