"""Duplicates: find rows or signups that describe an organization already seen."""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q

from coopmap.text import fold
from directory.models import Organization

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
    text = COOPERATIVE_WORDS.sub(" coop ", fold(name, punctuation=True))
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
    return f"{country}|{fold(court, umlauts=False)}|{number}"


def town_key(postal_code: str, city: str) -> str:
    return re.sub(r"\s+", "", postal_code).upper() or fold(city, umlauts=False)


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


# --- Signups ---------------------------------------------------------------------------------

# Portable on purpose: PostgreSQL's trigram extension is not available everywhere, so candidates
# are narrowed in the database (same city or same domain) and compared with ``difflib``.

SIMILAR_NAME_RATIO = 0.85
# Legal-form words say nothing about which organization it is ("Foo eG" is "Foo GmbH").
LEGAL_FORM_WORDS = {"eg", "ev", "gmbh", "ggmbh", "ug", "ag", "sce", "haftungsbeschraenkt", "co"}


def likely_duplicates(*, name: str, city: str, website: str) -> list[Organization]:
    """Return the published entries that are probably the organization described."""
    domain = website_domain(website)
    folded_name = normalized_name(name)
    candidates = Q()
    if domain:
        candidates |= Q(website__icontains=domain)
    if city.strip() and folded_name:
        candidates |= Q(city__iexact=city.strip())
    if not candidates:
        return []
    matches = []
    for other in Organization.objects.published().filter(candidates)[:200]:
        same_domain = bool(domain) and website_domain(other.website) == domain
        same_city = fold(other.city) == fold(city)
        similar = (
            SequenceMatcher(None, folded_name, normalized_name(other.name)).ratio()
            >= SIMILAR_NAME_RATIO
        )
        if same_domain or (same_city and similar):
            matches.append(other)
    return matches


def website_domain(url: str) -> str:
    """Return the host of ``url`` without ``www.``, lower-cased ("" if there is none)."""
    if not url:
        return ""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.lower().removeprefix("www.")


def normalized_name(name: str) -> str:
    """Return ``name`` folded, without punctuation and legal-form words."""
    words = fold(name.replace(".", "")).split()
    return " ".join(word for word in words if word not in LEGAL_FORM_WORDS)
