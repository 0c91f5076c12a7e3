"""The demo phone shows a page in HA's notification panel and records its payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from scripts.demo_phone.notify import DemoPhone


async def test_the_demo_phone_shows_and_records_a_page(hass: HomeAssistant, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    hass.config.config_dir = str(config)
    assert await async_setup_component(hass, "persistent_notification", {})
    seen: list[tuple[str, dict[str, Any]]] = []
    persistent_notification.async_register_callback(
        hass, lambda kind, notes: seen.extend((str(kind), dict(note)) for note in notes.values())
    )
    phone = DemoPhone(hass)
    data = {"tag": "alarm-1", "actions": [{"action": "ANGE_ACK_alarm-1", "title": "Kvittera"}]}

    await phone.async_send_message("SOL-2 R12: Larmknapp", title="SOL-2 R12", data=data)

    recorded = json.loads((tmp_path / "last_push.json").read_text(encoding="utf-8"))
    assert recorded == {"message": "SOL-2 R12: Larmknapp", "title": "SOL-2 R12", "data": data}
    await hass.async_block_till_done()
    [(kind, shown)] = seen
    assert kind == "added"
    assert shown["notification_id"] == "demo_phone_alarm-1"
    assert shown["title"] == "Demotelefon: SOL-2 R12"
    assert "ANGE_ACK_alarm-1" in shown["message"]
    state = hass.states.get("sensor.demo_phone_last_push")
    assert state is not None and state.state == "alarm-1"

    await phone.async_send_message("clear_notification", data={"tag": "alarm-1"})
    await hass.async_block_till_done()
    assert [(kind, note["notification_id"]) for kind, note in seen[1:]] == [("removed", "demo_phone_alarm-1")]
