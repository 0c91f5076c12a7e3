"""Before the bridge runs: ports that are taken, and waiting while nothing is configured."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Final

from aiohttp import web

from .http_api import status_app
from .options import Options
from .stats import Stats

EXIT_OPTIONS: Final = 2
EXIT_PORT_IN_USE: Final = 3


def ports_to_listen_on(options: Options, ingress_port: int) -> list[tuple[int, str]]:
    """The ports the bridge will bind, each with what it serves (for the error message)."""
    ports: list[tuple[int, str]] = []
    if ingress_port:
        ports.append((ingress_port, "the ingress status page and /health"))
    if options.configured and options.http_port:
        ports.append((options.http_port, "http_port, the HTTP receiver"))
    return ports


def port_in_use(port: int) -> bool:
    """Whether another process already listens on ``port`` (any address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As asyncio binds: a port in TIME_WAIT is free, one another socket listens on is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))  # aiohttp's sites bind all addresses too
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return True
            raise
    return False


async def wait_unconfigured(options: Options, ingress_port: int, stop: asyncio.Event) -> None:
    """Serve only the status page (which says what to set) until ``stop`` is set.

    Nothing connects to any broker: there is nothing to receive yet. Events queued on
    disk from an earlier configuration stay there and are forwarded once one is set.
    """
    runner: web.AppRunner | None = None
    if ingress_port:
        runner = web.AppRunner(status_app(options, Stats()), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, port=ingress_port).start()
        except OSError:
            await runner.cleanup()
            raise
    try:
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
