"""Envelope parsers: one module per network server, each turning its JSON into Uplinks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ..errors import EnvelopeError
from ..uplink import Uplink
from . import chirpstack, generic, tts

__all__ = ["NETWORKS", "EnvelopeError", "parse"]

type EnvelopeParser = Callable[[Mapping[str, Any], str | None], list[Uplink]]

_PARSERS: Final[dict[str, EnvelopeParser]] = {
    "chirpstack": chirpstack.parse,
    "tts": tts.parse,
    "generic": generic.parse,
}
NETWORKS: Final = tuple(_PARSERS)


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
