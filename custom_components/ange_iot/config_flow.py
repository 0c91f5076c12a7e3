"""The module Home Assistant loads for the config flow; the flows live in flows/."""

from __future__ import annotations

from .flows import AngeIotConfigFlow

__all__ = ["AngeIotConfigFlow"]
