"""Mapping columns to fields: guess which column feeds which field, and the import's options."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from coopmap.text import fold
from directory.models import Organization

from .reading import GEOMETRY, Table

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
    return re.sub(r"[\s_./]+", " ", fold(header, punctuation=True)).strip()


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
    # A manager's decisions in the preview, by row number: "create" (not a duplicate) or "skip".
    overrides: dict[str, str] = field(default_factory=dict)

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
            overrides={
                str(row): decision
                for row, decision in (value.get("overrides") or {}).items()
                if decision in ("create", "skip")
            },
        )

    def as_json(self) -> dict:
        return {
            "columns": self.columns,
            "precision": self.precision,
            "default_country": self.default_country,
            "country_aliases": self.country_aliases,
            "overrides": self.overrides,
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
