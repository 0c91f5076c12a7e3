"""Send a downlink to a device through whatever path the hub's transport offers."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.json import json_dumps

from .const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_MQTT_TOPIC,
    DOMAIN,
    NETWORK_CHIRPSTACK,
    NETWORK_TTS,
    TRANSPORT_MQTT,
)
from .device import Device
from .hub import Hub
from .mqtt_transport import BRIDGE_PREFIX

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(slots=True, frozen=True, kw_only=True)
class Downlink:
    """One application downlink."""

    f_port: int
    payload: bytes
    confirmed: bool = False

    @property
    def base64(self) -> str:
        """The payload as network servers take it."""
        return base64.b64encode(self.payload).decode()


def _not_possible(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def async_send_downlink(
    hass: HomeAssistant, hub: Hub, device: Device, downlink: Downlink
) -> None:
    """Queue ``downlink`` for ``device``; raise a translated error when that cannot be done."""
    if hub.transport == TRANSPORT_MQTT:
        await _send_mqtt(hass, hub, device, downlink)
        return
    url, headers, body = _http_request(hub, device, downlink)
    session = async_get_clientsession(hass)
    try:
        async with session.post(url, data=json_dumps(body), headers=headers, timeout=HTTP_TIMEOUT) as response:
            if response.status >= HTTPStatus.BAD_REQUEST:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="downlink_rejected",
                    translation_placeholders={"status": str(response.status)},
                )
    except (aiohttp.ClientError, TimeoutError) as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="downlink_unreachable",
            translation_placeholders={"error": type(err).__name__},
        ) from err


def _tts_body(downlink: Downlink) -> dict[str, Any]:
    """The Things Stack's downlink-queue body, the same over MQTT and HTTP."""
    return {
        "downlinks": [
            {
                "f_port": downlink.f_port,
                "frm_payload": downlink.base64,
                "confirmed": downlink.confirmed,
                "priority": "NORMAL",
            }
        ]
    }


def _json_headers(auth_header: str, token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", auth_header: f"Bearer {token}"}


def _http_request(
    hub: Hub, device: Device, downlink: Downlink
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """URL, headers and body of the network server's downlink-queue API call."""
    api_url = (hub.entry.options.get(CONF_API_URL) or "").rstrip("/")
    api_key = hub.entry.options.get(CONF_API_KEY)
    if hub.network == NETWORK_TTS and device.downlink_push is not None and not api_key:
        # The Things Stack told us where to push, with a key for just that.
        push = device.downlink_push
        return push.url, _json_headers("Authorization", push.api_key), _tts_body(downlink)
    if not api_url or not api_key or hub.network not in (NETWORK_CHIRPSTACK, NETWORK_TTS):
        raise _not_possible("downlink_not_configured", network=hub.network)
    if hub.network == NETWORK_CHIRPSTACK:
        # ChirpStack v4 REST API (grpc-gateway): the token goes in a gRPC metadata header.
        body = {
            "queueItem": {
                "confirmed": downlink.confirmed,
                "fPort": downlink.f_port,
                "data": downlink.base64,
            }
        }
        url = f"{api_url}/api/devices/{device.dev_eui}/queue"
        return url, _json_headers("Grpc-Metadata-Authorization", api_key), body
    application = (device.application_id or hub.application_id or "").split("@")[0]
    if not application or not device.device_id:
        raise _not_possible("downlink_device_unknown_to_network", dev_eui=device.dev_eui)
    url = f"{api_url}/api/v3/as/applications/{application}/devices/{device.device_id}/down/push"
    return url, _json_headers("Authorization", api_key), _tts_body(downlink)


async def _send_mqtt(hass: HomeAssistant, hub: Hub, device: Device, downlink: Downlink) -> None:
    from homeassistant.components import mqtt

    topic_filter: str = hub.entry.options.get(CONF_MQTT_TOPIC) or ""
    if topic_filter.startswith(f"{BRIDGE_PREFIX}/"):
        topic = f"{BRIDGE_PREFIX}/{hub.network}/{device.dev_eui}/down"
        body: dict[str, Any] = {
            "devEui": device.dev_eui,
            "fPort": downlink.f_port,
            "data": downlink.base64,
            "confirmed": downlink.confirmed,
            "applicationId": device.application_id or hub.application_id,
            "deviceId": device.device_id,
        }
    elif hub.network == NETWORK_CHIRPSTACK:
        application = device.application_id or hub.application_id
        if not application:
            raise _not_possible("downlink_device_unknown_to_network", dev_eui=device.dev_eui)
        topic = f"application/{application}/device/{device.dev_eui}/command/down"
        body = {
            "devEui": device.dev_eui,
            "confirmed": downlink.confirmed,
            "fPort": downlink.f_port,
            "data": downlink.base64,
        }
    elif hub.network == NETWORK_TTS:
        application = device.application_id or hub.application_id
        if not application or "@" not in application or not device.device_id:
            raise _not_possible("downlink_device_unknown_to_network", dev_eui=device.dev_eui)
        topic = f"v3/{application}/devices/{device.device_id}/down/push"
        body = _tts_body(downlink)
    else:
        raise _not_possible("downlink_not_configured", network=hub.network)
    await mqtt.async_publish(hass, topic, json_dumps(body), qos=1, retain=False)
