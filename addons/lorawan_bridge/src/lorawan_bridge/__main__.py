"""``python -m lorawan_bridge --options FILE --data DIR``.

Exit codes: 0 after SIGTERM/SIGINT, 2 for options it cannot run with (or no broker from the
Supervisor), 3 when a port it must listen on is taken.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path
import signal
import sys

from .bridge import Bridge, Runtime
from .options import NOT_CONFIGURED, OptionsError, load_options
from .startup import (
    EXIT_OPTIONS,
    EXIT_PORT_IN_USE,
    port_in_use,
    ports_to_listen_on,
    wait_unconfigured,
)
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
    except OptionsError as err:
        _LOGGER.error("Cannot start: %s", err)
        return EXIT_OPTIONS
    ports = ports_to_listen_on(options, args.ingress_port)
    if len({port for port, _ in ports}) < len(ports):
        _LOGGER.error(
            "Cannot start: http_port must differ from %d, the status page's port", args.ingress_port
        )
        return EXIT_OPTIONS
    for port, purpose in ports:
        if port_in_use(port):
            # One line, no traceback: the installer reads this in the add-on's log.
            _LOGGER.error(
                "Cannot start: port %d (%s) is already in use by another program", port, purpose
            )
            return EXIT_PORT_IN_USE
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if not options.configured:
        _LOGGER.warning("The bridge is %s; it waits with its status page up", NOT_CONFIGURED)
        try:
            await wait_unconfigured(options, args.ingress_port, stop)
        except OSError as err:
            return _port_taken(err)
        return 0
    try:
        downstream = await downstream_settings(options, os.environ.get("SUPERVISOR_TOKEN"))
    except SupervisorError as err:
        _LOGGER.error("Cannot start: %s", err)
        return EXIT_OPTIONS
    bridge = Bridge(options, args.data, downstream, Runtime(args.ingress_port, args.stats_interval))
    try:
        await bridge.run(stop)
    except OSError as err:
        # A port taken between the check above and the bind: stop what did start, say so.
        if not bridge.stopped:
            await bridge.stop()
        return _port_taken(err)
    return 0


def _port_taken(err: OSError) -> int:
    _LOGGER.error("Cannot start: %s", err.strerror or err)
    return EXIT_PORT_IN_USE


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
