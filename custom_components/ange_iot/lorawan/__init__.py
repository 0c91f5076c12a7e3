"""Pure LoRaWAN protocol code: envelopes, uplinks and payload codecs.

Nothing in this package imports Home Assistant, so it can be used and tested on its own.
"""
