"""Envelope parsers: one module per network server, each turning its JSON into Uplinks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Final

from ..errors import EnvelopeError
from ..uplink import Uplink
from . import chirpstack, generic, tts

__all__ = ["NETWORKS", "EnvelopeError", "Network", "parse"]

type EnvelopeParser = Callable[[Mapping[str, Any], str | None], list[Uplink]]



class Network(StrEnum):
    """The network servers whose envelopes we read; a hub stores one under ``network``."""

    CHIRPSTACK = "chirpstack"
    TTS = "tts"
    GENERIC = "generic"


_PARSERS: Final[dict[str, EnvelopeParser]] = {
    Network.CHIRPSTACK: chirpstack.parse,
    Network.TTS: tts.parse,
    Network.GENERIC: generic.parse,
}
NETWORKS: Final = tuple(Network)


def parse(network: str, body: Mapping[str, Any], event: str | None = None) -> list[Uplink]:
    """Parse one network-server message into zero or more Uplinks.

    ``event`` is the event type when the transport tells it (the MQTT topic's last level,
    ChirpStack's ``?event=`` query parameter); parsers infer it from the body otherwise.
    A well-formed event that carries no device data (a log or ack event) gives ``[]``.
    Raises EnvelopeError on malformed input.
    """
    parser = _PARSERS.get(network)
    if parser is None:
        raise EnvelopeError(f"unknown network server {network!r}")
    if not isinstance(body, Mapping):
        raise EnvelopeError(f"envelope must be a JSON object, not {type(body).__name__}")
    return parser(body, event)
