"""Building paho clients the same way for both brokers."""

from __future__ import annotations

from dataclasses import dataclass
import logging
from pathlib import Path
import ssl

from paho.mqtt.client import Client, MQTTv311
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """Where a broker is and how to log in."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    tls: bool = False
    ca_file: Path | None = None


def make_client(settings: BrokerSettings, client_id: str, *, clean_session: bool) -> Client:
    """A v3.1.1 client (ChirpStack, TTS and Mosquitto all speak it) with reconnect backoff."""
    client = Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=MQTTv311,
    )
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    if settings.tls:
        context = ssl.create_default_context(
            cafile=str(settings.ca_file) if settings.ca_file else None
        )
        client.tls_set_context(context)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    # An exception escaping a callback would end paho's network thread, and with it all
    # traffic on that broker, without a word: log it and carry on instead.
    client.suppress_exceptions = True
    client.enable_logger(logging.getLogger(f"lorawan_bridge.paho.{client_id}"))
    return client
