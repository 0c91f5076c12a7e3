"""Constants shared by the Ånge IoT integration's Home Assistant glue."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from .lorawan.networks import Network

DOMAIN: Final = "ange_iot"
LOGGER = logging.getLogger(__package__)

# State attribute of every device entity with a reading: when it was measured (ISO 8601).
ATTR_MEASURED_AT: Final = "measured_at"

# Hub config entry data (DESIGN.md contract keys, plus the optional application id).
CONF_NETWORK: Final = "network"
CONF_TRANSPORT: Final = "transport"
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_WEBHOOK_SECRET: Final = "webhook_secret"
CONF_APPLICATION_ID: Final = "application_id"

# The network servers are the envelope parsers' (lorawan/networks/), named once there.
NETWORK_CHIRPSTACK: Final = Network.CHIRPSTACK
NETWORK_TTS: Final = Network.TTS
NETWORK_GENERIC: Final = Network.GENERIC

TRANSPORT_WEBHOOK: Final = "webhook"
TRANSPORT_MQTT: Final = "mqtt"
TRANSPORTS: Final = (TRANSPORT_WEBHOOK, TRANSPORT_MQTT)

# Hub options.
CONF_MQTT_TOPIC: Final = "mqtt_topic"
CONF_OFFLINE_TIMEOUT: Final = "offline_timeout"
CONF_API_URL: Final = "api_url"
CONF_API_KEY: Final = "api_key"
DEFAULT_OFFLINE_TIMEOUT_MIN: Final = 120

# Device subentries.
SUBENTRY_DEVICE: Final = "device"
CONF_DEV_EUI: Final = "dev_eui"
CONF_MODEL: Final = "model"
CONF_NAME: Final = "name"
CONF_AREA: Final = "area"
CONF_CARE_UNIT: Final = "care_unit"
CONF_ROOM: Final = "room"
CONF_MOUNTING_HEIGHT: Final = "mounting_height_cm"
CONF_BIN_DEPTH: Final = "bin_depth_cm"
# A device whose model we have no codec for uses the network server's decoded object.
MODEL_NETWORK_DECODED: Final = "network_decoded"

# The care marker DESIGN.md defines; open_data refuses entities carrying it.
ATTR_CATEGORY: Final = "category"
CATEGORY_CARE: Final = "care"

WEBHOOK_SECRET_HEADER: Final = "X-Ange-Iot-Secret"
MAX_BODY_BYTES: Final = 1024 * 1024

SILENT_REPAIR_AFTER: Final = timedelta(hours=24)
OFFLINE_CHECK_INTERVAL: Final = timedelta(minutes=1)

EVENT_DEVICE_DISCOVERED: Final = f"{DOMAIN}_device_discovered"


def signal_new_keys(entry_id: str) -> str:
    """Dispatcher signal that a device reported reading keys it has no entity for yet."""
    return f"{DOMAIN}_{entry_id}_new_keys"


def signal_hub_update(entry_id: str) -> str:
    """Dispatcher signal for the hub's own counters."""
    return f"{DOMAIN}_{entry_id}_hub_update"
