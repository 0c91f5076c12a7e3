"""Small helpers the test modules share."""

from __future__ import annotations

from typing import Any

from aiohttp import ContentTypeError
from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.ha_compat import device_by_identifier

from .conftest import SECRET, WEBHOOK_ID


def entity_id(hass: HomeAssistant, platform: str, dev_eui: str, key: str) -> str:
    """The entity id of a device's reading, looked up by its contract unique id."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{dev_eui}_{key}")
    assert found is not None, f"no {platform} entity for {dev_eui}_{key}"
    return found


def registry_device(hass: HomeAssistant, identifier: str) -> dr.DeviceEntry | None:
    """The registry device with the identifier ``(ange_iot, identifier)``, on every HA release."""
    return device_by_identifier(hass, (DOMAIN, identifier))


def state_of(hass: HomeAssistant, platform: str, dev_eui: str, key: str) -> State:
    """The current state object of a device's reading."""
    state = hass.states.get(entity_id(hass, platform, dev_eui, key))
    assert state is not None
    return state


def rejected_total(hass: HomeAssistant, entry_id: str) -> int:
    """The value of the hub's "Rejected uplinks" sensor."""
    found = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry_id}_rejected_uplinks"
    )
    assert found is not None
    state = hass.states.get(found)
    assert state is not None
    return int(state.state)


async def post(
    client: TestClient,
    body: Any,
    *,
    secret: str | None = SECRET,
    event: str | None = "up",
    headers: dict[str, str] | None = None,
    webhook_id: str = WEBHOOK_ID,
) -> tuple[int, Any]:
    """Post to a hub's webhook (the test hub's by default) the way ChirpStack's HTTP integration does."""
    headers = dict(headers or {})
    if secret is not None:
        headers["X-Ange-Iot-Secret"] = secret
    url = f"/api/webhook/{webhook_id}" + (f"?event={event}" if event else "")
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, (bytes, str)) else {"json": body}
    response = await client.post(url, headers=headers, **kwargs)
    try:
        answer = await response.json()
    except (ValueError, ContentTypeError):
        answer = None
    return response.status, answer


def gateway_rx(gateway: str, rssi: int, snr: float, located: bool = True) -> dict[str, Any]:
    """One rxInfo entry in ChirpStack v4's UplinkRxInfo shape."""
    item: dict[str, Any] = {"gatewayId": gateway, "uplinkId": 1, "rssi": rssi, "snr": snr, "context": "E3OWOQ=="}
    if located:
        item["location"] = {"latitude": 62.52, "longitude": 15.66, "altitude": 240}
    return item
