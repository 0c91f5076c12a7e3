"""Ånge open data: publishes non-personal Home Assistant sensor data as open data."""

__version__ = "0.1.0"
