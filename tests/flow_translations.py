"""What every form, menu, error and abort of our flows needs to render in the frontend.

tests/conftest.py runs ``check_flow_result`` on every flow step any test drives: each
field has a label and a description (data_description), each error, abort reason and menu
option has a text, and every ``{argument}`` of a text is filled by the flow's placeholders
(the frontend shows "Translation error" when one is missing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import (
    ConfigEntriesFlowManager,
    ConfigSubentryFlowManager,
    OptionsFlowManager,
)
from homeassistant.data_entry_flow import FlowHandler, FlowManager, FlowResultType

from custom_components.ange_iot.const import DOMAIN

STRINGS: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "custom_components/ange_iot/strings.json").read_text(encoding="utf-8")
)


def icu_arguments(text: str) -> set[str]:
    """The top-level arguments of an ICU message: ``{name}`` and ``{name, select, ...}``."""
    names: set[str] = set()
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == "{":
            if depth == 0:
                end = min((pos for pos in (text.find(",", index), text.find("}", index)) if pos != -1), default=-1)
                names.add(text[index + 1 : end].strip())
            depth += 1
        elif char == "}":
            depth -= 1
        index += 1
    return names


def _section(manager: FlowManager[Any, Any, Any], flow: FlowHandler[Any, Any, Any]) -> Mapping[str, Any] | None:
    """The part of strings.json this flow's texts live in; None for other integrations' flows."""
    hass = flow.hass
    if isinstance(manager, ConfigEntriesFlowManager):
        return STRINGS["config"] if flow.handler == DOMAIN else None
    if isinstance(manager, OptionsFlowManager):
        entry = hass.config_entries.async_get_entry(flow.handler)
        return STRINGS["options"] if entry is not None and entry.domain == DOMAIN else None
    if isinstance(manager, ConfigSubentryFlowManager):
        entry_id, subentry_type = flow.handler
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            return None
        return STRINGS["config_subentries"][subentry_type]
    return None


def _missing_arguments(where: str, text: str | None, placeholders: Mapping[str, Any] | None) -> Iterator[str]:
    for name in sorted(icu_arguments(text or "") - set(placeholders or {})):
        yield f"{where}: no placeholder fills {{{name}}}"


def check_flow_result(
    manager: FlowManager[Any, Any, Any], flow: FlowHandler[Any, Any, Any], result: Mapping[str, Any]
) -> list[str]:
    """What the frontend would fail to render for this step of one of our flows."""
    section = _section(manager, flow)
    if section is None:
        return []
    placeholders = result.get("description_placeholders")
    problems: list[str] = []
    kind = result["type"]
    if kind in (FlowResultType.FORM, FlowResultType.MENU):
        step_id = result["step_id"]
        step = section.get("step", {}).get(step_id)
        if step is None:
            return [f"step {step_id} has no strings"]
        for part in ("title", "description"):
            problems.extend(_missing_arguments(f"step.{step_id}.{part}", step.get(part), placeholders))
        if kind is FlowResultType.MENU:
            options = result["menu_options"]
            problems.extend(
                f"step.{step_id}.menu_options.{option} is missing"
                for option in options
                if option not in step.get("menu_options", {})
            )
            return problems
        for marker in result["data_schema"].schema if result["data_schema"] else ():
            for part in ("data", "data_description"):
                if str(marker) not in step.get(part, {}):
                    problems.append(f"step.{step_id}.{part}.{marker} is missing")
        for error in (result.get("errors") or {}).values():
            if error not in section.get("error", {}):
                problems.append(f"error.{error} is missing")
            else:
                problems.extend(_missing_arguments(f"error.{error}", section["error"][error], placeholders))
    elif kind is FlowResultType.ABORT:
        reason = result["reason"]
        if reason not in section.get("abort", {}):
            problems.append(f"abort.{reason} is missing")
        else:
            problems.extend(_missing_arguments(f"abort.{reason}", section["abort"][reason], placeholders))
    return problems
