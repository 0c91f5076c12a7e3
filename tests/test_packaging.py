"""Packaging: manifest, HACS metadata, translations and the quality scale stay valid."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import yaml

from custom_components.ange_iot.binary_sensor import BINARY_SENSORS
from custom_components.ange_iot.event import EVENTS
from custom_components.ange_iot.sensor import SENSORS

ROOT = Path(__file__).parent.parent
COMPONENT = ROOT / "custom_components" / "ange_iot"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in tree.items():
        found.add(f"{prefix}{key}")
        if isinstance(value, dict):
            found |= _keys(value, f"{prefix}{key}/")
    return found


def test_manifest_follows_hassfest_rules() -> None:
    manifest = _json(COMPONENT / "manifest.json")
    keys = list(manifest)
    # hassfest: domain and name first, then the rest sorted.
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "ange_iot"
    assert manifest["iot_class"] == "local_push"
    assert manifest["integration_type"] == "hub"
    assert manifest["dependencies"] == ["webhook"]
    # MQTT is one transport; the recorder serves the billing and HACCP exports.
    assert manifest["after_dependencies"] == ["mqtt", "recorder"]
    assert manifest["config_flow"] is True
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    for key in ("codeowners", "documentation", "issue_tracker"):
        assert manifest[key]


def test_hacs_metadata() -> None:
    hacs = _json(ROOT / "hacs.json")
    assert hacs["homeassistant"] == "2025.4.0"
    assert hacs["name"]


def test_brand_icon_present() -> None:
    icon = (COMPONENT / "brand" / "icon.png").read_bytes()
    assert icon.startswith(b"\x89PNG")


def test_english_translation_is_strings_json() -> None:
    assert _json(COMPONENT / "strings.json") == _json(COMPONENT / "translations" / "en.json")


def test_swedish_translation_is_complete() -> None:
    english = _keys(_json(COMPONENT / "translations" / "en.json"))
    swedish = _keys(_json(COMPONENT / "translations" / "sv.json"))
    assert english == swedish


def test_placeholders_match_between_languages() -> None:
    def leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                out |= leaves(value, f"{prefix}{key}/")
            else:
                out[f"{prefix}{key}"] = value
        return out

    english = leaves(_json(COMPONENT / "translations" / "en.json"))
    swedish = leaves(_json(COMPONENT / "translations" / "sv.json"))
    placeholder = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
    for path, text in english.items():
        assert set(placeholder.findall(text)) == set(placeholder.findall(swedish[path])), path


def test_every_entity_translation_key_exists() -> None:
    strings = _json(COMPONENT / "strings.json")["entity"]
    for platform, descriptions in (
        ("sensor", SENSORS),
        ("binary_sensor", BINARY_SENSORS),
        ("event", EVENTS),
    ):
        for description in descriptions.values():
            if description.translation_key:
                assert description.translation_key in strings[platform], description.key
            else:
                # Without a translation key the device class must name the entity.
                assert description.device_class is not None, description.key


def test_every_exception_key_used_is_translated() -> None:
    exceptions = _json(COMPONENT / "strings.json")["exceptions"]
    used: set[str] = set()
    entity_platforms = {"sensor.py", "binary_sensor.py", "event.py", "care_runtime/entities.py", "gateway_entities.py"}
    for source in COMPONENT.rglob("*.py"):
        if source.relative_to(COMPONENT).as_posix() in entity_platforms:
            continue
        used |= set(re.findall(r'translation_key="(\w+)"', source.read_text(encoding="utf-8")))
        used |= set(re.findall(r'_not_possible\(\s*"(\w+)"', source.read_text(encoding="utf-8")))
    strings = _json(COMPONENT / "strings.json")
    issues = set(strings["issues"])
    assert {"device_silent", "meter_backwards"} <= issues
    used -= issues | set(strings["selector"])
    assert used <= set(exceptions), used - set(exceptions)


def test_services_yaml_matches_strings() -> None:
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    strings = _json(COMPONENT / "strings.json")["services"]
    icons = _json(COMPONENT / "icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, service in services.items():
        assert set((service or {}).get("fields") or {}) == set(strings[name].get("fields", {}))


def test_quality_scale_lists_every_rule_honestly() -> None:
    scale = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text(encoding="utf-8"))
    rules = scale["rules"]
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"done", "todo", "exempt"}, rule
        if status == "exempt":
            assert isinstance(value, dict) and value.get("comment"), rule
    assert len(rules) >= 50


def test_care_entity_translation_keys_exist() -> None:
    strings = _json(COMPONENT / "strings.json")["entity"]
    source = (COMPONENT / "care_runtime" / "entities.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'translation_key(?: = |=)"(\w+)"', source))
    assert keys, "no translation keys found"
    for key in keys:
        assert key in strings["sensor"] or key in strings["event"], key
