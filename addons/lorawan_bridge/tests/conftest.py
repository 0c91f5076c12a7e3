"""Real Mosquitto brokers on loopback, started and stopped by the tests themselves.

Each broker gets its own directory with a generated config, persistence file and log.
The bridge runs in-process (``bridge`` fixture) or as a subprocess (``BridgeProcess``)
where a test must SIGKILL it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
import getpass
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from paho.mqtt.client import Client, MQTTMessage, MQTTv311
from paho.mqtt.enums import CallbackAPIVersion
import pytest

ADDON = Path(__file__).resolve().parents[1]
SRC = ADDON / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from lorawan_bridge.bridge import Bridge, Runtime  # noqa: E402
from lorawan_bridge.mqttclient import BrokerSettings  # noqa: E402
from lorawan_bridge.options import parse_options  # noqa: E402

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {port}")


@dataclass
class Broker:
    """One Mosquitto process; keeps its port and persistence across restarts."""

    directory: Path
    port: int = field(default_factory=free_port)
    tls: dict[str, Path] | None = None
    process: subprocess.Popen[bytes] | None = None

    def config(self) -> str:
        lines = [
            # Started as root, Mosquitto would switch to its own user and then could not
            # write its files into our private temporary directory.
            f"user {getpass.getuser()}",
            "persistence true",
            f"persistence_location {self.directory}/",
            f"log_dest file {self.directory}/mosquitto.log",
            "log_type error",
            "log_type warning",
            # The bridge's persistent session may collect a long backlog while it is away.
            "max_queued_messages 0",
            "max_queued_bytes 0",
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
        ]
        if self.tls:
            lines += [
                f"cafile {self.tls['ca']}",
                f"certfile {self.tls['cert']}",
                f"keyfile {self.tls['key']}",
            ]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(self.config(), encoding="utf-8")
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)
        self.process = None

    def settings(self) -> BrokerSettings:
        return BrokerSettings("127.0.0.1", self.port)


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[Callable[..., Broker]]:
    started: list[Broker] = []

    def start(name: str, tls: dict[str, Path] | None = None) -> Broker:
        broker = Broker(tmp_path / name, tls=tls)
        broker.start()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.stop(signal.SIGKILL)


@pytest.fixture
def upstream(brokers: Callable[..., Broker]) -> Broker:
    return brokers("upstream")


@pytest.fixture
def downstream(brokers: Callable[..., Broker]) -> Broker:
    return brokers("downstream")


class Collector:
    """A subscriber on the downstream broker that records what arrives, in order."""

    def __init__(self, broker: Broker, topic: str = "ange_iot/#", client_id: str = "collector"):
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False, protocol=MQTTv311
        )
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect("127.0.0.1", broker.port, keepalive=10)
        self.client.loop_start()
        if not self._subscribed.wait(10):
            raise TimeoutError("collector did not subscribe")

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload))

    def payloads(self, prefix: str = "ange_iot/") -> list[bytes]:
        with self._lock:
            return [p for t, p in self.messages if t.startswith(prefix)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def collector(downstream: Broker) -> Iterator[Collector]:
    sub = Collector(downstream)
    yield sub
    sub.close()


def publisher(broker: Broker, **tls: Any) -> Client:
    client = Client(CallbackAPIVersion.VERSION2, client_id="", protocol=MQTTv311)
    client.max_inflight_messages_set(100)
    client.reconnect_delay_set(0.1, 0.5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def chirpstack_up(
    dev_eui: str, f_cnt: int, dedup: str | None = None, app: str = "app-1"
) -> tuple[str, bytes]:
    """A ChirpStack v4 uplink event in the shape of its MQTT integration."""
    body = {
        "deduplicationId": dedup or f"00000000-0000-4000-8000-{f_cnt:012d}",
        "time": "2025-01-01T00:00:00Z",
        "deviceInfo": {
            "tenantId": "t-1",
            "applicationId": app,
            "deviceName": "sensor",
            "devEui": dev_eui,
        },
        "fCnt": f_cnt,
        "fPort": 5,
        "data": "AQI=",
    }
    return f"application/{app}/device/{dev_eui}/event/up", json.dumps(body).encode()


def tts_up(
    dev_eui: str, f_cnt: int, app: str = "ange@ttn", device: str = "dev-1"
) -> tuple[str, bytes]:
    """A The Things Stack v3 uplink message."""
    body = {
        "end_device_ids": {
            "device_id": device,
            "application_ids": {"application_id": app.split("@")[0]},
            "dev_eui": dev_eui.upper(),
        },
        "received_at": "2025-01-01T00:00:00Z",
        "uplink_message": {"f_port": 5, "f_cnt": f_cnt, "frm_payload": "AQI="},
    }
    return f"v3/{app}/devices/{device}/up", json.dumps(body).encode()


def options_for(upstream: Broker | None, downstream: Broker, **extra: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "network": "chirpstack",
        "downstream_host": "127.0.0.1",
        "downstream_port": downstream.port,
        "queue_max_mb": 64,
    }
    if upstream is not None:
        options |= {"upstream_host": "127.0.0.1", "upstream_port": upstream.port}
    return options | extra


async def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def bridge_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    running: list[Bridge] = []

    async def start(
        options: dict[str, Any],
        data: Path | None = None,
        downstream: BrokerSettings | None = None,
        ingress_port: int = 0,
    ) -> Bridge:
        parsed = parse_options(options)
        settings = downstream or BrokerSettings(parsed.downstream_host, parsed.downstream_port)
        bridge = Bridge(
            parsed, data or tmp_path / "data", settings, Runtime(ingress_port, stats_interval=0.2)
        )
        await bridge.start()
        running.append(bridge)
        return bridge

    yield start
    for bridge in running:
        if not bridge.stopped:
            await bridge.stop()


class BridgeProcess:
    """The bridge as ``python -m lorawan_bridge``, for tests that must SIGKILL it."""

    def __init__(self, options: dict[str, Any], directory: Path, ingress_port: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.options_file = directory / "options.json"
        self.options_file.write_text(json.dumps(options), encoding="utf-8")
        self.data = directory / "data"
        self.ingress_port = ingress_port
        self.log = directory / "bridge.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = os.environ | {"PYTHONPATH": str(SRC)}
        env.pop("SUPERVISOR_TOKEN", None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lorawan_bridge",
                    "--options",
                    str(self.options_file),
                    "--data",
                    str(self.data),
                    "--ingress-port",
                    str(self.ingress_port),
                    "--stats-interval",
                    "0.5",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_port(self.ingress_port)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(15)
        self.process = None


@pytest.fixture
def bridge_process(tmp_path: Path) -> Iterator[Callable[..., BridgeProcess]]:
    made: list[BridgeProcess] = []

    def make(options: dict[str, Any], name: str = "proc") -> BridgeProcess:
        proc = BridgeProcess(options, tmp_path / name, free_port())
        made.append(proc)
        return proc

    yield make
    for proc in made:
        proc.kill()
