"""Durable store-and-forward of LoRaWAN network-server events into Home Assistant's broker."""

__version__ = "0.1.0"
