"""The actions ``ange_iot.import_devices`` and ``ange_iot.export_devices``."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Final, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..const import DOMAIN, SUBENTRY_DEVICE
from .apply import apply_plan, build_plan
from .csv_format import cells_of, write
from .problems import ImportProblem

SERVICE_IMPORT_DEVICES: Final = "import_devices"
SERVICE_EXPORT_DEVICES: Final = "export_devices"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_CSV: Final = "csv"
ATTR_DRY_RUN: Final = "dry_run"
EXPORT_FOLDER: Final = "ange_iot/exports"
# A single line ending in .csv names a file (relative to the configuration folder).
_FILE_NAME: Final = re.compile(r"[^\r\n]+\.csv", re.IGNORECASE)

IMPORT_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        # Text, or the raw bytes of a file when called from Python (encoding detected).
        vol.Required(ATTR_CSV): vol.Any(bytes, cv.string),
        vol.Optional(ATTR_DRY_RUN, default=False): cv.boolean,
    }
)
EXPORT_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})


def hub_entry(hass: HomeAssistant, entry_id: str) -> ConfigEntry:
    """A loaded hub by its config entry id, or a translated validation error."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="import_unknown_hub",
            translation_placeholders={"config_entry_id": entry_id},
        )
    return entry


def problem_error(problem: ImportProblem) -> ServiceValidationError:
    """The translated error of an import problem."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=problem.translation_key,
        translation_placeholders=problem.placeholders,
    )


def _read_file(path: Path) -> bytes | None:
    """The bytes of a file, or None when there is none."""
    return path.read_bytes() if path.is_file() else None


async def _file_or_text(hass: HomeAssistant, data: bytes | str) -> bytes | str:
    """The CSV itself, or the bytes of the .csv file it names (encoding detected later).

    A relative name is looked up in the configuration folder; an absolute path must be in
    the configuration folder or in an allowlisted external directory.
    """
    if isinstance(data, bytes):
        return data
    name = data.strip()
    if not _FILE_NAME.fullmatch(name):
        return data
    path = Path(hass.config.path(name))
    inside = await hass.async_add_executor_job(
        lambda: path.resolve().is_relative_to(Path(hass.config.config_dir).resolve())
    )
    content = (
        await hass.async_add_executor_job(_read_file, path)
        if inside or hass.config.is_allowed_path(str(path))
        else None
    )
    if content is None:
        raise problem_error(ImportProblem("file_not_found", file=name[:80]))
    return content


async def async_import_devices(call: ServiceCall) -> ServiceResponse:
    """Check the whole file, then create and update the devices (unless a dry run)."""
    hass = call.hass
    entry = hub_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    data = await _file_or_text(hass, call.data[ATTR_CSV])
    try:
        plan = build_plan(hass, entry, data)
    except ImportProblem as problem:
        raise problem_error(problem) from problem
    dry_run = bool(call.data[ATTR_DRY_RUN])
    if not dry_run:
        apply_plan(hass, entry, plan)
    return cast(ServiceResponse, {"dry_run": dry_run, **plan.summary()})


@callback
def export_csv(entry: ConfigEntry) -> str:
    """The hub's devices as the canonical CSV the import reads back unchanged."""
    return write(
        cells_of({"name": sub.title, **sub.data})
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_DEVICE
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


async def async_export_devices(call: ServiceCall) -> ServiceResponse:
    """Write the device list to the export folder and return it."""
    hass = call.hass
    entry = hub_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    text = export_csv(entry)
    path = Path(hass.config.path(EXPORT_FOLDER)) / f"devices_{entry.entry_id}.csv"
    await hass.async_add_executor_job(_write, path, text)
    return cast(ServiceResponse, {"file": str(path), "csv": text})


@callback
def async_setup_import_services(hass: HomeAssistant) -> None:
    """Register the two actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_IMPORT_DEVICES, async_import_devices, schema=IMPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_EXPORT_DEVICES, async_export_devices, schema=EXPORT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
