"""The installer's device list as CSV: encodings, delimiters and column names, both ways.

Pure Python (no Home Assistant), so the file format is tested on its own. Installers write
these files in Excel: Swedish Excel saves "CSV (semikolonavgränsad)" in Windows-1252 with
``;`` and a decimal comma; "CSV UTF-8" adds a byte-order mark; other tools use ``,`` or tab.
All of these are read. The export writes one canonical form (UTF-8, ``,``, English column
names, decimal point) that reads back to exactly the same devices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
import csv
from dataclasses import dataclass
import io
import re
from typing import Final

from .problems import ImportProblem

# Column order of the export; the import accepts any order and any subset (dev_eui required).
COLUMNS: Final = (
    "dev_eui",
    "model",
    "name",
    "role",
    "latitude",
    "longitude",
    "area",
    "mounting_height_cm",
    "bin_depth_cm",
    "fill_threshold",
    "bathing_fresh_from",
    "bathing_warm_from",
    "temp_min",
    "temp_max",
    "out_of_range_minutes",
    "meter_id",
    "customer_number",
    "place",
    "season_start",
    "schedule_entity",
    "care_unit",
    "room",
)
REQUIRED_COLUMNS: Final = ("dev_eui", "model", "name")

# Other spellings of each column, Swedish and English, after normalisation (see _normalise).
_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "dev_eui": ("deveui", "eui", "dev_eui_id", "enhets_eui"),
    "model": ("modell", "model_id", "modell_id", "device_model", "typ", "enhetstyp", "sensortyp"),
    "name": ("namn", "benamning", "benämning", "device_name", "enhetsnamn"),
    "role": ("roll", "funktion", "anvandning", "användning"),
    "latitude": ("lat", "latitud", "breddgrad"),
    "longitude": ("lon", "lng", "long", "longitud", "langdgrad", "längdgrad"),
    "area": ("omrade", "område", "rum_i_ha"),
    "mounting_height_cm": ("monteringshojd_cm", "monteringshöjd_cm", "monteringshojd", "monteringshöjd", "mounting_height"),
    "bin_depth_cm": ("karldjup_cm", "kärldjup_cm", "karldjup", "kärldjup", "bin_depth"),
    "fill_threshold": ("fyllnadsgrans", "fyllnadsgräns", "tomningsgrans", "tömningsgräns"),
    "bathing_fresh_from": ("badbart_fran", "badbart_från", "fresh_from"),
    "bathing_warm_from": ("varmt_fran", "varmt_från", "warm_from"),
    "temp_min": ("min_temp", "lagsta_temp", "lägsta_temp", "min_temperatur", "lägsta_temperatur"),
    "temp_max": ("max_temp", "hogsta_temp", "högsta_temp", "max_temperatur", "högsta_temperatur"),
    "out_of_range_minutes": ("grace_minutes", "minuter_utanfor", "minuter_utanför", "larmfordrojning_min", "larmfördröjning_min"),
    "meter_id": ("matar_id", "mätar_id", "matarnummer", "mätarnummer", "matarnr", "mätarnr", "meter_number"),
    "customer_number": (
        "kundnummer", "kund_nr", "kundnr", "customer_id", "anlaggningsnummer", "anläggningsnummer",
        "anlaggnings_id", "anläggnings_id",
    ),
    "place": ("plats", "adress", "address", "location_name"),
    "season_start": ("sasongsstart", "säsongsstart"),
    "schedule_entity": ("schema", "schedule"),
    "care_unit": ("vardenhet", "vårdenhet", "enhet", "unit"),
    "room": ("rum", "rumskod", "room_code"),
}
_HEADER: Final[Mapping[str, str]] = {
    alias: column
    for column in COLUMNS
    for alias in (column, *_ALIASES.get(column, ()))
}
_SEPARATORS = re.compile(r"[\s\-./]+")
_UNIT_SUFFIX = re.compile(r"\((.*?)\)")
DELIMITERS: Final = (";", ",", "\t")
MAX_ROWS: Final = 10_000


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One device line: its row number in the spreadsheet (header is row 1) and its cells."""

    row: int
    cells: Mapping[str, str]
    """Canonical column -> stripped text; every column of the file is present, maybe ""."""


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A whole file: the columns it has (canonical names) and its device lines."""

    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    ignored: tuple[str, ...] = ()
    """Headers that name no column (notes, addresses): read past, and reported."""


def decode(data: bytes | str) -> str:
    """Text of the file: UTF-8 (with or without BOM), else Windows-1252 as Excel writes it."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; nothing in a device list uses them.
        return data.decode("cp1252", errors="replace")


def _normalise(header: str) -> str:
    text = _UNIT_SUFFIX.sub(lambda match: f"_{match.group(1)}", header.strip().lower())
    return _SEPARATORS.sub("_", text).strip("_")


def column_for(header: str) -> str | None:
    """The canonical column a header names, in Swedish or English; None if unknown.

    A unit in brackets may be part of the name ("Monteringshöjd (cm)") or only a note
    ("Latitud (WGS84)", "Min temp (°C)"): both are tried.
    """
    text = header.removeprefix("\ufeff")
    return _HEADER.get(_normalise(text)) or _HEADER.get(_normalise(_UNIT_SUFFIX.sub("", text)))


def detect_delimiter(header_line: str) -> str:
    """The delimiter of a file from its header line: the most frequent of ; , and tab."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def parse(data: bytes | str) -> CsvTable:
    """Read a device list; raise ImportProblem naming what is wrong with the file."""
    text = decode(data)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ImportProblem("empty")
    reader = csv.reader(io.StringIO(text), delimiter=detect_delimiter(first), strict=False)
    header: list[str] | None = None
    columns: tuple[str | None, ...] = ()
    rows: list[CsvRow] = []
    for raw in reader:
        row_number = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue  # blank lines (and Excel's ";;;;" lines) are not devices
        if header is None:
            header = raw
            columns = _columns(raw)
            continue
        if len(raw) > len(columns) and any(cell.strip() for cell in raw[len(columns) :]):
            raise ImportProblem("wrong_column_count", row=row_number, expected=str(len(columns)), found=str(len(raw)))
        cells = {
            column: (raw[index].strip() if index < len(raw) else "")
            for index, column in enumerate(columns)
            if column is not None
        }
        rows.append(CsvRow(row_number, cells))
        if len(rows) > MAX_ROWS:
            raise ImportProblem("too_many_rows", maximum=str(MAX_ROWS))
    if not rows:
        raise ImportProblem("empty")
    ignored = tuple(cell.strip() for cell, column in zip(header or (), columns, strict=False) if column is None and cell.strip())
    return CsvTable(tuple(c for c in columns if c is not None), tuple(rows), ignored)


def _columns(header: Sequence[str]) -> tuple[str | None, ...]:
    """Each header cell's column; None for one that names none (it is read past)."""
    columns: list[str | None] = []
    for cell in header:
        column = column_for(cell)
        if column is not None and column in columns:
            raise ImportProblem("duplicate_column", column=cell.strip()[:40])
        columns.append(column)
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            raise ImportProblem("missing_column", column=required)
    return tuple(columns)


def write(rows: Iterable[Mapping[str, str]]) -> str:
    """The canonical CSV of devices (each a column -> text mapping), only used columns."""
    materialised = list(rows)
    used = [
        column
        for column in COLUMNS
        if column in REQUIRED_COLUMNS or any(row.get(column) for row in materialised)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(used)
    for row in materialised:
        writer.writerow([row.get(column, "") for column in used])
    return buffer.getvalue()


def _text(value: object) -> str:
    """A stored setting as the export writes it: 150.0 as "150", 62.39 as "62.39"."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def cells_of(data: Mapping[str, object]) -> dict[str, str]:
    """The export row of one device subentry's data."""
    cells = {column: _text(data.get(column)) for column in COLUMNS}
    if not cells["role"]:
        # Devices set up before roles existed are snow stations or bins by their settings.
        if data.get("mounting_height_cm") is not None:
            cells["role"] = "snow_station"
        elif data.get("bin_depth_cm") is not None:
            cells["role"] = "waste_bin"
    return cells
