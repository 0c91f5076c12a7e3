"""The device-list format on its own: encodings, delimiters, headers, rows, export."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.ange_iot.device_import.csv_format import cells_of, parse, write
from custom_components.ange_iot.device_import.plan import ExistingDevice, compute_plan
from custom_components.ange_iot.device_import.problems import ImportProblem
from custom_components.ange_iot.device_import.validation import validate
from custom_components.ange_iot.lorawan.codecs import MODELS

EXAMPLE = Path(__file__).parent.parent.parent / "docs" / "devices_example.csv"
ROW = "70b3d5e75e000001{d}elvaco_cmi4140{d}Mätare Å{d}vattenmätare{d}62,5{d}15,6{d}M-1"


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        (("DevEUI;Modell;Namn;Roll;Latitud;Longitud;Mätar-ID\r\n" + ROW.format(d=";")).encode("cp1252"), ";"),
        (("\ufeffdev_eui,model,name,role,latitude,longitude,meter_id\n" + ROW.format(d=",").replace("62,5", '"62,5"').replace("15,6", '"15,6"')).encode("utf-8"), ","),
        (("dev_eui\tmodel\tname\trole\tlat\tlon\tmeter_number\n" + ROW.format(d="\t")).encode("utf-8"), "\t"),
    ],
    ids=["excel-sv-cp1252", "utf8-bom-comma", "tab"],
)
def test_encodings_and_delimiters(data: bytes, delimiter: str) -> None:
    """Each file gives the same device, å and decimal comma included."""
    (device,) = validate(parse(data), MODELS, {})
    assert device.data == {
        "dev_eui": "70b3d5e75e000001",
        "model": "elvaco_cmi4140",
        "name": "Mätare Å",
        "role": "water_meter",
        "latitude": 62.5,
        "longitude": 15.6,
        "meter_id": "M-1",
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("dev_eui,model,name\n", "empty"),
        ("dev_eui,model\n70b3d5e75e000001,elsys_ers\n", "missing_column"),
        ("dev_eui,DevEUI,model,name\n", "duplicate_column"),
        ("dev_eui,model,name\n70b3d5e75e000001,elsys_ers,A,extra\n", "wrong_column_count"),
    ],
)
def test_bad_files(text: str, reason: str) -> None:
    with pytest.raises(ImportProblem) as err:
        validate(parse(text), MODELS, {})
    assert err.value.reason == reason


def test_example_file_and_exact_round_trip() -> None:
    """docs/devices_example.csv is valid; its export reads back to the same devices."""
    devices = validate(parse(EXAMPLE.read_bytes()), MODELS, {})
    assert {d.data.get("role") for d in devices} >= {"water_meter", "snow_station", "outer_door"}
    exported = write(cells_of(d.data) for d in devices)
    again = validate(parse(exported), MODELS, {})
    assert [d.data for d in again] == [d.data for d in devices]
    assert write(cells_of(d.data) for d in again) == exported
    existing = {d.dev_eui: ExistingDevice(f"sub{d.row}", str(d.data["name"]), d.data) for d in devices}
    plan = compute_plan(again, existing)
    assert not plan.create and not plan.update and len(plan.unchanged) == len(devices)


def test_unknown_columns_are_read_past_and_titles_match_models() -> None:
    """A notes column is ignored (and reported); a model title and a unit note still work."""
    text = "DevEUI;Modell;Namn;Roll;Latitud (WGS84);Longitud (WGS84);Mätarnr;Anteckning\n"
    text += "70b3d5e75e000001;Elvaco CMi4140;M 1;Water meter;62,5;15,6;M-1;byts 2027\n"
    table = parse(text)
    assert table.ignored == ("Anteckning",)
    (device,) = validate(table, MODELS, {})
    assert device.data["model"] == "elvaco_cmi4140"
    assert device.data["role"] == "water_meter"
    assert device.data["latitude"] == 62.5
    assert device.data["meter_id"] == "M-1"


def test_a_file_without_role_column_keeps_roles() -> None:
    """Renaming devices from a two-column list does not strip their roles."""
    existing = {
        "70b3d5e75e000001": ExistingDevice(
            "s1", "Old", {"dev_eui": "70b3d5e75e000001", "model": "elvaco_cmi4140", "name": "Old",
                          "role": "water_meter", "meter_id": "M-1"}
        )
    }
    table = parse("dev_eui,model,name\n70b3d5e75e000001,elvaco_cmi4140,New\n")
    plan = compute_plan(validate(table, MODELS, {}), existing, table.columns)
    (change,) = plan.update
    assert change.data == {"dev_eui": "70b3d5e75e000001", "model": "elvaco_cmi4140", "name": "New",
                           "role": "water_meter", "meter_id": "M-1"}
