"""Saving state at most once per window, however often it changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.storage import Store


class WindowedSave:
    """Schedule a Store write once per window.

    Store.async_delay_save restarts its timer on every call, which under a steady stream
    of uplinks would postpone the write forever; this schedules it once, and the data is
    taken when the write happens.
    """

    def __init__(self, store: Store[dict[str, Any]], data: Callable[[], dict[str, Any]], delay: float) -> None:
        self._store = store
        self._data = data
        self._delay = delay
        self._pending = False

    @callback
    def schedule(self) -> None:
        """Write within the window, if no write is waiting yet."""
        if self._pending:
            return
        self._pending = True
        self._store.async_delay_save(self._data_now, self._delay)

    @callback
    def _data_now(self) -> dict[str, Any]:
        self._pending = False
        return self._data()
