"""Real processes on loopback for the end-to-end runs (fault_run.py, backlog_run.py).

Two Mosquitto brokers (the network server's and Home Assistant's), the bridge add-on as
``python -m lorawan_bridge`` with its SQLite queue on disk, and Home Assistant itself
(``python -m homeassistant --skip-pip``), set up through its onboarding and config-flow
APIs as a person would.

Home Assistant needs its frontend package (``home-assistant-frontend``, in
requirements/demo.txt), or it starts in recovery mode. Without it in the venv, install it
aside and pass ``--ha-pythonpath``:
``pip install --no-deps --target /tmp/ha-frontend home-assistant-frontend==20250411.0``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from paho.mqtt.client import Client, MQTTv311
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bridge import Bridge, Broker, chirpstack_options, free_port  # noqa: E402
from scripts.demo_setup import (  # noqa: E402
    Api,
    Websocket,
    _expect,
    onboard_or_log_in,
    wait_for_home_assistant,
    wait_until_running,
)

# A broker or HA coming back after a SIGKILL may take longer than the bridge benchmark's wait.
PORT_WAIT_S = 30.0
# Where the bridge publishes for the hub (its MQTT topic filter).
BRIDGE_TOPIC = "ange_iot/chirpstack/+/+"


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def broker(directory: Path) -> Broker:
    """A Mosquitto with persistence, as the Mosquitto add-on runs it."""
    return Broker(directory, persistent=True, port_wait=PORT_WAIT_S)


def bridge_between(directory: Path, upstream: Broker, downstream: Broker, **extra: Any) -> Bridge:
    """A ChirpStack bridge from the network server's broker to Home Assistant's."""
    options = chirpstack_options(upstream, downstream, **extra)
    return Bridge(directory, options, "--stats-interval", "5", port_wait=PORT_WAIT_S)


class HomeAssistant:
    """A real Home Assistant with the mqtt integration and ange_iot.

    ``recorder``: also the recorder (SQLite in the config directory) and the history API,
    for runs that read long-term statistics and history; without it the counts live only
    in the hub's own storage and the state machine, and HA starts faster.
    """

    def __init__(
        self, directory: Path, extra_path: str, *, name: str, recorder: bool = False
    ) -> None:
        self.config = directory
        self.extra_path = extra_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        (directory / "custom_components").mkdir(parents=True)
        (directory / "custom_components" / "ange_iot").symlink_to(
            ROOT / "custom_components" / "ange_iot"
        )
        history = "recorder:\nhistory:\n" if recorder else ""
        # Only what the run needs: no frontend panels, no default_config.
        (directory / "configuration.yaml").write_text(
            "homeassistant:\n"
            f"  name: {name}\n"
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
            f"{history}"
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

    async def wait_running(self, api: Api) -> None:
        """Until HA answers and has set up every integration."""
        await wait_for_home_assistant(api, self.process.pid if self.process else None, 600)
        await wait_until_running(api)

    def stop(self) -> None:
        """A clean stop, as `ha core restart` does it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(120)
            self.process = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def publish(
    to: Broker,
    count: int,
    message: Callable[[int], tuple[str, bytes]],
    rate: float,
    progress: list[int],
) -> None:
    """Publish ``message(n)`` for n < count at ``rate`` per second, QoS 1, as ChirpStack.

    ``progress[0]`` counts what was handed to the client, for faults timed by it.
    """
    client = Client(CallbackAPIVersion.VERSION2, client_id="chirpstack", protocol=MQTTv311)
    client.max_inflight_messages_set(100)
    client.connect("127.0.0.1", to.port)
    client.loop_start()
    begin = time.monotonic()
    infos = []
    for n in range(count):
        delay = begin + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        infos.append(client.publish(*message(n), qos=1))
        progress[0] = n + 1
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


async def set_up_hub(api: Api, ha: HomeAssistant, ha_broker: Broker, application_id: str) -> str:
    """Onboard, add the mqtt integration and a ChirpStack hub on the bridge's topics.

    Returns the hub's config entry id; ``api`` holds the onboarded user's token after.
    """
    pending = await wait_for_home_assistant(api, ha.process.pid if ha.process else None, 600)
    # Only the user step: the others set up online services these runs do not need.
    api.token = await onboard_or_log_in(api, [step for step in pending if step == "user"])
    await wait_until_running(api)
    flow = await api.call("POST", "/api/config/config_entries/flow", body={"handler": "mqtt"})
    _expect(flow, "form", "broker")
    done = await api.call(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        body={"broker": "127.0.0.1", "port": ha_broker.port},
    )
    _expect(done, "create_entry")
    flow = await api.call("POST", "/api/config/config_entries/flow", body={"handler": "ange_iot"})
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    step = await api.call(
        "POST",
        path,
        body={"network": "chirpstack", "transport": "mqtt", "application_id": application_id},
    )
    _expect(step, "form", "mqtt_topic")
    step = await api.call("POST", path, body={"mqtt_topic": BRIDGE_TOPIC})
    _expect(step, "form")  # what to set up on the network server side
    created = await api.call("POST", path, body={})
    _expect(created, "create_entry")
    return str(created["result"]["entry_id"])


async def entity_ids(api: Api) -> dict[str, str]:
    """The ange_iot entities HA registered: unique_id -> entity_id."""
    async with Websocket(api) as ws:
        registry = await ws.call("config/entity_registry/list")
    return {e["unique_id"]: e["entity_id"] for e in registry if e["platform"] == "ange_iot"}


async def wait_for(
    what: str, predicate: Callable[[], Awaitable[Any]], timeout: float, interval: float = 1.0
) -> None:
    """Until ``predicate()`` is true; TimeoutError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(interval)


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--keep`` and ``--ha-pythonpath``, which every end-to-end run takes."""
    parser.add_argument("--keep", type=Path, help="keep logs and configuration here")
    parser.add_argument(
        "--ha-pythonpath",
        default="",
        help="extra import path for HA, e.g. where home-assistant-frontend is installed "
        "(HA starts in recovery mode without its frontend)",
    )


def run_main(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[argparse.Namespace, Path], Coroutine[Any, Any, dict[str, Any]]],
) -> int:
    """Run in ``--keep`` or a temporary directory; print the figures as JSON; 0 on a pass.

    Standard output carries only the JSON: the setup helpers' progress lines go to stderr.
    """
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=False)
            work = args.keep
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
        started = time.monotonic()
        with contextlib.redirect_stdout(sys.stderr):
            result = asyncio.run(run(args, work))
        result["run_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1
