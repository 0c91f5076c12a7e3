"""Every entity a typical uplink creates, with its unit, classes and state, against a snapshot.

This catches accidental changes in entities, units and device classes. The snapshot is our
own JSON rather than syrupy's, because HA's registry entries gain fields between releases
and the suite runs against two of them. Refresh it with ANGE_UPDATE_SNAPSHOTS=1 after a
deliberate change, and review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import os
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import AM307, AM307_PAYLOAD, CARE_DOOR, EMS_DOOR_OPEN, ERS_CO2, ERS_CO2_PAYLOAD
from .helpers import post

SNAPSHOT = Path(__file__).parent / "snapshots" / "entities.json"
ATTRIBUTES = ("device_class", "state_class", "unit_of_measurement", "category", "event_types")


async def test_entities_match_snapshot(
    hass: HomeAssistant,
    entity_registry_enabled_by_default: None,
    setup_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    chirpstack_up: Callable[..., dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    # Care alarms carry times (the event entity's state, an alarm's age): fix the clock.
    freezer.move_to("2026-01-15T08:00:05+00:00")
    client = await hass_client_no_auth()
    await post(client, chirpstack_up(ERS_CO2, ERS_CO2_PAYLOAD, 1, time="2026-01-15T08:00:00Z"))
    await post(client, chirpstack_up(AM307, AM307_PAYLOAD, 1, f_port=85, time="2026-01-15T08:00:00Z"))
    await post(client, chirpstack_up(CARE_DOOR, EMS_DOOR_OPEN, 1, time="2026-01-15T08:00:00Z"))
    await hass.async_block_till_done()

    registry = er.async_get(hass)
    current: dict[str, Any] = {}
    for entry in sorted(
        er.async_entries_for_config_entry(registry, setup_integration.entry_id),
        key=lambda e: e.unique_id,
    ):
        unique_id = entry.unique_id.replace(setup_integration.entry_id, "<hub>")
        state = hass.states.get(entry.entity_id)
        assert state is not None, entry.entity_id
        current[unique_id] = {
            "entity_id": entry.entity_id,
            "state": state.state,
            "entity_category": entry.entity_category,
            "translation_key": entry.translation_key,
            "original_name": entry.original_name,
            **{key: state.attributes[key] for key in ATTRIBUTES if key in state.attributes},
        }

    if os.environ.get("ANGE_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected
