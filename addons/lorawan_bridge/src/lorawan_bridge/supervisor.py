"""Home Assistant's broker credentials from the Supervisor services API (``mqtt:need``)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import aiohttp

from .mqttclient import BrokerSettings
from .options import Options

_LOGGER = logging.getLogger(__name__)

SUPERVISOR_URL: Final = "http://supervisor"
_ATTEMPTS: Final = 5


class SupervisorError(RuntimeError):
    """The Supervisor could not tell us where Home Assistant's broker is."""


async def mqtt_service(
    session: aiohttp.ClientSession, token: str, base_url: str = SUPERVISOR_URL
) -> BrokerSettings:
    """Ask ``/services/mqtt``; retried a few times because the broker add-on may start late."""
    delay = 1.0
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with session.get(
                f"{base_url}/services/mqtt",
                headers={"Authorization": f"Bearer {token}"},
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                body: Any = await response.json(content_type=None)
                if response.status == 200 and isinstance(body, dict):
                    return _settings(body.get("data"))
                problem = f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            problem = str(err) or type(err).__name__
        if attempt < _ATTEMPTS:
            _LOGGER.warning("Supervisor has no MQTT service yet (%s); asking again", problem)
            await asyncio.sleep(delay)
            delay *= 2
    raise SupervisorError(f"no MQTT service from the Supervisor: {problem}")


def _settings(data: Any) -> BrokerSettings:
    if not isinstance(data, dict) or not isinstance(data.get("host"), str):
        raise SupervisorError("the Supervisor's MQTT service answer has no host")
    port = data.get("port", 1883)
    return BrokerSettings(
        host=data["host"],
        port=int(port),
        username=str(data.get("username") or ""),
        password=str(data.get("password") or ""),
        tls=bool(data.get("ssl", False)),
    )


async def downstream_settings(
    options: Options, token: str | None, base_url: str = SUPERVISOR_URL
) -> BrokerSettings:
    """The options' broker if downstream_host is set, else the Supervisor's."""
    if options.downstream_host:
        return BrokerSettings(
            host=options.downstream_host,
            port=options.downstream_port,
            username=options.downstream_username,
            password=options.downstream_password,
        )
    if not token:
        raise SupervisorError("downstream_host is empty and there is no SUPERVISOR_TOKEN to ask")
    async with aiohttp.ClientSession() as session:
        settings = await mqtt_service(session, token, base_url)
    if options.downstream_username:
        # The options override the service's login, as the add-on documentation says.
        return BrokerSettings(
            settings.host,
            settings.port,
            options.downstream_username,
            options.downstream_password,
            settings.tls,
        )
    return settings
