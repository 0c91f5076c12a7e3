"""Home Assistant's backend loads every string of ours without an error in its log.

Besides the frontend (ICU MessageFormat, see test_translations_icu.py), the backend reads
the translations too: for each language other than English it checks, with Python's
``string.Formatter``, that a string has the placeholders of its English original. A string
that Python cannot parse, such as an ICU ``{x, select, ...}``, is logged as
"Error while parsing localized (sv) string ..." every time the language loads; one whose
placeholders differ is logged and dropped, so the user sees English.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import logging
from pathlib import Path
import string
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.ange_iot.const import DOMAIN

INTEGRATION = Path(__file__).parent.parent / "custom_components/ange_iot"
FILES = [INTEGRATION / "strings.json", INTEGRATION / "translations/en.json", INTEGRATION / "translations/sv.json"]
# Every category of ours Home Assistant's backend loads.
CATEGORIES = ["config", "options", "config_subentries", "issues", "selector", "services", "entity", "exceptions"]
BACKEND_ERRORS = ("Error while parsing", "Validation of translation placeholders")


def _leaves(tree: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, f"{path}.{key}")
    else:
        yield path, tree


def _unparsable(text: str) -> str | None:
    """Why Python's formatter, as Home Assistant's backend uses it, cannot read this text."""
    try:
        list(string.Formatter().parse(text))
    except ValueError as err:
        return str(err)
    return None


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_home_assistant_loads_our_translations_without_errors(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, language: str
) -> None:
    caplog.set_level(logging.ERROR, logger="homeassistant.helpers.translation")
    loaded: dict[str, dict[str, str]] = {}
    for category in CATEGORIES:
        loaded[category] = await async_get_translations(hass, language, category, [DOMAIN])

    complaints = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith(BACKEND_ERRORS) and f"component.{DOMAIN}." in record.getMessage()
    ]
    assert complaints == []
    # The strings really were loaded, in the language asked for, not English in their place.
    description = loaded["options"][f"component.{DOMAIN}.options.step.connection.description"]
    assert {"en": "What the network server needs", "sv": "Det här behöver nätverksservern"}[language] in description
    warning = loaded["config"][f"component.{DOMAIN}.config.error.address_private_plain_http"]
    assert warning.startswith({"en": "Warning:", "sv": "Varning:"}[language])
    assert all(loaded[category] for category in CATEGORIES)


def test_the_backend_check_catches_an_icu_select() -> None:
    """The check itself: what HA logged for the old warning texts is caught; plain placeholders pass."""
    assert _unparsable("`{url}`{address, select, private {\n\n**Warning**} other {}}") is not None
    assert _unparsable("{count, plural, one {# alarm} other {# alarms}}") is not None
    assert _unparsable("Post to `{url}` with `{header}: {secret}`, for example `{example}`.") is None


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_no_string_needs_icu_select_or_plural(path: Path) -> None:
    """Every string parses with Python's formatter: no select, plural or nested braces."""
    strings = list(_leaves(json.loads(path.read_text(encoding="utf-8")), path.name))
    assert len(strings) > 500, "the walk missed the strings"
    unparsable = {where: why for where, text in strings if (why := _unparsable(text)) is not None}
    assert unparsable == {}
    assert [where for where, text in strings if "select," in text or "plural," in text] == []
