"""Cleaning values: turn a record into a Row (clean values, position, warnings or rejection)."""

from __future__ import annotations

import difflib
import gettext as gettext_module
import hashlib
import html
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.text import Truncator

from coopmap.text import fold
from directory.models import Organization, normalized_state

from .duplicates import (
    Candidate,
    city_key,
    email_domain,
    name_key,
    register_key,
    site_key,
    town_key,
)
from .mapping import ImportOptions
from .notes import Note
from .reading import GEOMETRY, Record, _valid_position

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
                index.setdefault(fold(name, umlauts=False), country.alpha_2)
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
                    folded = fold(translation.gettext(name), umlauts=False)
                    index.setdefault(folded, country.alpha_2)
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
    folded = fold(value, umlauts=False)
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
    folded = fold(text, umlauts=False)
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
            email_domain=email_domain(self.values.get("public_email", "")),
            city_key=city_key(self.values.get("city", "")),
        )


# What spreadsheets and web scrapers leave where a name should be: formula errors ("#NAME?"),
# widget labels ("MapsTooltip - stringFilter - Hidden").
ARTEFACT_NAME = re.compile(
    r"^#(?:NAME\?|REF!|VALUE!|N/A|DIV/0!|NULL!|NUM!)$|stringFilter|MapsTooltip|^(?:undefined|null|NaN)$",
    re.IGNORECASE,
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
    values["name"] = " ".join(html.unescape(values["name"]).split())  # "Bob&#39;s" -> "Bob's"

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
    # A German federal state in its German name, else derived from the postal code or town.
    values["state"] = normalized_state(
        country=values["country"],
        state=values["state"],
        postal_code=values["postal_code"],
        city=values["city"],
    )

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
    elif ARTEFACT_NAME.search(values["name"]):
        row.rejection = Note("name_artefact", {"value": values["name"][:60]})
    _read_position(record, options, row, take)
    row.record_id = take("source_record_id")[:200] or derived_record_id(values, row.position)
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


def derived_record_id(values: dict[str, Any], position: tuple[float, float] | None = None) -> str:
    """Return an id for a row whose file has none: from its name and town, so it stays stable."""
    town = town_key(values.get("postal_code", ""), values.get("city", ""))
    parts = [name_key(values.get("name", "")), town]
    # Without a town the name alone would give "Yellow Cab Co-op" in Milwaukee and "Yellow
    # Cab Cooperative" in San Francisco one id: the website tells them apart.
    site = site_key(values.get("website", "")) if not town else ""
    if site:
        parts.append(site)
    elif not town and position:
        parts.append(f"{position[0]:.1f},{position[1]:.1f}")  # about 10 km: the same place
    basis = "|".join(parts)
    return "name:" + hashlib.sha1(basis.encode()).hexdigest()[:20]  # noqa: S324 (an id, not security)


def values_checksum(values: dict[str, Any], sectors: Iterable[str]) -> str:
    """Return a checksum of an entry's imported fields and sectors."""
    payload = {name: values.get(name) for name in IMPORTED_FIELDS}
    payload["sectors"] = sorted(sectors)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
