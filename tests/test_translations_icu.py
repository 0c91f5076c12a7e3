"""Every user-facing string renders in Home Assistant's frontend.

The frontend formats each translation with intl-messageformat (ICU MessageFormat), so
``{{ x }}`` is a malformed argument and ``<network>`` an unclosed tag: the user then
sees "Translation error" instead of the text. These tests parse every string of
strings.json, translations/*.json and the blueprints' texts with that same library,
through node, and check that the three translation files carry the same keys.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .flow_translations import icu_arguments
from .icu import parse_errors

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components/ange_iot"
BLUEPRINTS = ROOT / "blueprints"
ADDONS = ROOT / "addons"


def _leaves(tree: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, f"{path}.{key}")
    elif isinstance(tree, str):
        yield path, tree
    else:
        raise AssertionError(f"{path}: a translation is text, not {type(tree).__name__}")


def _translation_files() -> list[Path]:
    return [INTEGRATION / "strings.json", *sorted((INTEGRATION / "translations").glob("*.json"))]


class _BlueprintLoader(yaml.SafeLoader):
    """Reads blueprints without Home Assistant; ``!input x`` becomes plain text."""


_BlueprintLoader.add_constructor("!input", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def _blueprint_texts(source: str, where: str) -> Iterator[tuple[str, str]]:
    """The texts the blueprint editor shows: the blueprint's and each input's (and section's)."""
    blueprint = yaml.load(source, Loader=_BlueprintLoader)["blueprint"]

    def texts(node: dict[str, Any], at: str) -> Iterator[tuple[str, str]]:
        for field in ("name", "description"):
            if isinstance(node.get(field), str):
                yield f"{at}.{field}", node[field]
        for key, item in (node.get("input") or {}).items():
            if isinstance(item, dict):
                yield from texts(item, f"{at}.input.{key}")

    yield from texts(blueprint, where)


def _all_strings() -> list[tuple[str, str]]:
    strings: list[tuple[str, str]] = []
    for path in _translation_files():
        strings.extend(_leaves(json.loads(path.read_text(encoding="utf-8")), path.name))
    for path in sorted(BLUEPRINTS.rglob("*.yaml")):
        strings.extend(_blueprint_texts(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    # The add-ons' option names and descriptions, as the Supervisor's panel shows them.
    for path in sorted(ADDONS.glob("*/translations/*.yaml")):
        strings.extend(_leaves(yaml.safe_load(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT))))
    return strings


def test_every_string_parses_as_icu_messageformat() -> None:
    strings = _all_strings()
    # The integration has well over a thousand strings; fewer means the walk missed files.
    assert len(strings) > 1000
    assert any(where.startswith("blueprints/") for where, _ in strings)
    assert {where.split("/")[1] for where, _ in strings if where.startswith("addons/")} == {
        "lorawan_bridge",
        "open_data",
    }
    errors = parse_errors(strings)
    assert errors == [], "\n".join(f"{where}: {error}" for where, error in errors)


def test_the_parser_refuses_what_the_frontend_refuses() -> None:
    """The check itself: the two mistakes that showed as "Translation error" are caught."""
    bad = [("braces", 'Post {{"devEui": "…"}}'), ("tag", "Use ange_iot/<network>/+/+")]
    good = [("select", "{http, select, yes {**Plain http.**} other {}}"), ("apostrophe", "the hub's {url}")]
    assert parse_errors(bad + good) == [
        ("braces", "MALFORMED_ARGUMENT"),
        ("tag", "UNCLOSED_TAG"),
    ]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_translations_have_the_keys_of_strings_json(language: str) -> None:
    def keys(path: Path) -> set[str]:
        return {where.split(".", 1)[1] for where, _ in _leaves(json.loads(path.read_text(encoding="utf-8")), path.name)}

    source = keys(INTEGRATION / "strings.json")
    translated = keys(INTEGRATION / f"translations/{language}.json")
    assert sorted(source - translated) == [], f"missing in {language}.json"
    assert sorted(translated - source) == [], f"in {language}.json but not in strings.json"


def test_blueprint_walk_reads_inputs_in_sections() -> None:
    """Inputs grouped in a section are read too, so their texts are checked."""
    source = (
        "blueprint:\n  name: N\n  input:\n    group:\n      name: G\n      input:\n"
        "        inner:\n          name: Inner <x>\n          default: !input other\n"
    )
    assert list(_blueprint_texts(source, "b.yaml")) == [
        ("b.yaml.name", "N"),
        ("b.yaml.input.group.name", "G"),
        ("b.yaml.input.group.input.inner.name", "Inner <x>"),
    ]


def _strings(path: Path) -> dict[str, str]:
    return {where.split(".", 1)[1]: text for where, text in _leaves(json.loads(path.read_text(encoding="utf-8")), path.name)}


def test_swedish_texts_use_the_same_placeholders() -> None:
    """A placeholder renamed or dropped in one language shows as "Translation error" there."""
    english = _strings(INTEGRATION / "translations/en.json")
    swedish = _strings(INTEGRATION / "translations/sv.json")
    differing = {
        key: (sorted(icu_arguments(text)), sorted(icu_arguments(swedish[key])))
        for key, text in english.items()
        if key in swedish and icu_arguments(text) != icu_arguments(swedish[key])
    }
    assert differing == {}


def test_every_flow_field_has_a_description() -> None:
    """Each field of each config, options and subentry step has a label and a description."""
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    sections = {"config": strings["config"], "options": strings["options"]}
    sections |= {f"config_subentries.{key}": value for key, value in strings["config_subentries"].items()}
    missing = [
        f"{name}.step.{step_id}.data_description.{field}"
        for name, section in sections.items()
        for step_id, step in section["step"].items()
        for field in step.get("data", {})
        if field not in step.get("data_description", {})
    ]
    assert missing == []


def test_action_select_options_are_translated() -> None:
    """Each select of services.yaml names a translation key whose options all have texts."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    selects = [
        (f"{service}.{field}", spec["selector"]["select"])
        for service, definition in services.items()
        for field, spec in (definition or {}).get("fields", {}).items()
        if "select" in (spec.get("selector") or {})
    ]
    assert selects, "services.yaml has select fields"
    for path in [INTEGRATION / "strings.json", *sorted((INTEGRATION / "translations").glob("*.json"))]:
        translated = json.loads(path.read_text(encoding="utf-8"))["selector"]
        for where, select in selects:
            key = select.get("translation_key")
            assert key, f"{where} has no translation_key"
            options = {str(option) for option in select["options"]}
            assert options <= set(translated.get(key, {}).get("options", {})), f"{path.name}: {where}"


def test_placeholders_are_read_from_icu_text() -> None:
    assert icu_arguments("Go to `{url}`{address, select, private {\n\n**Warning**} other {}}") == {"url", "address"}
    assert icu_arguments("No arguments here.") == set()
