"""What the installer pastes into the network server: the webhook URL, header and secret.

Shown when the hub is created and again, any time later, in the hub's Connection step.
The URL is the one the network server must reach, so Home Assistant's external URL is
preferred, and the installer is warned when it is plain http or a private address.

The warning is the form's base error, one translation key per combination, and not an ICU
``select`` in the description: Home Assistant's backend checks every translation's
placeholders with Python's ``string.Formatter``, which cannot parse a ``select`` and logs an
error each time a non-English language loads. A base error shows above the form, in the
installer's language, and does not stop the form from being submitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from ipaddress import ip_address
import secrets
from typing import Any, Final
from urllib.parse import urlsplit

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError, get_url
import voluptuous as vol

from ..const import CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET, WEBHOOK_SECRET_HEADER

# Host names that only resolve inside a home or office network.
_LOCAL_SUFFIXES: Final = (".local", ".lan", ".home", ".home.arpa", ".internal", ".localdomain")


class Address(StrEnum):
    """How far the webhook URL reaches; a private or unknown address gets a warning."""

    PUBLIC = "public"
    PRIVATE = "private"
    UNKNOWN = "unknown"


def new_secret() -> str:
    """A webhook secret: 256 random bits, URL-safe so it pastes into any header field."""
    return secrets.token_urlsafe(32)


def webhook_url(hass: HomeAssistant, webhook_id: str) -> str:
    """The webhook's full URL, external when Home Assistant has one; just its path when no URL is known."""
    try:
        base = get_url(hass, prefer_external=True, allow_internal=True, allow_cloud=False, allow_ip=True)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)
    return f"{base}{webhook.async_generate_path(webhook_id)}"


def address_of(url: str) -> Address:
    """Whether a network server on the internet can reach this URL's host."""
    host = urlsplit(url).hostname
    if not host:
        return Address.UNKNOWN
    try:
        ip = ip_address(host)
    except ValueError:
        local = "." not in host or host.lower().endswith(_LOCAL_SUFFIXES)
        return Address.PRIVATE if local else Address.PUBLIC
    return Address.PUBLIC if ip.is_global else Address.PRIVATE


def webhook_placeholders(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, str]:
    """The URL, header and secret the network server needs."""
    return {
        "url": webhook_url(hass, data[CONF_WEBHOOK_ID]),
        "header": WEBHOOK_SECRET_HEADER,
        "secret": data[CONF_WEBHOOK_SECRET],
    }


def webhook_warnings(url: str) -> dict[str, str]:
    """The form's errors for this URL: a base error naming every warning, or none.

    The key is ``address_private``, ``address_unknown``, ``plain_http`` or an address key
    followed by ``_plain_http``; each has its text under ``error`` in the translations.
    """
    parts = [] if (address := address_of(url)) is Address.PUBLIC else [f"address_{address}"]
    if urlsplit(url).scheme == "http":
        parts.append("plain_http")
    return {"base": "_".join(parts)} if parts else {}


def valid_topic(topic: str) -> bool:
    """Whether MQTT accepts this as a subscription topic filter."""
    from homeassistant.components import mqtt

    try:
        mqtt.valid_subscribe_topic(topic)
    except vol.Invalid:
        return False
    return True


async def mqtt_problem(hass: HomeAssistant) -> str | None:
    """Why the MQTT transport cannot be used now, as an error key; None when it can."""
    if not hass.config_entries.async_entries("mqtt"):
        return "mqtt_missing"
    from homeassistant.components import mqtt

    if not await mqtt.async_wait_for_mqtt_client(hass) or not mqtt.is_connected(hass):
        return "mqtt_not_connected"
    return None

