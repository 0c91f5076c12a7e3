"""``python -m lorawan_bridge --options FILE --data DIR``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path
import signal
import sys

from .bridge import Bridge, Runtime
from .options import OptionsError, load_options
from .supervisor import SupervisorError, downstream_settings

_LOGGER = logging.getLogger("lorawan_bridge")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="lorawan_bridge",
        description="Durable store-and-forward of LoRaWAN events into Home Assistant's broker.",
    )
    parser.add_argument(
        "--options", type=Path, default=Path("/data/options.json"), help="flat options JSON"
    )
    parser.add_argument("--data", type=Path, default=Path("/data"), help="queue directory")
    parser.add_argument(
        "--ingress-port", type=int, default=8099, help="status page and /health (0 = off)"
    )
    parser.add_argument(
        "--stats-interval", type=float, default=30.0, help="seconds between counter reports"
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> int:
    try:
        options = load_options(args.options)
        downstream = await downstream_settings(options, os.environ.get("SUPERVISOR_TOKEN"))
    except (OptionsError, SupervisorError) as err:
        _LOGGER.error("Cannot start: %s", err)
        return 2
    bridge = Bridge(options, args.data, downstream, Runtime(args.ingress_port, args.stats_interval))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await bridge.run(stop)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the bridge until SIGTERM or SIGINT."""
    args = _arguments(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
