"""Many devices at once: a CSV device list, or the network server's own device list.

``csv_format``, ``validation`` and ``plan`` are pure; ``apply`` and ``actions`` are the Home
Assistant glue; ``network_server`` reads ChirpStack's and The Things Stack's device lists.
"""
