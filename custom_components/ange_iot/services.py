"""The integration's actions, registered once for every hub."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, ServiceCall, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .bin_actions import ATTR_THRESHOLD, async_bins_to_empty
from .care_runtime.services import async_setup_care_services
from .const import DOMAIN
from .device_import.actions import async_setup_import_services
from .downlink import Downlink, async_send_downlink
from .haccp_export import ATTR_DEVICES, async_export_haccp_log
from .meter_export import ATTR_END, ATTR_METERS, ATTR_START, async_export_meter_readings
from .services_common import ATTR_DEVICE_ID, find_device
from .snow_actions import async_calibrate_snow_zero, async_mark_cleared

SERVICE_SEND_DOWNLINK = "send_downlink"
SERVICE_CALIBRATE_SNOW_ZERO = "calibrate_snow_zero"
SERVICE_MARK_CLEARED = "mark_cleared"
SERVICE_BINS_TO_EMPTY = "bins_to_empty"
SERVICE_EXPORT_METER_READINGS = "export_meter_readings"
SERVICE_EXPORT_HACCP_LOG = "export_haccp_log"
ATTR_F_PORT = "f_port"
ATTR_PAYLOAD = "payload"
ATTR_CONFIRMED = "confirmed"

SEND_DOWNLINK_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        # fPort 0 is for MAC commands and 224-255 are reserved by LoRaWAN.
        vol.Required(ATTR_F_PORT): vol.All(vol.Coerce(int), vol.Range(min=1, max=223)),
        vol.Required(ATTR_PAYLOAD): cv.string,
        vol.Optional(ATTR_CONFIRMED, default=False): cv.boolean,
    }
)
DEVICE_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
BINS_SCHEMA = vol.Schema(
    {vol.Optional(ATTR_THRESHOLD): vol.All(vol.Coerce(float), vol.Range(min=0, max=100))}
)
METER_EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_START): cv.datetime,
        vol.Required(ATTR_END): cv.datetime,
        vol.Optional(ATTR_METERS): vol.All(cv.ensure_list, [cv.string]),
    }
)
HACCP_EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_START): cv.datetime,
        vol.Required(ATTR_END): cv.datetime,
        vol.Optional(ATTR_DEVICES): vol.All(cv.ensure_list, [cv.string]),
    }
)


def _payload_bytes(text: str) -> bytes:
    cleaned = text.replace(" ", "")
    try:
        return bytes.fromhex(cleaned)
    except ValueError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_payload_hex",
            translation_placeholders={"payload": text[:64]},
        ) from err


async def _send_downlink(call: ServiceCall) -> None:
    hub, device = find_device(call.hass, call.data[ATTR_DEVICE_ID])
    downlink = Downlink(
        f_port=call.data[ATTR_F_PORT],
        payload=_payload_bytes(call.data[ATTR_PAYLOAD]),
        confirmed=call.data[ATTR_CONFIRMED],
    )
    await async_send_downlink(call.hass, hub, device, downlink)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions."""
    register = hass.services.async_register
    async_setup_care_services(hass)
    async_setup_import_services(hass)
    register(DOMAIN, SERVICE_SEND_DOWNLINK, _send_downlink, schema=SEND_DOWNLINK_SCHEMA)
    register(DOMAIN, SERVICE_CALIBRATE_SNOW_ZERO, async_calibrate_snow_zero, schema=DEVICE_SCHEMA)
    register(DOMAIN, SERVICE_MARK_CLEARED, async_mark_cleared, schema=DEVICE_SCHEMA)
    register(
        DOMAIN, SERVICE_BINS_TO_EMPTY, async_bins_to_empty, schema=BINS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN, SERVICE_EXPORT_METER_READINGS, async_export_meter_readings,
        schema=METER_EXPORT_SCHEMA, supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN, SERVICE_EXPORT_HACCP_LOG, async_export_haccp_log,
        schema=HACCP_EXPORT_SCHEMA, supports_response=SupportsResponse.OPTIONAL,
    )
