"""What the care runtime needs from the hub it belongs to.

The hub owns the care manager, so the manager must not import the hub: this Protocol is all
the care glue knows of it, which ends the import circle between hub.py and the care runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from ..device import Device


class CareHost(Protocol):
    """The hub as the care runtime sees it: its entry, its devices and its lifetime."""

    entry: ConfigEntry
    devices: dict[str, Device]

    def add_unsubscriber(self, unsubscribe: Callable[[], None]) -> None:
        """Run ``unsubscribe`` when the hub stops."""

    def add_sync_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after every device sync; returns the remover."""
