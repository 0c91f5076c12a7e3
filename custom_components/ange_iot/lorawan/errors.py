"""Exceptions raised by the LoRaWAN protocol code."""

from __future__ import annotations


class LorawanError(ValueError):
    """Base class for everything this package raises on bad input."""


class CodecError(LorawanError):
    """A device payload that cannot be decoded."""


class EnvelopeError(LorawanError):
    """A network-server message that is not a well-formed envelope."""
