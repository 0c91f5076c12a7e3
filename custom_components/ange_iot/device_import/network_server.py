"""Read an application's device list from ChirpStack v4 or The Things Stack v3.

No Home Assistant imports: an aiohttp session is injected, as in core's protocol libraries.

- ChirpStack v4 REST API (the chirpstack-rest-api gRPC gateway): ``GET /api/devices`` with
  ``applicationId``, ``limit`` and ``offset``; the answer is ListDevicesResponse
  ``{"totalCount": n, "result": [DeviceListItem, ...]}`` with camelCase fields
  (``devEui``, ``name``, ``deviceProfileName``). The API token goes in
  ``Grpc-Metadata-Authorization: Bearer <token>`` (also sent as ``Authorization``).
- The Things Stack v3: ``GET /api/v3/applications/{application_id}/devices`` with
  ``field_mask``, ``limit`` and ``page`` (1 is the first page) and
  ``Authorization: Bearer <API key>``; the total is in the ``X-Total-Count`` header and
  the devices in ``end_devices`` (absent when there are none: TTS omits empty fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from ..lorawan.codecs import MODELS
from ..lorawan.codecs.guess import best_match
from ..lorawan.uplink import normalize_dev_eui

SERVER_CHIRPSTACK: Final = "chirpstack"
SERVER_TTS: Final = "tts"
PAGE_SIZE: Final = 100
MAX_DEVICES: Final = 10_000
TIMEOUT_SECONDS: Final = 20.0
TTS_FIELDS: Final = "name,description,version_ids,attributes"


class NetworkServerError(Exception):
    """The device list could not be read; ``reason`` is a flow error key."""

    def __init__(self, reason: str, detail: str = "") -> None:
        """Name the reason (auth_failed, timeout, cannot_connect, not_found, bad_response)."""
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ServerDevice:
    """One device as the network server lists it, with the model we guess for it."""

    dev_eui: str
    name: str
    profile: str
    suggested_model: str | None


async def async_list_devices(
    session: aiohttp.ClientSession,
    server: str,
    url: str,
    api_key: str,
    application_id: str,
    timeout: float = TIMEOUT_SECONDS,
) -> list[ServerDevice]:
    """Every device of the application, all pages; raise NetworkServerError."""
    base = url.rstrip("/")
    client = _Client(session, aiohttp.ClientTimeout(total=timeout))
    if server == SERVER_CHIRPSTACK:
        return await _chirpstack(client, base, api_key, application_id)
    if server == SERVER_TTS:
        # Our hubs keep TTS applications as "app@tenant", as in MQTT; the API wants the app.
        return await _tts(client, base, api_key, application_id.partition("@")[0])
    raise NetworkServerError("bad_response", f"unknown server type {server}")


@dataclass(frozen=True, slots=True)
class _Client:
    session: aiohttp.ClientSession
    timeout: aiohttp.ClientTimeout


async def _get(
    client: _Client, url: str, headers: Mapping[str, str], params: Mapping[str, str]
) -> tuple[Any, Mapping[str, str]]:
    try:
        async with client.session.get(
            url, headers=dict(headers), params=dict(params), timeout=client.timeout
        ) as response:
            if response.status in (401, 403):
                raise NetworkServerError("auth_failed", f"HTTP {response.status}")
            if response.status == 404:
                raise NetworkServerError("not_found", "HTTP 404")
            if response.status >= 400:
                raise NetworkServerError("cannot_connect", f"HTTP {response.status}")
            try:
                body = await response.json(content_type=None)
            except ValueError as err:
                raise NetworkServerError("bad_response", "not JSON") from err
            return body, response.headers
    except TimeoutError as err:
        raise NetworkServerError("timeout") from err
    except aiohttp.ClientError as err:
        raise NetworkServerError("cannot_connect", str(err)) from err


def _device(dev_eui: object, name: object, profile: str, version_ids: Mapping[str, Any] | None) -> ServerDevice | None:
    try:
        eui = normalize_dev_eui(dev_eui)
    except ValueError:
        return None  # a device without a usable DevEUI (TTS before its first join) is skipped
    text = name if isinstance(name, str) and name else eui
    return ServerDevice(eui, text, profile, best_match(MODELS, profile_name=profile or None, version_ids=version_ids))


async def _chirpstack(
    session: _Client, base: str, api_key: str, application_id: str
) -> list[ServerDevice]:
    headers = {"Grpc-Metadata-Authorization": f"Bearer {api_key}", "Authorization": f"Bearer {api_key}"}
    devices: list[ServerDevice] = []
    offset = 0
    while True:
        params = {"applicationId": application_id, "limit": str(PAGE_SIZE), "offset": str(offset)}
        body, _ = await _get(session, f"{base}/api/devices", headers, params)
        if not isinstance(body, Mapping):
            raise NetworkServerError("bad_response", "not an object")
        items = body.get("result") or []
        if not isinstance(items, list):
            raise NetworkServerError("bad_response", "result is not a list")
        for item in items:
            if isinstance(item, Mapping) and (
                device := _device(item.get("devEui"), item.get("name"), str(item.get("deviceProfileName") or ""), None)
            ):
                devices.append(device)
        offset += len(items)
        total = _int(body.get("totalCount"))
        if not items or len(items) < PAGE_SIZE or (total is not None and offset >= total) or offset >= MAX_DEVICES:
            return devices


async def _tts(session: _Client, base: str, api_key: str, application_id: str) -> list[ServerDevice]:
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    url = f"{base}/api/v3/applications/{application_id}/devices"
    devices: list[ServerDevice] = []
    page = 1
    seen = 0
    while True:
        params = {"field_mask": TTS_FIELDS, "limit": str(PAGE_SIZE), "page": str(page)}
        body, response_headers = await _get(session, url, headers, params)
        if not isinstance(body, Mapping):
            raise NetworkServerError("bad_response", "not an object")
        items = body.get("end_devices") or []
        if not isinstance(items, list):
            raise NetworkServerError("bad_response", "end_devices is not a list")
        for item in items:
            if not isinstance(item, Mapping):
                continue
            raw_ids, raw_versions = item.get("ids"), item.get("version_ids")
            ids: Mapping[str, Any] = raw_ids if isinstance(raw_ids, Mapping) else {}
            version_ids = raw_versions if isinstance(raw_versions, Mapping) else None
            profile = _tts_profile(version_ids)
            if device := _device(ids.get("dev_eui"), item.get("name") or ids.get("device_id"), profile, version_ids):
                devices.append(device)
        seen += len(items)
        total = _int(response_headers.get("X-Total-Count"))
        if not items or (total is not None and seen >= total) or (total is None and len(items) < PAGE_SIZE) or seen >= MAX_DEVICES:
            return devices
        page += 1


def _tts_profile(version_ids: Mapping[str, Any] | None) -> str:
    """What TTS says the device is: its Device Repository brand and model."""
    if not version_ids:
        return ""
    return " ".join(str(version_ids[key]) for key in ("brand_id", "model_id") if version_ids.get(key))


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
