"""Wiring: the store, both brokers, the HTTP servers and the counters' publisher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
from pathlib import Path
import secrets

from aiohttp import web

from .ack import AckSettings
from .downlink import translate
from .downstream import Downstream
from .events import InvalidEvent
from .http_api import receiver_app, status_app
from .mqttclient import BrokerSettings
from .options import Options
from .stats import Stats
from .store import Store
from .upstream import Upstream

_LOGGER = logging.getLogger(__name__)

INSTANCE_FILE = "instance_id"


@dataclass(frozen=True, slots=True)
class Runtime:
    """Settings that are not add-on options: where to listen and how often to report."""

    ingress_port: int = 8099
    stats_interval: float = 30.0


def instance_id(data_dir: Path) -> str:
    """A stable id per data directory: the persistent session's client id depends on it."""
    path = data_dir / INSTANCE_FILE
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = ""
    if not value:
        value = secrets.token_hex(4)
        path.write_text(value + "\n", encoding="ascii")
    return value


class Bridge:
    """One running bridge."""

    def __init__(
        self, options: Options, data_dir: Path, downstream: BrokerSettings, runtime: Runtime
    ) -> None:
        """Open the queue and build the clients; start() connects."""
        self.options = options
        self.runtime = runtime
        self.stats = Stats()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.instance = instance_id(data_dir)
        self.store = Store(data_dir, options.queue_max_bytes, self.stats)
        self.upstream: Upstream | None = None
        if options.upstream_host:
            self.upstream = Upstream(
                BrokerSettings(
                    options.upstream_host,
                    options.upstream_port,
                    options.upstream_username,
                    options.upstream_password,
                    options.upstream_tls,
                    options.ca_path,
                ),
                options.network,
                options.upstream_topics(),
                f"ange-iot-bridge-{self.instance}-up",
                self.store,
                self.stats,
            )
        self.downstream = Downstream(
            downstream,
            options.network,
            self.instance,
            self.store,
            self.stats,
            self._downlink,
            AckSettings(data_dir, options.ack_timeout_s, options.ha_birth_topic),
        )
        self._runners: list[web.AppRunner] = []
        self._reporter: asyncio.Task[None] | None = None
        self.stopped = False

    def _downlink(self, topic: str, payload: bytes) -> None:
        if self.upstream is None:
            self.stats.count_downlink_invalid()
            _LOGGER.warning("Dropped a downlink on %s: no upstream MQTT broker configured", topic)
            return
        try:
            downlink = translate(
                self.options.network, topic, payload, self.options.upstream_username
            )
        except InvalidEvent as err:
            self.stats.count_downlink_invalid()
            _LOGGER.warning("Dropped a downlink on %s (%s): %s", topic, err.reason, err)
            return
        self.upstream.send_downlink(downlink)
        self.stats.downlinks_forwarded += 1

    async def start(self) -> None:
        """Start the writer, both brokers and the HTTP servers."""
        self.store.start()
        self.downstream.start()
        if self.upstream is not None:
            self.upstream.start()
        if self.options.http_port:
            await self._serve(
                receiver_app(self.options, self.store, self.stats), self.options.http_port
            )
        if self.runtime.ingress_port:
            await self._serve(status_app(self.options, self.stats), self.runtime.ingress_port)
        self._reporter = asyncio.create_task(self._report())
        _LOGGER.info(
            "Bridge %s started: %s, %d events queued from before",
            self.instance,
            self.options.network,
            self.stats.queued,
        )

    async def _serve(self, app: web.Application, port: int) -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, port=port).start()
        self._runners.append(runner)

    async def _report(self) -> None:
        """Publish the counters for the discovery sensors until cancelled."""
        while True:
            self.downstream.publish_state(self.stats.snapshot())
            await asyncio.sleep(self.runtime.stats_interval)

    async def stop(self) -> None:
        """Stop taking events, then stop forwarding; what is queued stays on disk."""
        if self._reporter is not None:
            self._reporter.cancel()
            self._reporter = None
        if self.upstream is not None:
            await asyncio.to_thread(self.upstream.stop)
        for runner in self._runners:
            await runner.cleanup()
        await asyncio.to_thread(self.downstream.stop)
        await asyncio.to_thread(self.store.stop)
        self.stopped = True
        _LOGGER.info("Bridge stopped, %d events queued", self.stats.queued)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set."""
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
