"""``python -m open_data --options FILE --data DIR``: run the add-on's service."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from pathlib import Path
import signal
import sys

from .options import OptionsError, load_options
from .service import INGRESS_PORT, OpenDataService

# The container port config.yaml maps (ports: 8080/tcp).
MAPPED_PORT = 8080


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="open_data", description="Publish Home Assistant sensor data as open data."
    )
    parser.add_argument(
        "--options",
        type=Path,
        default=Path("/data/options.json"),
        help="options file (default /data/options.json)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("/data"),
        help="folder for the history store (default /data)",
    )
    parser.add_argument(
        "--admin-port",
        type=int,
        default=INGRESS_PORT,
        help=f"port of the admin page for ingress (default {INGRESS_PORT}; 0 picks a free one, -1 turns it off)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    return parser.parse_args(argv)


async def _run(service: OpenDataService) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await service.start()
    try:
        await stop.wait()
    finally:
        await service.stop()


def main(argv: list[str] | None = None) -> int:
    """Run until SIGINT or SIGTERM; 2 on bad options."""
    args = _arguments(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        options = load_options(args.options)
    except OptionsError as err:
        print(f"open_data: {err}", file=sys.stderr)
        return 2
    if "SUPERVISOR_TOKEN" in os.environ and options.port != MAPPED_PORT:
        # config.yaml maps container port 8080; another port is unreachable from outside.
        logging.getLogger("open_data").warning(
            "Option 'port' is %d, but the add-on maps container port %d: the public site "
            "is reachable only on %d. Leave 'port' at %d and change the host port under Network.",
            options.port,
            MAPPED_PORT,
            MAPPED_PORT,
            MAPPED_PORT,
        )
    admin_port = None if args.admin_port < 0 else args.admin_port
    asyncio.run(_run(OpenDataService(options, args.data, admin_port=admin_port)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
