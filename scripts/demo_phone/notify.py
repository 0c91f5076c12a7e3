"""The demo phone's notify action: visible in HA's notification panel, payload recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.components.notify import ATTR_DATA, ATTR_TITLE, BaseNotificationService
from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType


async def async_get_service(
    hass: HomeAssistant, config: ConfigType, discovery_info: DiscoveryInfoType | None = None
) -> DemoPhone:
    """The YAML notify platform ``demo_phone``."""
    return DemoPhone(hass)


class DemoPhone(BaseNotificationService):
    """Shows what a phone would show and keeps what it would receive."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        # .demo/config -> .demo/last_push.json, next to the simulator's files.
        self.record = Path(hass.config.path()).parent / "last_push.json"

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        data: dict[str, Any] = dict(kwargs.get(ATTR_DATA) or {})
        payload = {"message": message, "title": kwargs.get(ATTR_TITLE), "data": data}
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        await self.hass.async_add_executor_job(self.record.write_text, text + "\n", "utf-8")
        tag = str(data.get("tag") or "untagged")
        self.hass.states.async_set("sensor.demo_phone_last_push", tag, payload)
        notification_id = f"demo_phone_{tag}"
        if message == "clear_notification":
            persistent_notification.async_dismiss(self.hass, notification_id)
            return
        buttons = "\n".join(
            f"- **{action['title']}**: Utvecklarverktyg → Händelser, skicka "
            f"`mobile_app_notification_action` med `action: {action['action']}`"
            for action in data.get("actions", [])
        )
        persistent_notification.async_create(
            self.hass, f"{message}\n\n{buttons}", title=f"Demotelefon: {kwargs.get(ATTR_TITLE) or ''}",
            notification_id=notification_id,
        )
