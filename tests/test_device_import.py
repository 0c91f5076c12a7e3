"""Bulk onboarding through ange_iot.import_devices / export_devices, on a running hub."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ange_iot.const import DOMAIN, SUBENTRY_DEVICE

from .conftest import ERS_CO2
from .helpers import registry_device

HEADER = "DevEUI;Modell;Namn;Roll;Latitud;Longitud;Mätar-ID;Kundnummer;Plats"


def meter_rows(count: int, start: int = 0) -> list[str]:
    """Water meters as a Swedish Excel export writes them (decimal comma, å ä ö)."""
    return [
        f"70b3d5e75e{n:06x};elvaco_cmi4140;Mätare {n} Ågatan;vattenmätare;62,{390000 + n};15,{650000 + n};"
        f"M-{n:05d};K{n:06d};Ågatan {n}, Ånge"
        for n in range(start, start + count)
    ]


def cp1252(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


async def _import(hass: HomeAssistant, entry_id: str, csv: str, dry_run: bool = False) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "import_devices",
        {"config_entry_id": entry_id, "csv": csv, "dry_run": dry_run},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def _devices(entry: MockConfigEntry) -> dict[str, dict[str, Any]]:
    return {
        sub.data["dev_eui"]: dict(sub.data)
        for sub in entry.subentries.values()
        if sub.subentry_type == SUBENTRY_DEVICE
    }


async def test_import_400_meters_from_swedish_excel(
    hass: HomeAssistant, setup_integration: MockConfigEntry, tmp_path: Any
) -> None:
    """400 meters from a ;-separated Windows-1252 file: devices, entities, then nothing twice."""
    entry = setup_integration
    (tmp_path / "matare.csv").write_bytes(cp1252([HEADER, *meter_rows(400)]))

    preview = await _import(hass, entry.entry_id, "matare.csv", dry_run=True)
    assert len(preview["created"]) == 400
    assert preview["updated"] == preview["unchanged"] == []
    assert len(_devices(entry)) == 3  # a dry run changes nothing

    result = await _import(hass, entry.entry_id, "matare.csv")
    await hass.async_block_till_done()
    assert len(result["created"]) == 400
    devices = _devices(entry)
    meter = devices["70b3d5e75e000007"]
    assert meter["name"] == "Mätare 7 Ågatan"
    assert meter["role"] == "water_meter"
    assert meter["meter_id"] == "M-00007"
    assert meter["customer_number"] == "K000007"
    assert meter["place"] == "Ågatan 7, Ånge"
    assert meter["latitude"] == pytest.approx(62.390007)
    device = registry_device(hass, "70b3d5e75e000007")
    assert device is not None and device.name == "Mätare 7 Ågatan"
    registry = er.async_get(hass)
    # Each meter has its radio entities from the start (disabled by default, as for any device).
    with_entities = {
        ent.unique_id.partition("_")[0]
        for ent in er.async_entries_for_config_entry(registry, entry.entry_id)
        if ent.unique_id.endswith("_last_seen")
    }
    assert {f"70b3d5e75e{n:06x}" for n in range(400)} <= with_entities
    # And the reading they are there for, before any uplink: the meter's volume, unknown.
    volume = registry.async_get_entity_id("sensor", DOMAIN, "70b3d5e75e000007_volume")
    assert volume is not None
    state = hass.states.get(volume)
    assert state is not None and state.state == "unknown"
    assert state.attributes["unit_of_measurement"] == "m³"
    assert len(entry.runtime_data.devices) == 403

    again = await _import(hass, entry.entry_id, "matare.csv")
    assert again["created"] == again["updated"] == []
    assert len(again["unchanged"]) == 400
    assert _devices(entry) == devices


async def test_one_bad_row_rejects_the_whole_file(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A malformed DevEUI on spreadsheet row 42 stops everything, and says so."""
    rows = meter_rows(60)
    rows[40] = rows[40].replace("70b3d5e75e", "70b3d5e7Z", 1)  # header is row 1
    with pytest.raises(ServiceValidationError) as err:
        await _import(hass, setup_integration.entry_id, "\n".join([HEADER, *rows]))
    assert err.value.translation_key == "import_invalid_dev_eui"
    assert err.value.translation_placeholders["row"] == "42"
    assert "42" in str(err.value)
    assert len(_devices(setup_integration)) == 3


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("a81758fffe0312ab;elsys_ers_co2;Dagrum;;;;;;", None),  # already there: fine
        ("70b3d5e75e000001;elvaco_cmi4140;Dubblett;vattenmätare;;;M-9;;", "duplicate_dev_eui"),
        ("70b3d5e75e100000;acme_gadget;X;;;;;;", "unknown_model"),
        ("70b3d5e75e100000;elsys_ers_co2;Rum 4;snöstation;;;;;", "role_not_for_model"),
        ("70b3d5e75e100000;elvaco_cmi4140;Mätare;vattenmätare;;;;;", "missing_setting"),
        ("70b3d5e75e100000;elvaco_cmi4140;Mätare 19450101-1234;vattenmätare;;;M-1;;", "personal_data"),
        ("70b3d5e75e100000;elvaco_cmi4140;Mätare;vattenmätare;91;15;M-1;;", "out_of_range"),
        ("70b3d5e75e100000;elvaco_cmi4140;Mätare;vattenmätare;62,1;;M-1;;", "location_incomplete"),
    ],
)
async def test_bad_rows_are_named(
    hass: HomeAssistant, setup_integration: MockConfigEntry, row: str, reason: str | None
) -> None:
    """Each kind of bad row is refused with its own reason and row number 4."""
    lines = [HEADER, *meter_rows(2), row]
    if reason is None:
        result = await _import(hass, setup_integration.entry_id, "\n".join(lines), dry_run=True)
        assert result["updated"] == [ERS_CO2]
        return
    with pytest.raises(ServiceValidationError) as err:
        await _import(hass, setup_integration.entry_id, "\n".join(lines))
    assert err.value.translation_key == f"import_{reason}"
    assert err.value.translation_placeholders["row"] == "4"
    assert "19450101" not in str(err.value.translation_placeholders)


async def test_care_codes_and_other_hub(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """Care codes are checked like in the device form; another hub's device is refused."""
    header = "dev_eui,model,name,role,care_unit,room"
    with pytest.raises(ServiceValidationError) as err:
        await _import(
            hass, setup_integration.entry_id,
            f"{header}\na81758fffe05d0aa,elsys_ems_door,Dörr,outer_door,SOL-2,450101-1234\n",
        )
    assert err.value.translation_key == "import_personal_data"
    other = MockConfigEntry(domain=DOMAIN, title="TTS Ånge", data={"network": "tts"})
    other.add_to_hass(hass)
    hass.config_entries.async_add_subentry(
        other,
        ConfigSubentry(
            data={"dev_eui": "a81758fffe05d0aa", "model": "elsys_ems_door", "name": "D"},  # type: ignore[arg-type]
            subentry_type=SUBENTRY_DEVICE, title="D", unique_id="a81758fffe05d0aa",
        ),
    )
    with pytest.raises(ServiceValidationError) as err:
        await _import(
            hass, setup_integration.entry_id,
            f"{header}\na81758fffe05d0aa,elsys_ems_door,Dörr,outer_door,SOL-2,R14\n",
        )
    assert err.value.translation_key == "import_dev_eui_on_other_hub"
    assert err.value.translation_placeholders["hub"] == "TTS Ånge"


async def test_reimport_updates_and_export_round_trip(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """A changed row is updated in place; export then import changes nothing."""
    entry = setup_integration
    await _import(hass, entry.entry_id, "\n".join([HEADER, *meter_rows(5)]))
    changed = meter_rows(5)
    changed[2] = changed[2].replace("M-00002", "M-20002")
    result = await _import(hass, entry.entry_id, "\n".join([HEADER, *changed]))
    assert result["updated"] == ["70b3d5e75e000002"]
    assert result["devices"]["70b3d5e75e000002"] == {"row": 4, "name": "Mätare 2 Ågatan", "action": "updated"}
    assert len(result["unchanged"]) == 4
    assert _devices(entry)["70b3d5e75e000002"]["meter_id"] == "M-20002"
    assert len(_devices(entry)) == 8

    exported = await hass.services.async_call(
        DOMAIN, "export_devices", {"config_entry_id": entry.entry_id}, blocking=True, return_response=True
    )
    assert isinstance(exported, dict)
    csv_text = exported["csv"]
    assert csv_text.splitlines()[0].startswith("dev_eui,model,name,role,latitude,longitude")
    before = _devices(entry)
    again = await _import(hass, entry.entry_id, csv_text)
    assert again["created"] == again["updated"] == []
    assert len(again["unchanged"]) == 8
    assert _devices(entry) == before
    second = await hass.services.async_call(
        DOMAIN, "export_devices", {"config_entry_id": entry.entry_id}, blocking=True, return_response=True
    )
    assert isinstance(second, dict) and second["csv"] == csv_text


async def test_unknown_hub(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    """An entry id that is not a hub is a translated error."""
    with pytest.raises(ServiceValidationError) as err:
        await _import(hass, "nope", "dev_eui,model,name\n")
    assert err.value.translation_key == "import_unknown_hub"


async def test_csv_as_bytes_or_absolute_path(
    hass: HomeAssistant, setup_integration: MockConfigEntry, tmp_path: Any
) -> None:
    """The raw bytes of an Excel file, or its absolute path, work like pasted text."""
    raw = cp1252([HEADER, *meter_rows(3)])
    result = await _import(hass, setup_integration.entry_id, raw, dry_run=True)  # type: ignore[arg-type]
    assert [result["devices"][eui]["name"] for eui in result["created"]] == [
        "Mätare 0 Ågatan", "Mätare 1 Ågatan", "Mätare 2 Ågatan"
    ]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lista.csv").write_bytes(raw)
    result = await _import(hass, setup_integration.entry_id, str(tmp_path / "sub" / "lista.csv"), dry_run=True)
    assert len(result["created"]) == 3
    with pytest.raises(ServiceValidationError) as err:
        await _import(hass, setup_integration.entry_id, "/etc/elsewhere.csv")
    assert err.value.translation_key == "import_file_not_found"
