"""Read lists of organizations (CSV, GeoJSON) and turn their rows into directory entries.

Pure functions and small value classes: no database, no views. ``import_services.py`` feeds
them with files and with the directory's entries and writes what they decide.

The steps, in order: ``read_table`` decodes and parses a file into records; ``guess_mapping``
proposes which column feeds which field; ``normalize_record`` turns one record into a ``Row``
(clean values, a position, warnings, or a rejection); ``DuplicateIndex`` finds rows that
describe an organization already seen (same register entry, same website and name, or a very
similar name a few kilometres away).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gettext as gettext_module
import hashlib
import io
import itertools
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import Organization, fold_text

# --- Errors and notes -------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file cannot be read as a list of organizations; the message says why, for people."""


# What the preview and the report say about a row. They are stored as (code, params) and put
# into words when shown, so that a manager reads them in the language of the page.
NOTES = {
    # rejections
    "no_name": _("No name."),
    "geometry_unsupported": _("Geometry of type %(type)s cannot be placed on the map."),
    "coordinates_invalid": _("Coordinates %(value)s are not a position on Earth."),
    # duplicates
    "duplicate_row_register": _("Same register entry as row %(row)s."),
    "duplicate_row_website": _("Same website and name as row %(row)s."),
    "duplicate_row_name": _("Very similar name %(km)s km from row %(row)s."),
    "duplicate_row_id": _("Same id as row %(row)s."),
    "duplicate_org_register": _("Same register entry as “%(name)s” in the directory."),
    "duplicate_org_website": _("Same website and name as “%(name)s” in the directory."),
    "duplicate_org_name": _("Very similar name %(km)s km from “%(name)s” in the directory."),
    # updates
    "kept_edited": _("Edited in the directory since the last import: left as it is."),
    # warnings
    "truncated": _("%(field)s shortened to %(length)s characters."),
    "placeholder": _("%(field)s “%(value)s” is a placeholder: left empty."),
    "website_invalid": _("Website “%(value)s” is not a web address: left empty."),
    "website_was_email": _("Website “%(value)s” is an e-mail address."),
    "email_invalid": _("E-mail “%(value)s” is not an e-mail address: left empty."),
    "email_several": _("Several e-mail addresses: kept %(value)s."),
    "country_unknown": _("Country “%(value)s” is unknown: left empty."),
    "country_guessed": _("Country “%(value)s” read as %(code)s."),
    "number_invalid": _("%(field)s “%(value)s” is not a number: left empty."),
    "position_incomplete": _("Latitude or longitude missing: no position taken from the file."),
    "position_zero": _("Position 0, 0 is a placeholder: no position taken from the file."),
    "position_centroid": _("Placed at the centre of its %(type)s."),
    "sector_unknown": _("Sector “%(value)s” is not one of the directory's sectors."),
}


@dataclass(frozen=True)
class Note:
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        params = dict(self.params)
        if "field" in params:
            params["field"] = field_label(params["field"])
        return str(NOTES[self.code]) % params

    def as_json(self) -> list:
        return [self.code, self.params]

    @classmethod
    def from_json(cls, value: list) -> Note:
        return cls(value[0], value[1])


def field_label(name: str) -> str:
    """Return the label of a mapping target or an organization field, in the active language."""
    if name in TARGETS:
        return str(TARGETS[name].label)
    try:
        return str(Organization._meta.get_field(name).verbose_name)
    except LookupError:
        return name


def describe(note: list | Note) -> str:
    """Return a stored note (``[code, params]``) in words, in the active language."""
    return str(note if isinstance(note, Note) else Note.from_json(note))


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


def detect_format(data: bytes, filename: str = "") -> str:
    """Return "csv" or "geojson" from the file name, else from the content."""
    suffix = PurePath(filename).suffix.lower()
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
    table = read_geojson(text) if file_format == "geojson" else read_csv(text)
    table.encoding = encoding
    if not table.records:
        raise ImportFileError(_("The file has no rows below its header."))
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
    header = _unique_headers(rows[0])
    records = []
    for index, row in enumerate(rows[1:], start=2):
        values = {
            column: (row[i].strip() if i < len(row) else "") for i, column in enumerate(header)
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
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            _("The file is not valid JSON (line %(line)s): %(error)s")
            % {"line": error.lineno, "error": error.msg}
        ) from error
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not (
        isinstance(document, dict)
        and document.get("type") == "FeatureCollection"
        and isinstance(document.get("features"), list)
    ):
        raise ImportFileError(
            _("The file is JSON but not a GeoJSON FeatureCollection (“type”: “FeatureCollection”).")
        )
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
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
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


# --- Mapping columns to fields ----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A field of the directory that a column can feed, and the headers that suggest it."""

    label: Any
    aliases: tuple[str, ...] = ()
    private: bool = False


# Headers in English, German and OpenStreetMap style (``addr:*``, ``contact:*``), compared after
# folding (lower case, no accents, no punctuation). Phone numbers and e-mails are private contact
# data: e-mails go to the private contact address, and nothing is guessed for the public ones.
TARGETS: dict[str, Target] = {
    "source_record_id": Target(
        _("Id in the source"), ("identifier", "id", "_id", "uid", "record id", "kennung", "nr")
    ),
    "name": Target(
        _("Name"),
        (
            "name",
            "organisation",
            "organization",
            "organisation name",
            "organization name",
            "bezeichnung",
            "firma",
            "organisationsname",
            "title",
        ),
    ),
    "street": Target(
        _("Street"),
        ("street address", "street", "address", "strasse", "addr:street", "adresse", "anschrift"),
    ),
    "housenumber": Target(
        _("House number"), ("addr:housenumber", "housenumber", "house number", "hausnummer")
    ),
    "postal_code": Target(
        _("Postal code"),
        (
            "postcode",
            "postal code",
            "post code",
            "zip",
            "zip code",
            "plz",
            "postleitzahl",
            "addr:postcode",
        ),
    ),
    "city": Target(
        _("City"), ("locality", "city", "town", "ort", "stadt", "gemeinde", "addr:city", "place")
    ),
    "state": Target(
        _("Federal state or region"),
        ("region", "state", "county", "bundesland", "addr:state", "province"),
    ),
    "country": Target(
        _("Country"),
        ("country", "country id", "country code", "land", "staat", "addr:country"),
    ),
    "latitude": Target(
        _("Latitude"),
        ("latitude", "lat", "breitengrad", "breite", "geo container latitude", "y"),
    ),
    "longitude": Target(
        _("Longitude"),
        (
            "longitude",
            "lon",
            "lng",
            "long",
            "laengengrad",
            "laenge",
            "geo container longitude",
            "x",
        ),
    ),
    "website": Target(
        _("Website"),
        (
            "website",
            "url",
            "homepage",
            "web",
            "webseite",
            "internetseite",
            "contact:website",
            "www",
        ),
    ),
    "contact_email": Target(
        _("Contact e-mail (private)"),
        ("email", "e-mail", "mail", "contact:email", "kontakt e-mail", "e-mail-adresse"),
        private=True,
    ),
    "contact_name": Target(
        _("Contact person (private)"),
        ("contact", "contact person", "ansprechpartner", "ansprechperson", "kontaktperson"),
        private=True,
    ),
    "public_email": Target(_("Public e-mail")),
    "public_phone": Target(_("Public phone number")),
    "summary_en": Target(_("Short description (English)"), ("summary", "short description")),
    "summary_de": Target(_("Short description (German)"), ("kurzbeschreibung",)),
    "description_en": Target(
        _("Description (English)"), ("description", "description:en", "description_en")
    ),
    "description_de": Target(
        _("Description (German)"), ("beschreibung", "description:de", "description_de")
    ),
    "legal_form": Target(_("Legal form"), ("legal form", "rechtsform", "legal_form")),
    "sectors": Target(_("Sectors"), ("sector", "sectors", "branche", "sektor", "industry")),
    "register_number": Target(
        _("Register number"),
        (
            "companies house number",
            "register number",
            "registration number",
            "company number",
            "registernummer",
            "handelsregisternummer",
            "genossenschaftsregister",
        ),
    ),
    "register_court": Target(_("Register court"), ("register court", "registergericht")),
    "founded_year": Target(
        _("Founding year"),
        ("founded", "founding year", "year founded", "gruendungsjahr", "gegruendet"),
    ),
    "member_count": Target(
        _("Number of members"), ("members", "member count", "mitglieder", "mitgliederzahl")
    ),
}


def fold_header(header: str) -> str:
    """Return ``header`` lower-cased, without accents, with single spaces (keeps ``:``/``-``)."""
    text = fold_text(header.strip())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\s_./]+", " ", text).strip()


def guess_mapping(table: Table) -> dict[str, list[str]]:
    """Return, for each field, the columns that seem to feed it, best first.

    A header matches a field when its folded text is one of the field's aliases. When several
    columns match (the Co-operatives UK file has an empty "Latitude" and a filled "Geo
    Container Latitude"), the one with the most values comes first and the others are fallbacks
    for rows where it is empty.
    """
    filled = {
        column: sum(1 for record in table.records if record.values.get(column))
        for column in table.columns
    }
    mapping: dict[str, list[str]] = {}
    taken: set[str] = set()
    for target_name, target in TARGETS.items():
        aliases = {fold_header(alias): rank for rank, alias in enumerate(target.aliases)}
        matches = [
            column
            for column in table.columns
            if column not in taken and fold_header(column) in aliases and filled.get(column)
        ]
        if matches:
            matches.sort(key=lambda column: (-filled[column], aliases[fold_header(column)]))
            mapping[target_name] = matches
            taken.update(matches)
    if table.format == "geojson":
        mapping["latitude"] = [GEOMETRY]
        mapping["longitude"] = [GEOMETRY]
    return mapping


@dataclass
class ImportOptions:
    """The mapping of a file's columns and the choices that go with it (saved per source)."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    # Precision of the positions the file gives: the Co-operatives UK coordinates are the centre
    # of the postcode, most others point at the address.
    precision: str = Organization.Precision.ADDRESS
    default_country: str = ""
    country_aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, value: dict | None) -> ImportOptions:
        value = value or {}
        return cls(
            columns={
                key: list(columns)
                for key, columns in value.get("columns", {}).items()
                if key in TARGETS
            },
            precision=value.get("precision", Organization.Precision.ADDRESS),
            default_country=value.get("default_country", ""),
            country_aliases=dict(value.get("country_aliases", {})),
        )

    def as_json(self) -> dict:
        return {
            "columns": self.columns,
            "precision": self.precision,
            "default_country": self.default_country,
            "country_aliases": self.country_aliases,
        }

    def fits(self, table: Table) -> bool:
        """Return whether every mapped column exists in ``table`` (so the mapping can be reused)."""
        return bool(self.columns) and all(
            column in table.columns for columns in self.columns.values() for column in columns
        )


def options_for(table: Table, saved: dict | None = None) -> ImportOptions:
    """Return the saved options if they fit the table's columns, else a fresh guess."""
    options = ImportOptions.from_json(saved)
    if options.fits(table):
        return options
    guessed = ImportOptions(columns=guess_mapping(table))
    latitude_columns = guessed.columns.get("latitude", [])
    if latitude_columns and re.search(r"geo container|postcode|plz", latitude_columns[0], re.I):
        guessed.precision = Organization.Precision.POSTAL_CODE
    guessed.country_aliases = options.country_aliases
    guessed.default_country = options.default_country
    return guessed


# --- Normalizing values -----------------------------------------------------------------------

PLACEHOLDER = re.compile(
    r"^(?:[-–—_.?/\s]+|n/?a|n\.\s?a\.?|none|null|nil|unknown|tbd|tba|todo|k\.\s?a\.?"
    r"|keine angabe|unbekannt|x{2,}|update\d*)$",
    re.IGNORECASE,
)
EMAIL_PATTERN = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL_PATTERN = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'|,;]+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/[^\s<>\"'|,;]*)?",
    re.IGNORECASE,
)


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value.strip()))


def normalize_website(value: str) -> tuple[str, Note | None, str]:
    """Return (URL with scheme or "", a warning, an e-mail address found instead)."""
    value = value.strip()
    if not value:
        return "", None, ""
    if "@" in value and "://" not in value:
        emails = EMAIL_PATTERN.findall(value.replace(" @ ", "@"))
        return "", Note("website_was_email", {"value": value[:80]}), emails[0] if emails else ""
    match = URL_PATTERN.search(value)
    if not match:
        return "", Note("website_invalid", {"value": value[:80]}), ""
    url = match.group(0).rstrip(".)")
    if not re.match(r"^https?://", url, re.IGNORECASE):
        url = f"http://{url}"
    max_length = Organization._meta.get_field("website").max_length
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return "", Note("website_invalid", {"value": value[:80]}), ""
    if len(url) > max_length:
        return "", Note("website_invalid", {"value": value[:80]}), ""
    return url, None, ""


def normalize_email(value: str) -> tuple[str, Note | None]:
    """Return the first valid e-mail address in ``value`` and a warning if there was doubt."""
    if not value.strip():
        return "", None
    found = EMAIL_PATTERN.findall(re.sub(r"\s*@\s*", "@", value))
    valid = []
    for address in found:
        try:
            validate_email(address)
        except ValidationError:
            continue
        if len(address) <= 254:
            valid.append(address)
    if not valid:
        return "", Note("email_invalid", {"value": value[:80]})
    if len(set(valid)) > 1:
        return valid[0], Note("email_several", {"value": valid[0]})
    return valid[0], None


# Names that are not in ISO 3166 (or only as exceptional reservations) but common in lists.
COUNTRY_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "grossbritannien": "GB",
    "el": "GR",  # the EU's code for Greece
    "usa": "US",
    "u s a": "US",
    "holland": "NL",
    "kosovo": "XK",
}


# Languages whose country names are understood (pycountry has more; these cover the lists a
# European network meets, and building the index for all of them takes seconds).
COUNTRY_NAME_LANGUAGES = [
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
    "ca",
    "eu",
    "gl",
    "nb",
    "nn",
    "is",
    "sr",
    "bs",
    "mk",
    "sq",
    "tr",
    "uk",
    "ru",
    "be",
    "lb",
]


def _fold_country(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", " ", text).strip()


@cache
def _country_index() -> dict[str, str]:
    """Return folded country names in every language that pycountry knows -> ISO alpha-2."""
    import pycountry

    index: dict[str, str] = {}
    english = []
    for country in pycountry.countries:
        names = {
            country.name,
            getattr(country, "official_name", ""),
            getattr(country, "common_name", ""),
        }
        english.extend(name for name in names if name)
        for name in names:
            if name:
                index.setdefault(_fold_country(name), country.alpha_2)
    for language in COUNTRY_NAME_LANGUAGES:
        try:
            translation = gettext_module.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for country in pycountry.countries:
            for name in {country.name, getattr(country, "common_name", "")}:
                if name:
                    index.setdefault(_fold_country(translation.gettext(name)), country.alpha_2)
    index.update(COUNTRY_ALIASES)
    return index


@cache
def _country_codes() -> dict[str, str]:
    import pycountry

    codes = {}
    for country in pycountry.countries:
        codes[country.alpha_2.lower()] = country.alpha_2
        codes[country.alpha_3.lower()] = country.alpha_2
    return codes


@cache
def resolve_country(value: str) -> tuple[str, bool]:
    """Return (ISO 3166 alpha-2 code or "", whether it was a guess from a misspelling).

    Understands codes ("DE", "DEU", "UK"), names in the languages pycountry translates
    ("Deutschland", "Österreich", "Ελλάδα", "Belgique") and near misses ("Frace").
    """
    folded = _fold_country(value)
    if not folded:
        return "", False
    code = _country_codes().get(folded) if len(folded) <= 3 else None
    if code:
        return code, False
    index = _country_index()
    if folded in index:
        return index[folded], False
    if len(folded) >= 4:
        close = difflib.get_close_matches(folded, index.keys(), n=1, cutoff=0.8)
        if close:
            return index[close[0]], True
    return "", False


LEGAL_FORMS = [
    # (pattern on the folded text, legal form in Germany, legal form elsewhere)
    (r"\bsce\b|europaische genossenschaft|european cooperative society", "sce", "sce"),
    (r"\bggmbh\b", "ggmbh", "other"),
    (r"\bgmbh\b", "gmbh", "other"),
    (r"\bug\b|haftungsbeschrankt", "ug", "other"),
    (r"\be ?v\b|eingetragener verein", "ev", "other"),
    (r"\bag\b|aktiengesellschaft", "ag", "other"),
    (r"\be ?g\b|eingetragene genossenschaft|genossenschaft", "eg", "foreign_coop"),
    (
        r"co ?operative|\bcoop\b|\bsociety\b|cooperativ|cooperati|scop|zadruga|spoldzielnia|"
        r"osuuskunta|kooperativ|genossenschaft",
        "foreign_coop",
        "foreign_coop",
    ),
]


def legal_form_from_text(text: str, country: str) -> str:
    """Return the ``Organization.LegalForm`` for a legal form in words ("eG", "Society", …)."""
    folded = _fold_country(text)
    if not folded:
        return ""
    for pattern, german, foreign in LEGAL_FORMS:
        if re.search(pattern, folded):
            return german if country in ("DE", "") else foreign
    return "other"


def _number(text: str) -> float | None:
    text = text.strip().replace("\u2212", "-")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # German decimal comma
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# --- Rows -------------------------------------------------------------------------------------

# The fields an import may write; a checksum over them tells whether a person edited an entry
# since it was imported.
IMPORTED_FIELDS = (
    "name",
    "kind",
    "legal_form",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
    "website",
    "public_email",
    "public_phone",
    "contact_name",
    "contact_email",
    "street",
    "postal_code",
    "city",
    "state",
    "country",
    "founded_year",
    "member_count",
    "register_court",
    "register_number",
)
TEXT_FIELDS = (
    "name",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
    "contact_name",
    "public_phone",
    "street",
    "postal_code",
    "city",
    "state",
    "register_court",
    "register_number",
)


@dataclass
class Row:
    """A record made ready for the directory: clean values, a position, notes, or a rejection."""

    number: int
    record_id: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    sectors: list[str] = field(default_factory=list)
    position: tuple[float, float] | None = None
    warnings: list[Note] = field(default_factory=list)
    rejection: Note | None = None
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    @property
    def has_address(self) -> bool:
        return bool(self.values.get("postal_code") or self.values.get("city"))

    def candidate(self, ref: Any) -> Candidate:
        return Candidate(
            ref=ref,
            name=self.name,
            name_key=name_key(self.name),
            site_key=site_key(self.values.get("website", "")),
            register_key=register_key(
                self.values.get("register_number", ""),
                self.values.get("register_court", ""),
                self.values.get("country", ""),
            ),
            position=self.position,
            town_key=town_key(self.values.get("postal_code", ""), self.values.get("city", "")),
        )


def normalize_record(record: Record, options: ImportOptions, *, kind: str) -> Row:
    """Turn a record into a ``Row``: map its columns, clean the values, check the position."""
    row = Row(number=record.number, raw=record.values)

    def take(target: str) -> str:
        for column in options.columns.get(target, []):
            if column == GEOMETRY:
                continue
            value = (record.values.get(column) or "").strip()
            if value and is_placeholder(value):
                row.warnings.append(Note("placeholder", {"field": target, "value": value[:40]}))
                continue
            if value:
                return value
        return ""

    values: dict[str, Any] = {"kind": kind}
    for name in TEXT_FIELDS:
        values[name] = take(name)
    # Multi-line addresses (Co-operatives UK) become one line; OSM keeps the number apart.
    values["street"] = ", ".join(
        part.strip() for part in values["street"].splitlines() if part.strip()
    )
    housenumber = take("housenumber")
    if housenumber and housenumber not in values["street"]:
        values["street"] = f"{values['street']} {housenumber}".strip()
    values["name"] = " ".join(values["name"].split())

    website, warning, email_in_website = normalize_website(take("website"))
    values["website"] = website
    _append(row.warnings, warning)
    email, warning = normalize_email(take("contact_email") or email_in_website)
    values["contact_email"] = email
    _append(row.warnings, warning)
    values["public_email"], warning = normalize_email(take("public_email"))
    _append(row.warnings, warning)

    raw_country = take("country")
    country = options.country_aliases.get(raw_country) or options.country_aliases.get(
        raw_country.upper(), ""
    )
    if raw_country and not country:
        country, guessed = resolve_country(raw_country)
        if not country:
            row.warnings.append(Note("country_unknown", {"value": raw_country[:40]}))
        elif guessed:
            row.warnings.append(
                Note("country_guessed", {"value": raw_country[:40], "code": country})
            )
    values["country"] = country or options.default_country
    values["legal_form"] = legal_form_from_text(take("legal_form"), values["country"])

    for name in ("founded_year", "member_count"):
        text = take(name)
        number = _number(text) if text else None
        if text and (number is None or number < 0 or number != int(number)):
            row.warnings.append(Note("number_invalid", {"field": name, "value": text[:20]}))
            number = None
        if name == "founded_year" and number is not None and not 1800 <= number <= 2100:
            row.warnings.append(Note("number_invalid", {"field": name, "value": text[:20]}))
            number = None
        values[name] = int(number) if number is not None else None

    for language in ("de", "en"):
        description = values[f"description_{language}"]
        if description and not values[f"summary_{language}"]:
            values[f"summary_{language}"] = description  # shortened below, like every field
    _truncate(values, row.warnings)
    row.values = values
    row.sectors = [part.strip() for part in re.split(r"[;,|]", take("sectors")) if part.strip()]

    if record.rejection:
        row.rejection = record.rejection
    elif not values["name"]:
        row.rejection = Note("no_name")
    _read_position(record, options, row, take)
    row.record_id = take("source_record_id")[:200] or derived_record_id(values)
    return row


def _append(notes: list[Note], note: Note | None) -> None:
    if note:
        notes.append(note)


def _truncate(values: dict[str, Any], warnings: list[Note]) -> None:
    for name in TEXT_FIELDS:
        max_length = Organization._meta.get_field(name).max_length
        value = values[name]
        if max_length and len(value) > max_length:
            if name.startswith("summary_"):
                values[name] = Truncator(value).chars(max_length)
                if values[f"description_{name[-2:]}"] == value:
                    continue  # a summary made from the description: shortening is expected
            else:
                values[name] = value[:max_length].rstrip()
            warnings.append(Note("truncated", {"field": name, "length": max_length}))


def _read_position(record: Record, options: ImportOptions, row: Row, take) -> None:
    if record.position is not None:
        row.position = record.position
        _append(row.warnings, record.position_note)
        return
    latitude_text, longitude_text = take("latitude"), take("longitude")
    if not (latitude_text or longitude_text):
        return
    latitude, longitude = _number(latitude_text), _number(longitude_text)
    if latitude is None or longitude is None:
        row.warnings.append(Note("position_incomplete"))
    elif latitude == 0 and longitude == 0:
        row.warnings.append(Note("position_zero"))
    elif not _valid_position(latitude, longitude):
        if not row.rejection:
            row.rejection = Note(
                "coordinates_invalid", {"value": f"{latitude_text}, {longitude_text}"}
            )
    else:
        row.position = (latitude, longitude)


def derived_record_id(values: dict[str, Any]) -> str:
    """Return an id for a row whose file has none: from its name and town, so it stays stable."""
    basis = "|".join(
        (
            name_key(values.get("name", "")),
            town_key(values.get("postal_code", ""), values.get("city", "")),
        )
    )
    return "name:" + hashlib.sha1(basis.encode()).hexdigest()[:20]  # noqa: S324 (an id, not security)


def values_checksum(values: dict[str, Any], sectors: Iterable[str]) -> str:
    """Return a checksum of an entry's imported fields and sectors."""
    payload = {name: values.get(name) for name in IMPORTED_FIELDS}
    payload["sectors"] = sorted(sectors)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# --- Duplicates -------------------------------------------------------------------------------

# Words that say what kind of body an organization is, not which one: "Lowther Club" and "The
# Lowther Club Ltd" are the same name.
NAME_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "und",
        "of",
        "der",
        "die",
        "das",
        "le",
        "la",
        "les",
        "de",
        "del",
        "di",
        "eg",
        "ev",
        "gmbh",
        "ggmbh",
        "ug",
        "ag",
        "kg",
        "mbh",
        "ltd",
        "limited",
        "llp",
        "cic",
        "plc",
        "inc",
        "sce",
        "srl",
        "sl",
        "sa",
        "scrl",
        "asbl",
        "coop",
        "society",
        "genossenschaft",
    ]
)
COOPERATIVE_WORDS = re.compile(
    r"\bco-?op(?:erative)?s?\b|\bko-?op\w*|genossenschaft\w*|cooperativ\w*"
)
# Platforms where the path, not the host, names the organization.
SHARED_HOSTS = (
    "facebook.com",
    "fb.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "youtube.com",
    "sites.google.com",
    "pitchero.com",
    "meetup.com",
    "linktr.ee",
    "t.me",
)
NAME_SIMILARITY = 0.9  # share of matching name words, see name_similarity()
NEARBY_KM = 3.0


def name_key(name: str) -> str:
    """Return the distinctive words of a name, folded: "The Lowther Club Ltd" -> "lowther club"."""
    text = unicodedata.normalize("NFKD", fold_text(name))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = COOPERATIVE_WORDS.sub(" coop ", text)
    words = [
        word
        for word in re.split(r"[\W_]+", text)
        if (len(word) > 1 or word.isdigit()) and word not in NAME_STOPWORDS
    ]
    return " ".join(words)


def name_similarity(a: str, b: str, minimum: float = 0.0) -> float:
    """Return the share of words two name keys have in common (0..1), forgiving small typos.

    Word by word rather than letter by letter: "North Camden Housing" and "South Camden
    Housing" share most letters but are two co-ops. Returns 0 as soon as ``minimum`` is out
    of reach, which keeps comparing thousands of names in a city fast.
    """
    if not a or not b:
        return 0.0
    if a.replace(" ", "") == b.replace(" ", ""):
        return 1.0
    words_a, words_b = a.split(), b.split()
    total = len(words_a) + len(words_b)
    if 2 * min(len(words_a), len(words_b)) < minimum * total:
        return 0.0
    unmatched = list(words_b)
    matches = misses = 0
    for word in words_a:
        for index, other in enumerate(unmatched):
            if _same_word(word, other):
                matches += 1
                del unmatched[index]
                break
        else:
            misses += 1
            if 2 * (len(words_a) - misses) < minimum * total:
                return 0.0
    return 2 * matches / total


@cache
def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) < 5 or len(b) < 5 or a.isdigit() or b.isdigit():
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= 0.85
        and matcher.quick_ratio() >= 0.85
        and matcher.ratio() >= 0.85
    )


def site_key(url: str) -> str:
    """Return what identifies a website: its host without "www.", plus the path on platforms."""
    if not url:
        return ""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower()
    host = re.sub(r"^(?:www\d?|m)\.", "", host)
    for shared in SHARED_HOSTS:
        if host == shared or host.endswith(f".{shared}"):
            path = parts.path.strip("/").lower()
            return f"{shared}/{path}" if path else ""
    return host


def register_key(number: str, court: str, country: str) -> str:
    number = re.sub(r"[\W_]+", "", number).upper()
    if not number:
        return ""
    return f"{country}|{_fold_country(court)}|{number}"


def town_key(postal_code: str, city: str) -> str:
    return re.sub(r"\s+", "", postal_code).upper() or _fold_country(city)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance between two (latitude, longitude) pairs."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def nearby_box(
    position: tuple[float, float], km: float = NEARBY_KM
) -> tuple[float, float, float, float]:
    """Return (south, north, west, east) around ``position``: the coarse prefilter for names."""
    latitude, longitude = position
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


@dataclass(frozen=True)
class Candidate:
    """What duplicate search needs to know of a row or of an entry in the directory."""

    ref: Any  # a row number or an organization
    name: str
    name_key: str
    site_key: str
    register_key: str
    position: tuple[float, float] | None
    town_key: str

    @property
    def box(self) -> tuple[float, float, float, float]:
        return nearby_box(self.position)


@dataclass(frozen=True)
class Match:
    ref: Any
    rule: str  # "register", "website" or "name"
    km: float | None = None


class DuplicateIndex:
    """Candidates indexed by register entry, website and map cell, so each look-up is O(1)."""

    CELL_DEGREES = 0.1  # about 11 km north-south: the 3 x 3 cells around a point cover 3 km

    def __init__(self, candidates: Iterable[Candidate] = ()) -> None:
        self.by_register: dict[str, list[Candidate]] = defaultdict(list)
        self.by_site: dict[str, list[Candidate]] = defaultdict(list)
        self.by_cell: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
        self.by_town: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            self.add(candidate)

    def add(self, candidate: Candidate) -> None:
        if candidate.register_key:
            self.by_register[candidate.register_key].append(candidate)
        if candidate.site_key:
            self.by_site[candidate.site_key].append(candidate)
        if candidate.position:
            self.by_cell[self._cell(candidate.position)].append(candidate)
        if candidate.town_key and candidate.name_key:
            self.by_town[(candidate.town_key, candidate.name_key)].append(candidate)

    def _cell(self, position: tuple[float, float]) -> tuple[int, int]:
        return math.floor(position[0] / self.CELL_DEGREES), math.floor(
            position[1] / self.CELL_DEGREES
        )

    def find(self, row: Candidate) -> Match | None:
        """Return the first candidate that describes the same organization as ``row``.

        Same register entry; or same website and a very similar name; or a very similar name
        within ``NEARBY_KM`` (without positions: the same name in the same postcode or town).
        Two different register entries are two organizations, however alike they look.
        """
        for other in self.by_register.get(row.register_key, []) if row.register_key else []:
            return Match(other.ref, "register")
        for other in self.by_site.get(row.site_key, []) if row.site_key else []:
            similarity = name_similarity(row.name_key, other.name_key, NAME_SIMILARITY)
            if not _different_registers(row, other) and similarity >= NAME_SIMILARITY:
                return Match(other.ref, "website")
        if row.position:
            cell_lat, cell_lon = self._cell(row.position)
            for dlat in (-1, 0, 1):
                for dlon in (-1, 0, 1):
                    for other in self.by_cell.get((cell_lat + dlat, cell_lon + dlon), []):
                        match = self._near_match(row, other)
                        if match:
                            return match
        # Entries without a position (not yet geocoded) are compared by name within the town.
        for other in self.by_town.get((row.town_key, row.name_key), []) if row.town_key else []:
            if not (row.position and other.position) and not _different_registers(row, other):
                return Match(other.ref, "name")
        return None

    def _near_match(self, row: Candidate, other: Candidate) -> Match | None:
        # Cheap checks first: most entries of the 3 x 3 cells of a city are farther away.
        south, north, west, east = row.box
        latitude, longitude = other.position
        if not (south <= latitude <= north and west <= longitude <= east):
            return None
        if _different_registers(row, other):
            return None
        km = distance_km(row.position, other.position)
        if (
            km <= NEARBY_KM
            and name_similarity(row.name_key, other.name_key, NAME_SIMILARITY) >= NAME_SIMILARITY
        ):
            return Match(other.ref, "name", round(km, 1))
        return None


def _different_registers(a: Candidate, b: Candidate) -> bool:
    return bool(a.register_key and b.register_key and a.register_key != b.register_key)
