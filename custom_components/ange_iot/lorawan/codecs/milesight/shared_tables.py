"""Milesight items that many models send alike: attributes, serial number, battery, climate.

A model's table merges the ones it sends.
"""

from __future__ import annotations

from typing import Final

from .items import _int16_tenths, _Item, _reading, _skip, _uint8, _uint8_halves, _uint16

# Attribute items on channel 0xFF, sent after joining and on request. Not readings.
_ATTRIBUTES: Final[dict[tuple[int, int], _Item]] = {
    (0xFF, 0x01): _skip("IPSO version", 1),
    (0xFF, 0x09): _skip("hardware version", 2),
    (0xFF, 0x0A): _skip("firmware version", 2),
    (0xFF, 0x0B): _skip("device status / power on", 1),
    (0xFF, 0x0F): _skip("LoRaWAN class", 1),
    (0xFF, 0xFE): _skip("reset event", 1),
    (0xFF, 0xFF): _skip("TSL version", 2),
}
_SERIAL_8: Final = {(0xFF, 0x16): _skip("serial number", 8)}
# WS202, WS301 and WS101 send the short, 6-byte serial number form.
_SERIAL_6: Final = {(0xFF, 0x08): _skip("serial number", 6)}

_BATTERY: Final = {(0x01, 0x75): _reading("battery", 1, "battery", _uint8)}
_TEMPERATURE: Final = {
    (0x03, 0x67): _reading("temperature", 2, "temperature", _int16_tenths)
}
_HUMIDITY: Final = {(0x04, 0x68): _reading("humidity", 1, "humidity", _uint8_halves)}
_CO2: Final = {(0x07, 0x7D): _reading("CO2", 2, "co2", _uint16)}
