"""The service: the store, the HA source, the public site and the admin page, started together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from .admin import AdminSite
from .catalog import Catalogue
from .options import Options
from .source import HomeAssistantSource
from .store import Store
from .timeutil import DAY_MS, now_ms
from .web import PublicSite

_LOGGER = logging.getLogger(__name__)

INGRESS_PORT = 8099
PURGE_INTERVAL_S = 6 * 3600


class OpenDataService:
    """Everything the add-on runs, with one start and one stop."""

    def __init__(
        self,
        options: Options,
        data_dir: Path,
        *,
        admin_port: int | None = INGRESS_PORT,
        admin_host: str = "0.0.0.0",
        public_host: str = "0.0.0.0",
        admin_allowed: tuple[str, ...] | None = None,
        follow_home_assistant: bool = True,
    ) -> None:
        """Prepare; nothing runs until ``start``. ``admin_port`` None turns the admin page off."""
        self.options = options
        self.store = Store(data_dir / "open_data.sqlite3")
        self.catalogue = Catalogue(options, self.store)
        self.public = PublicSite(self.catalogue)
        self.admin = AdminSite(self.catalogue, admin_allowed)
        self._admin_port = admin_port
        self._admin_host = admin_host
        self._public_host = public_host
        self._follow = follow_home_assistant
        self._runners: list[web.AppRunner] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self.source: HomeAssistantSource | None = None
        self.public_port = 0
        self.admin_port = 0

    async def start(self) -> None:
        """Open the store, start both web servers and begin following Home Assistant."""
        await self.store.open()
        await self.catalogue.load()
        self.public_port = await self._serve(
            self.public.app(), self._public_host, self.options.port
        )
        if self._admin_port is not None:
            self.admin_port = await self._serve(
                self.admin.app(), self._admin_host, self._admin_port
            )
        if self._follow:
            self._session = aiohttp.ClientSession()
            self.source = HomeAssistantSource(self.catalogue, self._session)
            self._tasks.append(asyncio.create_task(self.source.run(), name="open_data_source"))
        self._tasks.append(asyncio.create_task(self._purge_forever(), name="open_data_purge"))
        _LOGGER.info(
            "Serving open data on port %d (admin page on port %s)",
            self.public_port,
            self.admin_port or "none",
        )

    async def _serve(self, app: web.Application, host: str, port: int) -> int:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runners.append(runner)
        # With port 0 the OS picks one: report the port actually bound.
        return int(runner.addresses[0][1])

    async def purge(self) -> int:
        """Delete observations older than the retention period."""
        removed = await self.store.purge(now_ms() - self.options.retention_days * DAY_MS)
        if removed:
            firsts = await self.store.first_times()
            for stream in self.catalogue.streams.values():
                stream.first_ms = firsts.get(stream.id)
            self.catalogue.version += 1
            _LOGGER.info(
                "Removed %d observations older than %d days", removed, self.options.retention_days
            )
        return removed

    async def _purge_forever(self) -> None:
        while True:
            await self.purge()
            await asyncio.sleep(PURGE_INTERVAL_S)

    async def stop(self) -> None:
        """Stop everything and close the store."""
        self.public.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.store.close()
