"""Quality-scale rules that no other test shows; quality_scale.yaml names these tests."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
import re

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.ange_iot import PLATFORMS
from custom_components.ange_iot.const import DOMAIN
from custom_components.ange_iot.hub import Hub

ROOT = Path(__file__).parent.parent
COMPONENT = ROOT / "custom_components" / "ange_iot"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    """The text under a README heading (any level), up to the next heading of that level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n(.*?)(?=^\1 |\Z)", README, re.M | re.S)
    assert match is not None, f"README has no section {heading!r}"
    return match.group(2)


# rule -> (README heading, words the section must hold)
DOCS_RULES = {
    "docs-high-level-description": ("Ånge IoT for Home Assistant", ("LoRaWAN", "network server")),
    "docs-installation-instructions": ("Install", ("HACS", "restart")),
    "docs-installation-parameters": ("Set up a hub", ("secret", "Application ID")),
    "docs-configuration-parameters": ("Options", ("offline",)),
    "docs-removal-instructions": ("Remove", ("HACS",)),
    "docs-data-update": ("How data updates", ("push",)),
    "docs-examples": ("Example automation", ("ange_iot.",)),
    "docs-known-limitations": ("Troubleshooting and known limitations", ("limitation",)),
    "docs-troubleshooting": ("Troubleshooting and known limitations", ("log",)),
    "docs-supported-devices": ("Supported devices", ("codec",)),
    "docs-supported-functions": ("Entities", ("sensor",)),
    "docs-use-cases": ("Ånge IoT for Home Assistant", ("snow", "care")),
}


@pytest.mark.parametrize("rule", sorted(DOCS_RULES))
def test_readme_has_what_the_docs_rule_asks(rule: str) -> None:
    heading, words = DOCS_RULES[rule]
    text = _section(heading)
    assert len(text.split()) >= 20, f"{rule}: the section is too short"
    for word in words:
        assert word.lower() in text.lower(), f"{rule}: {word!r} not in section {heading!r}"


def test_every_action_is_documented() -> None:
    """docs-actions: each action of services.yaml is described in the README."""
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    for name in services:
        assert f"ange_iot.{name}" in README, name


async def test_actions_exist_without_a_loaded_hub(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """action-setup: actions are registered once in async_setup, not per hub."""
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    assert setup_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.services.has_service(DOMAIN, "send_downlink")
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "send_downlink",
            {"device_id": "no-such-device", "f_port": 1, "payload": "00"},
            blocking=True,
        )


def test_every_platform_sets_parallel_updates() -> None:
    """parallel-updates: push entities never wait for each other (0 = no limit)."""
    for platform in PLATFORMS:
        module = importlib.import_module(f"custom_components.ange_iot.{platform.value}")
        assert module.PARALLEL_UPDATES == 0, platform


async def test_runtime_data_holds_the_hub(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """runtime-data: the hub lives in entry.runtime_data, not in hass.data."""
    assert isinstance(setup_integration.runtime_data, Hub)
    assert setup_integration.entry_id not in hass.data.get(DOMAIN, {})


async def test_unload_leaves_no_dispatcher_listeners(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """entity-event-setup: entities subscribe in async_added_to_hass and unsubscribe on removal."""
    entry_id = setup_integration.entry_id

    def listeners() -> int:
        dispatcher = hass.data.get("dispatcher", {})
        return sum(len(targets) for signal, targets in dispatcher.items() if entry_id in str(signal))

    assert listeners() > 0
    assert await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    assert listeners() == 0


def test_entity_icons_belong_to_translated_entities() -> None:
    """icon-translations: icons.json gives icons by translation key, each one in strings.json."""
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))["entity"]
    strings = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))["entity"]
    assert icons
    for platform, keys in icons.items():
        for key, icon in keys.items():
            assert key in strings[platform], f"{platform}.{key}"
            assert "default" in icon and icon["default"].startswith("mdi:"), f"{platform}.{key}"


def test_every_done_rule_names_a_test_that_exists() -> None:
    """quality_scale.yaml: a rule is done only where a named test shows it."""
    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        comment = "" if isinstance(value, str) else value.get("comment", "")
        if status != "done":
            assert comment, f"{rule}: {status} needs a reason"
            continue
        files = re.findall(r"(tests/[\w/]+\.py)", comment)
        if not files:
            assert "scripts/test" in comment, f"{rule}: done without a test"
            continue
        sources = ""
        for name in files:
            path = ROOT / name
            assert path.exists(), f"{rule}: {name} does not exist"
            sources += path.read_text(encoding="utf-8")
        # Test names, but not the file names' stems (tests/test_x.py).
        for test in re.findall(r"(?<![/\w])(test_\w+)\b(?!\.py)", comment):
            assert re.search(rf"^(async )?def {test}\(", sources, re.M), f"{rule}: no {test}"
