"""The care theme's Home Assistant glue: alarms delivered to people, care units and dispensers, their entities, actions and flows.

The domain logic lives in the pure package `care/`; this package connects it to Home Assistant.
"""
