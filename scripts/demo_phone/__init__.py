"""The demo's stand-in for a staff phone with the companion app (scripts/demo only).

``notify.demo_phone`` takes the payload the integration sends to a mobile_app phone,
shows it as a persistent notification (its action buttons listed with the event to fire
in their place) and records the last payload in ``.demo/last_push.json`` and in the
attributes of ``sensor.demo_phone_last_push``. It is not part of the integration.
"""
