"""Benchmark of the lorawan_bridge add-on: ``.venv/bin/python benchmarks/bridge.py``.

Everything is real and on loopback: two Mosquitto brokers (the network server's and
Home Assistant's), the bridge as ``python -m lorawan_bridge`` with its SQLite queue on
disk (WAL, synchronous=FULL), a publisher process playing ChirpStack and a subscriber
playing Home Assistant. It prints:

1. sustained forwarded messages/s, counted at the downstream subscriber;
2. the drain rate of a 100,000-event backlog built while the downstream broker was down;
3. the bridge's resident memory before and after that backlog (and after the drain);
4. two bridge instances splitting one shared subscription ($share/<group>/...).

The machine's other load counts: all processes share its cores.
"""

from __future__ import annotations

import argparse
import collections
import getpass
import json
import multiprocessing
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any
import urllib.request

from paho.mqtt.client import Client, MQTTMessage, MQTTv311
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "addons" / "lorawan_bridge" / "src"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
DEVICES = 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class Broker:
    """One Mosquitto on loopback; keeps its port across restarts.

    ``persistent``: with a persistence file, as the Mosquitto add-on runs it (the
    end-to-end runs kill and restart it). ``port_wait``: how long start() waits for it.
    """

    def __init__(
        self,
        directory: Path,
        max_inflight: int = 20,
        *,
        persistent: bool = False,
        port_wait: float = 15.0,
    ) -> None:
        self.directory = directory
        self.port = free_port()
        self.port_wait = port_wait
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True)
        persistence = (
            f"persistence true\npersistence_location {directory}/\nautosave_interval 5\n"
            if persistent
            else "persistence false\n"
        )
        (directory / "mosquitto.conf").write_text(
            f"user {getpass.getuser()}\n"
            f"{persistence}"
            "max_queued_messages 0\n"
            "max_queued_bytes 0\n"
            # Unacknowledged QoS 1 messages the broker sends a client; 20 is Mosquitto's
            # default, and the bridge acknowledges only after its commit.
            f"max_inflight_messages {max_inflight}\n"
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
        wait_port(self.port, self.port_wait)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(15)
            self.process = None


def chirpstack_options(upstream: Broker, downstream: Broker, **extra: Any) -> dict[str, Any]:
    """The bridge's options for ChirpStack from one loopback broker to the other."""
    return {
        "network": "chirpstack",
        "upstream_host": "127.0.0.1",
        "upstream_port": upstream.port,
        "downstream_host": "127.0.0.1",
        "downstream_port": downstream.port,
    } | extra


def start_addon(package: str, src: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """An add-on's service run directly, as ``python -m <package>``, its output in ``log``.

    Without a Supervisor the services read their options file; a SUPERVISOR_TOKEN in this
    environment must not make them look for one.
    """
    env = os.environ | {"PYTHONPATH": str(src)}
    env.pop("SUPERVISOR_TOKEN", None)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", package, *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


class Bridge:
    """``python -m lorawan_bridge`` with its own data directory; start() again after kill().

    ``flags`` go to its command line after the options, data and ingress port.
    """

    def __init__(
        self, directory: Path, options: dict[str, Any], *flags: str, port_wait: float = 15.0
    ) -> None:
        directory.mkdir(parents=True)
        self.directory = directory
        (directory / "options.json").write_text(json.dumps(options), encoding="utf-8")
        self.flags = flags
        self.port_wait = port_wait
        self.ingress_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_addon(
            "lorawan_bridge",
            SRC,
            self.directory / "bridge.log",
            "--options",
            str(self.directory / "options.json"),
            "--data",
            str(self.directory / "data"),
            "--ingress-port",
            str(self.ingress_port),
            *self.flags,
        )
        wait_port(self.ingress_port, self.port_wait)

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ingress_port}/health", timeout=5) as r:
            return dict(json.load(r))

    def drained(self) -> bool:
        """Whether everything received has left the queue."""
        health = self.health()
        return bool(health["queued"] == 0 and health["received"] > 0)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            self.process.send_signal(sig)
            self.process.wait(30)
            self.process = None


class BridgeProcess(Bridge):
    """A bridge started at once, with the measurements this benchmark takes of it."""

    def __init__(self, directory: Path, options: dict[str, Any]) -> None:
        super().__init__(directory, options, "--log-level", "WARNING")
        self.start()

    def wait(self, predicate: Any, timeout: float = 600.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            health = self.health()
            if predicate(health):
                return health
            if time.monotonic() > deadline:
                raise TimeoutError(f"bridge state not reached: {health}")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


def envelope(n: int) -> tuple[str, bytes]:
    """A ChirpStack v4 uplink as its MQTT integration sends it (about 700 bytes)."""
    dev_eui = f"a84041000000{n % DEVICES:04x}"
    body = {
        "deduplicationId": f"3b4c5d6e-0000-4000-8000-{n:012d}",
        "time": "2025-01-15T07:30:00.000000+00:00",
        "deviceInfo": {
            "tenantId": "52f14cd4-c6f1-4fbd-8f87-4025e1d49242",
            "tenantName": "Ånge kommun",
            "applicationId": "17c82e96-be03-4f38-aef3-f83d48582d97",
            "applicationName": "Fastigheter",
            "deviceProfileId": "14855bf7-d10d-4aee-b618-ebfcb64dc7ad",
            "deviceProfileName": "ERS CO2",
            "deviceName": f"sensor-{n % DEVICES}",
            "devEui": dev_eui,
            "tags": {},
        },
        "devAddr": "01fa3b2c",
        "adr": True,
        "dr": 5,
        "fCnt": n // DEVICES,
        "fPort": 5,
        "confirmed": False,
        "data": "AQDuAiMEAJEFAgYBrw==",
        "rxInfo": [
            {
                "gatewayId": "0016c001ff10d3f6",
                "uplinkId": 4217106255,
                "rssi": -91,
                "snr": 7.5,
                "channel": 2,
                "location": {"latitude": 62.4197, "longitude": 15.6536},
                "context": "EFwMtA==",
                "metadata": {"region_config_id": "eu868"},
            }
        ],
        "txInfo": {
            "frequency": 868500000,
            "modulation": {
                "lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5"}
            },
        },
    }
    return (
        f"application/17c82e96-be03-4f38-aef3-f83d48582d97/device/{dev_eui}/event/up",
        json.dumps(body).encode(),
    )


def publish(port: int, first: int, count: int, done: Any) -> None:
    """Publisher process: QoS 1 with up to 1000 in flight, as fast as the broker takes them."""
    client = Client(CallbackAPIVersion.VERSION2, protocol=MQTTv311)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    messages = [envelope(n) for n in range(first, first + count)]
    start = time.monotonic()
    pending: collections.deque[Any] = collections.deque()
    for topic, payload in messages:
        # paho's message ids wrap at 65535: keep fewer than that unacknowledged.
        if len(pending) >= 20_000:
            pending.popleft().wait_for_publish(120)
        pending.append(client.publish(topic, payload, qos=1))
    for info in pending:
        info.wait_for_publish(120)
    done.put(count / (time.monotonic() - start))
    client.disconnect()
    client.loop_stop()


def start_publisher(port: int, first: int, count: int) -> tuple[Any, Any]:
    ctx = multiprocessing.get_context("spawn")
    done = ctx.Queue()
    proc = ctx.Process(target=publish, args=(port, first, count, done))
    proc.start()
    return proc, done


class Counter:
    """The Home Assistant side: counts what arrives on ange_iot/#, with timestamps."""

    def __init__(self, port: int) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self._ready = threading.Event()
        self.client = Client(CallbackAPIVersion.VERSION2, protocol=MQTTv311)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe("ange_iot/#", qos=1)
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self._ready.wait(10)

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        now = time.monotonic()
        if not self.count:
            self.first = now
        self.count += 1
        self.last = now

    def reset(self) -> None:
        self.count = 0

    def wait(self, count: int, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.count} of {count} arrived")
            time.sleep(0.02)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"cpus": os.cpu_count()}
    upstream = Broker(work / "upstream", args.upstream_inflight)
    downstream = Broker(work / "downstream")
    upstream.start()
    downstream.start()
    options = chirpstack_options(upstream, downstream, queue_max_mb=1024)
    bridge = BridgeProcess(work / "bridge", options)
    bridge.wait(lambda h: h["upstream_connected"] and h["downstream_connected"], 30)
    counter = Counter(downstream.port)

    # 1. Sustained throughput, durable queue on.
    n = args.messages
    cpu = bridge.cpu_s()
    proc, done = start_publisher(upstream.port, 0, n)
    counter.wait(n)
    proc.join()
    results["bridge_cpu_us_per_msg"] = round((bridge.cpu_s() - cpu) / n * 1e6)
    results["sustained_msgs_per_s"] = round((n - 1) / (counter.last - counter.first))
    results["sustained_messages"] = n
    results["publisher_msgs_per_s"] = round(done.get())
    bridge.wait(lambda h: h["queued"] == 0)

    # 2 and 3. A backlog while Home Assistant's broker is down, then the drain.
    results["rss_mb_before_backlog"] = round(bridge.rss_mb(), 1)
    counter.close()
    downstream.stop()
    bridge.wait(lambda h: not h["downstream_connected"], 30)
    backlog = args.backlog
    proc, done = start_publisher(upstream.port, n, backlog)
    proc.join()
    bridge.wait(lambda h: h["queued"] >= backlog)
    results["backlog"] = backlog
    results["backlog_queue_mb_on_disk"] = round(
        sum(f.stat().st_size for f in (work / "bridge" / "data").glob("queue.sqlite3*")) / 2**20, 1
    )
    results["rss_mb_with_backlog"] = round(bridge.rss_mb(), 1)
    downstream.start()
    connected = bridge.wait(lambda h: h["downstream_connected"], 60)
    start = time.monotonic()
    forwarded_before = connected["forwarded"]
    final = bridge.wait(lambda h: h["queued"] == 0)
    results["drain_msgs_per_s"] = round(
        (final["forwarded"] - forwarded_before) / (time.monotonic() - start)
    )
    results["rss_mb_after_drain"] = round(bridge.rss_mb(), 1)
    bridge.stop()

    # 4. Two instances on one shared subscription.
    shared = options | {"upstream_share_group": "ange"}
    instances = [BridgeProcess(work / f"shared-{i}", shared) for i in (1, 2)]
    for instance in instances:
        instance.wait(lambda h: h["upstream_connected"] and h["downstream_connected"], 30)
    counter = Counter(downstream.port)
    m = args.messages
    proc, done = start_publisher(upstream.port, 10_000_000, m)
    counter.wait(m)
    proc.join()
    results["shared_two_instances_msgs_per_s"] = round((m - 1) / (counter.last - counter.first))
    results["shared_split"] = [i.health()["received"] for i in instances]
    counter.close()
    for instance in instances:
        instance.stop()
    upstream.stop()
    downstream.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000, help="messages in runs 1 and 4")
    parser.add_argument("--backlog", type=int, default=100_000, help="events queued in run 2")
    parser.add_argument(
        "--upstream-inflight",
        type=int,
        default=20,
        help="the upstream broker's max_inflight_messages",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp:
        results = run(args, Path(tmp))
    if args.json:
        print(json.dumps(results))
        return
    print(
        f"lorawan_bridge benchmark ({results['cpus']} CPUs, other load not controlled, "
        f"upstream max_inflight_messages {args.upstream_inflight})"
    )
    print(
        f"  sustained forwarded:   {results['sustained_msgs_per_s']:>7} msg/s "
        f"({results['sustained_messages']} messages; publisher offered {results['publisher_msgs_per_s']} msg/s)"
    )
    print(f"  bridge CPU per event:  {results['bridge_cpu_us_per_msg']:>7} µs (all its threads)")
    print(
        f"  backlog drain:         {results['drain_msgs_per_s']:>7} msg/s "
        f"({results['backlog']} events, {results['backlog_queue_mb_on_disk']} MB on disk)"
    )
    print(f"  RSS before backlog:    {results['rss_mb_before_backlog']:>7} MB")
    print(f"  RSS with backlog:      {results['rss_mb_with_backlog']:>7} MB")
    print(f"  RSS after drain:       {results['rss_mb_after_drain']:>7} MB")
    print(
        f"  shared, 2 instances:   {results['shared_two_instances_msgs_per_s']:>7} msg/s "
        f"(split {results['shared_split'][0]} / {results['shared_split'][1]})"
    )


if __name__ == "__main__":
    main()
