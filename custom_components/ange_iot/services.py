"""The integration's actions."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import DOMAIN
from .device import Device
from .downlink import Downlink, async_send_downlink
from .hub import Hub

SERVICE_SEND_DOWNLINK = "send_downlink"
ATTR_DEVICE_ID = "device_id"
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


def _loaded_hubs(hass: HomeAssistant) -> list[Hub]:
    return [
        entry.runtime_data
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def find_device(hass: HomeAssistant, device_id: str) -> tuple[Hub, Device]:
    """The hub and device behind a device-registry id, or a translated validation error."""
    for hub in _loaded_hubs(hass):
        if (device := hub.device_by_registry_id(device_id)) is not None:
            return hub, device
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_device",
        translation_placeholders={"device_id": device_id},
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


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions."""

    async def send_downlink(call: ServiceCall) -> None:
        hub, device = find_device(hass, call.data[ATTR_DEVICE_ID])
        downlink = Downlink(
            f_port=call.data[ATTR_F_PORT],
            payload=_payload_bytes(call.data[ATTR_PAYLOAD]),
            confirmed=call.data[ATTR_CONFIRMED],
        )
        await async_send_downlink(hass, hub, device, downlink)

    hass.services.async_register(
        DOMAIN, SERVICE_SEND_DOWNLINK, send_downlink, schema=SEND_DOWNLINK_SCHEMA
    )
