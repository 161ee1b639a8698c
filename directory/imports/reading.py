"""Reading files: decode and parse CSV and GeoJSON into records."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext_lazy as _

from .notes import ImportFileError, Note

# --- Reading files ----------------------------------------------------------------------------

GEOMETRY = "(geometry)"  # the pseudo-column of a GeoJSON feature's position


@dataclass
class Record:
    """One row of a CSV file or one feature of a GeoJSON file, as text values by column."""

    number: int  # as a person counts: the spreadsheet row (header = 1) or the feature (from 1)
    values: dict[str, str]
    position: tuple[float, float] | None = None  # (latitude, longitude) from a GeoJSON geometry
    position_note: Note | None = None
    rejection: Note | None = None


@dataclass
class Table:
    format: str  # "csv" or "geojson"
    columns: list[str]
    records: list[Record]
    encoding: str = ""
    delimiter: str = ""
    metadata: dict = field(default_factory=dict)  # a GeoJSON's top-level "name", "license", …


# Limits that keep a hostile or broken file from taking the server's time and memory; each
# gives a message saying what to change.
MAX_COLUMNS = 500
MAX_ROWS = 200_000
MAX_CELL_CHARACTERS = 20_000
MAX_JSON_DEPTH = 20
MAX_NUMBER_DIGITS = 40


def detect_format(data: bytes, filename: str = "") -> str:
    """Return "csv", "json" (an array of objects, or JSON Lines) or "geojson" from the file
    name, else from the content."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "json"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    head = data[:64].lstrip(codecs.BOM_UTF8).lstrip()
    return "geojson" if head.startswith((b"{", b"[")) else "csv"


def read_table(data: bytes, *, filename: str = "", file_format: str = "") -> Table:
    """Parse ``data`` as CSV or GeoJSON; raise ``ImportFileError`` with a readable reason."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _(
                "This is a spreadsheet workbook (e.g. .xlsx), not a CSV file. Save it as "
                "“CSV UTF-8” in your spreadsheet program and upload that."
            )
        )
    file_format = file_format or detect_format(data, filename)
    text, encoding = decode_text(data)
    if file_format == "json":
        table = read_json_lines(text)
    elif file_format == "geojson":
        table = read_geojson(text)
    else:
        table = read_csv(text)
    table.encoding = encoding
    if not table.records:
        raise ImportFileError(_("The file has no rows below its header."))
    if len(table.records) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(count)s rows; at most %(limit)s can be imported at once. Split it.")
            % {"count": len(table.records), "limit": MAX_ROWS}
        )
    if len(table.columns) > MAX_COLUMNS:
        raise ImportFileError(
            _("The file has %(count)s columns; at most %(limit)s are read. Remove the others.")
            % {"count": len(table.columns), "limit": MAX_COLUMNS}
        )
    return table


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode what a spreadsheet or a text editor writes: UTF-8 (with or without BOM), UTF-16
    with BOM (Excel's "Unicode text"), else Windows-1252 or Latin-1.

    Raise ``ImportFileError`` for bytes that are no text in any of these (a binary file).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp1252", "latin-1"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    raise ImportFileError(
        _(
            "The file is not readable text: save it as CSV (UTF-8) or GeoJSON and try again. "
            "Tried the encodings UTF-8, UTF-16, Windows-1252 and Latin-1."
        )
    )


def _looks_like_text(text: str) -> bool:
    # Control characters other than tab and line breaks mean a binary file or a wrong
    # encoding (Latin-1 decodes any byte, so it needs this check to be a real test).
    sample = text[:100_000]
    controls = sum(
        1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\t\r\n"
    )
    return controls <= len(sample) // 1000


def read_csv(text: str) -> Table:
    """Parse CSV text with whatever delimiter it uses (, ; tab |), quoted multi-line fields."""
    sample = text[:64_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","  # one column, or too irregular to tell: the standard delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        rows = list(reader)
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file is malformed: %(error)s") % {"error": error}
        ) from error
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    if len(rows[0]) > MAX_COLUMNS:
        raise ImportFileError(
            _("The file has %(count)s columns; at most %(limit)s are read. Remove the others.")
            % {"count": len(rows[0]), "limit": MAX_COLUMNS}
        )
    header = _unique_headers(rows[0])
    records = []
    for index, row in enumerate(rows[1:], start=2):
        values = {
            column: (row[i].strip()[:MAX_CELL_CHARACTERS] if i < len(row) else "")
            for i, column in enumerate(header)
        }
        records.append(Record(number=index, values=values))
    return Table(format="csv", columns=header, records=records, delimiter=delimiter)


def _unique_headers(cells: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    headers = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff") or f"column {position}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        headers.append(name)
    return headers


def read_geojson(text: str) -> Table:
    """Parse a GeoJSON FeatureCollection (or a single Feature) into records.

    Points keep their position; lines, polygons and multi-points are placed at their centre;
    a feature without geometry keeps only its address (to be geocoded).
    """
    document = load_json(text)
    if _record_list(document) is not None and not (
        isinstance(document, dict) and document.get("type") == "FeatureCollection"
    ):
        return read_json_records(_record_list(document))
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not (
        isinstance(document, dict)
        and document.get("type") == "FeatureCollection"
        and isinstance(document.get("features"), list)
    ):
        raise ImportFileError(NOT_A_LIST)
    columns: dict[str, None] = {}
    records = []
    for index, feature in enumerate(document["features"], start=1):
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        values = {key: _property_text(value) for key, value in properties.items()}
        columns.update(dict.fromkeys(values))
        record = Record(number=index, values=values)
        _place_feature(record, feature.get("geometry"))
        records.append(record)
    metadata = {
        key: str(document[key])
        for key in ("name", "license", "licence", "source", "attribution")
        if isinstance(document.get(key), str | int | float)
    }
    return Table(format="geojson", columns=[GEOMETRY, *columns], records=records, metadata=metadata)


NOT_A_LIST = _(
    "The file is JSON but neither a GeoJSON FeatureCollection nor a list of objects (an "
    "array of {…}, or an object holding one, or one object per line)."
)
_JSON_STRUCTURE = re.compile(r'\\.|["\[\]{}]')


def load_json(text: str) -> Any:
    """Parse JSON, refusing nesting deeper than MAX_JSON_DEPTH and absurdly long numbers."""
    depth = 0
    in_string = False
    for mark in _JSON_STRUCTURE.findall(text):
        if mark == '"':
            in_string = not in_string
        elif in_string or mark[0] == "\\":
            continue
        elif mark in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ImportFileError(
                    _("The JSON is nested more than %(limit)s levels deep.")
                    % {"limit": MAX_JSON_DEPTH}
                )
        else:
            depth -= 1
    try:
        return json.loads(
            text, parse_int=_json_number, parse_float=_json_number, parse_constant=_json_constant
        )
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("The file is not valid JSON (line %(line)s): %(error)s")
            % {"line": error.lineno, "error": error.msg}
        ) from error


def _json_number(text: str) -> float | int | str:
    if len(text) > MAX_NUMBER_DIGITS:
        raise ImportFileError(
            _("The JSON holds a number of %(count)s digits; at most %(limit)s are read.")
            % {"count": len(text), "limit": MAX_NUMBER_DIGITS}
        )
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _json_constant(text: str) -> None:
    raise ImportFileError(_("The JSON holds %(value)s, which is no number.") % {"value": text})


def _record_list(document: Any) -> list | None:
    """Return the list of objects a plain JSON document holds (itself, or its one list)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and document.get("type") != "FeatureCollection":
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) == 1 and lists[0] and all(isinstance(item, dict) for item in lists[0][:10]):
            return lists[0]
    return None


def read_json_lines(text: str) -> Table:
    """Parse JSON Lines (one object per line), or a plain JSON array, into records."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        items = _record_list(load_json(text)) or []
    else:
        items = [load_json(line) for line in text.splitlines() if line.strip()]
    return read_json_records(items)


def read_json_records(items: list) -> Table:
    """Turn a list of JSON objects into records: keys are columns, nested keys dotted."""
    columns: dict[str, None] = {}
    records = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue
        values: dict[str, str] = {}
        _flatten(item, "", values)
        if len(values) > MAX_COLUMNS:
            raise ImportFileError(
                _("Object %(row)s has %(count)s fields; at most %(limit)s are read.")
                % {"row": index, "count": len(values), "limit": MAX_COLUMNS}
            )
        columns.update(dict.fromkeys(values))
        if len(columns) > MAX_COLUMNS:
            raise ImportFileError(
                _("The file has %(count)s columns; at most %(limit)s are read. Remove the others.")
                % {"count": len(columns), "limit": MAX_COLUMNS}
            )
        records.append(Record(number=index, values=values))
    if items and not records:
        raise ImportFileError(NOT_A_LIST)
    return Table(format="json", columns=list(columns), records=records)


def _flatten(value: Any, prefix: str, values: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), values)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        _flatten(value[0], prefix, values)  # e.g. "locations": [{…}]: the first one
    else:
        values[prefix] = _property_text(value)[:MAX_CELL_CHARACTERS]


def _property_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_property_text(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _place_feature(record: Record, geometry: Any) -> None:
    if not isinstance(geometry, dict) or not geometry.get("type"):
        return  # no geometry: the address may still be geocoded
    kind = geometry["type"]
    coordinates = geometry.get("coordinates")
    try:
        if kind == "Point":
            longitude, latitude = float(coordinates[0]), float(coordinates[1])
        elif kind in ("MultiPoint", "LineString"):
            longitude, latitude = _mean_point(coordinates)
        elif kind == "MultiLineString":
            longitude, latitude = _mean_point([point for line in coordinates for point in line])
        elif kind == "Polygon":
            longitude, latitude = _polygon_centroid(coordinates[0])
        elif kind == "MultiPolygon":
            longitude, latitude = _polygon_centroid(
                max((polygon[0] for polygon in coordinates), key=lambda ring: abs(_ring_area(ring)))
            )
        else:
            record.rejection = Note("geometry_unsupported", {"type": kind})
            return
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError):
        record.rejection = Note("coordinates_invalid", {"value": json.dumps(coordinates)[:60]})
        return
    if not _valid_position(latitude, longitude):
        record.rejection = Note("coordinates_invalid", {"value": f"{longitude}, {latitude}"})
        return
    record.position = (latitude, longitude)
    if kind != "Point":
        record.position_note = Note("position_centroid", {"type": kind})


def _mean_point(points: list) -> tuple[float, float]:
    return (
        sum(float(point[0]) for point in points) / len(points),
        sum(float(point[1]) for point in points) / len(points),
    )


def _ring_area(ring: list) -> float:
    return (
        sum(
            float(x1) * float(y2) - float(x2) * float(y1)
            for (x1, y1, *_rest1), (x2, y2, *_rest2) in itertools.pairwise(ring)
        )
        / 2
    )


def _polygon_centroid(ring: list) -> tuple[float, float]:
    """Return the centroid of a polygon's outer ring (the shoelace formula)."""
    area = _ring_area(ring)
    if not area:
        return _mean_point(ring)
    cx = cy = 0.0
    for (x1, y1, *_rest1), (x2, y2, *_rest2) in itertools.pairwise(ring):
        cross = float(x1) * float(y2) - float(x2) * float(y1)
        cx += (float(x1) + float(x2)) * cross
        cy += (float(y1) + float(y2)) * cross
    return cx / (6 * area), cy / (6 * area)


def _valid_position(latitude: float, longitude: float) -> bool:
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )
