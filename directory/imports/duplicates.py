"""Duplicates: find rows or signups that describe an organization already seen."""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
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
# What a name says when it says nothing else ("The Co-op Ltd" -> "coop").
KIND_WORDS = frozenset(["coop", "society", "genossenschaft", "kollektiv", "collective"])
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
    words = [word for word in re.split(r"[\W_]+", text) if len(word) > 1 or word.isdigit()]
    distinctive = [word for word in words if word not in NAME_STOPWORDS]
    if not distinctive:
        # "Coop Genossenschaft" is nothing but generic words: then its kind is its name.
        distinctive = [word for word in words if word in KIND_WORDS] or words
    return " ".join(distinctive)


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


# A row and an entry this far apart are two organizations, whatever else they share.
FAR_KM = 30.0
# Public e-mail domains that say nothing about who writes from them.
WEBMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.de",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.de",
        "live.com",
        "live.de",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "t-online.de",
        "posteo.de",
        "mailbox.org",
        "freenet.de",
        "protonmail.com",
        "proton.me",
        "riseup.net",
        "btinternet.com",
        "virginmedia.com",
        "sky.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
    ]
)


def email_domain(address: str) -> str:
    """Return the domain of a public e-mail address unless it is a webmail provider's."""
    domain = address.rpartition("@")[2].strip().lower() if "@" in (address or "") else ""
    return "" if domain in WEBMAIL_DOMAINS else domain


def city_key(city: str) -> str:
    return fold(city, umlauts=False)


@dataclass(frozen=True)
class Candidate:
    """What duplicate search needs to know of a row, of a signup or of a directory entry."""

    ref: Any  # a row number or an organization
    name: str
    name_key: str
    site_key: str
    register_key: str
    position: tuple[float, float] | None
    town_key: str
    email_domain: str = ""
    city_key: str = ""

    @property
    def box(self) -> tuple[float, float, float, float]:
        return nearby_box(self.position)


@dataclass(frozen=True)
class Match:
    """One decision of the duplicate engine about a pair, with the signals behind it.

    ``rule`` is the strongest signal ("register", "website", "email" or "name"); ``certain``
    says whether the import skips the row as a duplicate (True) or only warns (False: the
    signup asks the person, the import creates the entry and says what it noticed).
    """

    ref: Any
    rule: str
    km: float | None = None
    certain: bool = True
    site: str = ""
    city: str = ""
    distinct: str = ""  # why two alike names are two organizations: "register", "website", "far"


def _km(a: Candidate, b: Candidate) -> float | None:
    if a.position and b.position:
        return round(distance_km(a.position, b.position), 1)
    return None


def never_the_same(a: Candidate, b: Candidate) -> str:
    """Return why two candidates are certainly two organizations ("" if nothing says so)."""
    if a.register_key and b.register_key and a.register_key != b.register_key:
        return "register"
    if a.site_key and b.site_key and a.site_key != b.site_key:
        return "website"
    km = _km(a, b)
    if km is not None and km > FAR_KM:
        return "far"
    return ""


def judge(row: Candidate, other: Candidate) -> Match | None:
    """Return the engine's decision on whether ``row`` describes the organization ``other``.

    Every signal counts: register entry, website, the public e-mail's domain, name similarity
    (legal-form and generic words left out), distance and town. Rows whose register entries or
    websites differ, or that lie more than ``FAR_KM`` apart, are never merged.
    """
    km = _km(row, other)
    similarity = name_similarity(row.name_key, other.name_key, 0.5)
    distinct = never_the_same(row, other)
    if distinct:
        if similarity >= NAME_SIMILARITY:  # worth saying why they were not merged
            town = other.city_key or other.town_key
            same_place = bool(town) and town in (row.city_key, row.town_key)
            return Match(
                other.ref,
                "name",
                km,
                certain=False,
                distinct=distinct,
                city=town if same_place else "",
            )
        return None
    near = km is not None and km <= NEARBY_KM
    same_city = bool(row.city_key) and row.city_key == other.city_key
    same_town = same_city or (bool(row.town_key) and row.town_key == other.town_key)
    if row.register_key and row.register_key == other.register_key:
        return Match(other.ref, "register", km)
    if row.site_key and row.site_key == other.site_key:
        # The same website and a name alike: one organization. The same website with another
        # name is often an umbrella's (a secondary housing co-op's, at the same address for
        # its members): only a warning.
        certain = similarity >= NAME_SIMILARITY
        return Match(other.ref, "website", km, certain=certain, site=row.site_key)
    alike = similarity >= NAME_SIMILARITY
    if alike and row.email_domain and row.email_domain == other.email_domain:
        return Match(other.ref, "email", km, site=row.email_domain)
    if alike and near:
        return Match(other.ref, "name", km)
    if alike and same_town:
        # In one town the same name is one organization, unless both have websites (then
        # never_the_same told them apart) — also when geocoding put them a few km apart.
        return Match(other.ref, "name", km, city=other.city_key or other.town_key)
    return None


class DuplicateIndex:
    """Candidates indexed by register entry, website, e-mail domain, map cell and town, so each
    look-up reads only the few candidates that can match."""

    CELL_DEGREES = 0.1  # about 11 km north-south: the 3 x 3 cells around a point cover 3 km

    def __init__(self, candidates: Iterable[Candidate] = ()) -> None:
        self.by_register: dict[str, list[Candidate]] = defaultdict(list)
        self.by_site: dict[str, list[Candidate]] = defaultdict(list)
        self.by_email: dict[str, list[Candidate]] = defaultdict(list)
        self.by_cell: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
        self.by_name: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            self.add(candidate)

    def add(self, candidate: Candidate) -> None:
        if candidate.register_key:
            self.by_register[candidate.register_key].append(candidate)
        if candidate.site_key:
            self.by_site[candidate.site_key].append(candidate)
        if candidate.email_domain:
            self.by_email[candidate.email_domain].append(candidate)
        if candidate.position:
            self.by_cell[self._cell(candidate.position)].append(candidate)
        if candidate.name_key:
            self.by_name[candidate.name_key].append(candidate)

    def _cell(self, position: tuple[float, float]) -> tuple[int, int]:
        return math.floor(position[0] / self.CELL_DEGREES), math.floor(
            position[1] / self.CELL_DEGREES
        )

    def _neighbours(self, row: Candidate) -> Iterable[Candidate]:
        if row.register_key:
            yield from self.by_register.get(row.register_key, ())
        if row.site_key:
            yield from self.by_site.get(row.site_key, ())
        if row.email_domain:
            yield from self.by_email.get(row.email_domain, ())
        if row.name_key:
            # The same name anywhere: a decision worth explaining, even when it is "two".
            yield from self.by_name.get(row.name_key, ())[-50:]
        if row.position:
            south, north, west, east = row.box
            cell_lat, cell_lon = self._cell(row.position)
            for dlat in (-1, 0, 1):
                for dlon in (-1, 0, 1):
                    for other in self.by_cell.get((cell_lat + dlat, cell_lon + dlon), ()):
                        # Cheap check first: most entries of the 3 x 3 cells lie farther away.
                        latitude, longitude = other.position
                        if south <= latitude <= north and west <= longitude <= east:
                            yield other

    def matches(self, row: Candidate) -> list[Match]:
        """Return every decision about ``row``: certain duplicates first, then warnings."""
        found: dict[int, Match] = {}
        for other in self._neighbours(row):
            if id(other) in found:
                continue
            match = judge(row, other)
            if match:
                found[id(other)] = match
        order = {"register": 0, "website": 1, "email": 2, "name": 3}
        return sorted(
            found.values(),
            key=lambda match: (
                not match.certain,
                bool(match.distinct),
                order[match.rule],
                match.km or 0.0,
            ),
        )

    def find(self, row: Candidate) -> Match | None:
        """Return the candidate that certainly describes the same organization as ``row``."""
        for match in self.matches(row):
            return match if match.certain else None
        return None


# --- Signups ---------------------------------------------------------------------------------


def signup_candidate(
    *,
    name: str,
    city: str,
    website: str,
    postal_code: str = "",
    country: str = "DE",
    register_number: str = "",
    register_court: str = "",
    public_email: str = "",
) -> Candidate:
    return Candidate(
        ref=None,
        name=name,
        name_key=name_key(name),
        site_key=site_key(website),
        register_key=register_key(register_number, register_court, country),
        position=None,
        town_key=town_key(postal_code, city),
        email_domain=email_domain(public_email),
        city_key=city_key(city),
    )


def organization_candidate(organization: Any) -> Candidate:
    """Return the candidate of an entry (an Organization or the import's lighter copy)."""
    has_position = organization.latitude is not None and organization.longitude is not None
    return Candidate(
        ref=organization,
        name=organization.name,
        name_key=name_key(organization.name),
        site_key=site_key(organization.website),
        register_key=register_key(
            organization.register_number, organization.register_court, str(organization.country)
        ),
        position=(organization.latitude, organization.longitude) if has_position else None,
        town_key=town_key(organization.postal_code, organization.city),
        email_domain=email_domain(getattr(organization, "public_email", "")),
        city_key=city_key(organization.city),
    )


def likely_duplicates(
    *, name: str, city: str, website: str, exclude: int | None = None, **details: str
) -> list[Organization]:
    """Return the entries a signup (or an entry under review) probably repeats, best first.

    The same engine as the import's: every match, certain or not, is shown, because the person
    decides. Each returned entry carries ``duplicate_reason``, the decision in words.
    """
    row = signup_candidate(name=name, city=city, website=website, **details)
    wanted = Q()
    if row.site_key:
        wanted |= Q(website__icontains=row.site_key.split("/")[0])
    if row.register_key and details.get("register_number"):
        wanted |= Q(register_number__iexact=details["register_number"].strip())
    if city.strip():
        wanted |= Q(city__iexact=city.strip())
    if details.get("postal_code", "").strip():
        wanted |= Q(postal_code=details["postal_code"].strip())
    if row.email_domain:
        wanted |= Q(public_email__iendswith=f"@{row.email_domain}")
    if not wanted:
        return []
    entries = Organization.objects.published().filter(wanted)
    if exclude:
        entries = entries.exclude(pk=exclude)
    index = DuplicateIndex(organization_candidate(other) for other in entries[:500])
    found = []
    # The person decides: alike names in the same town are asked about even when the
    # websites differ (the import keeps those apart).
    shown = [match for match in index.matches(row) if not match.distinct or match.city]
    for match in shown[:10]:
        match.ref.duplicate_reason = explain(match)
        found.append(match.ref)
    return found


def reason_notes(match: Match) -> list[list]:
    """Return the decision's reasons as stored notes (``[code, params]``), in order."""
    if match.distinct:
        return [[f"distinct_{match.distinct}", {"km": match.km}]]
    code = {
        "register": "same_register",
        "website": "same_website" if match.certain else "same_website_other_name",
        "email": "same_email_domain",
        "name": "similar_name_in_town" if match.city else "similar_name_near",
    }[match.rule]
    notes = [[code, {"site": match.site, "km": match.km, "city": match.city}]]
    if match.km is not None and code != "similar_name_near":
        notes.append(["kilometres_apart", {"km": match.km}])
    return notes


def explain(match: Match) -> str:
    """Return the decision in words ("same website fairbnb.coop. 2.9 km apart.")."""
    from .notes import describe

    return " ".join(describe(note) for note in reason_notes(match))
