"""The words of a directory search: folding, stemming and the limits of a query.

Pure Python (no database), so that the stored search text and the visitor's query are folded
and stemmed by the same code on every database:

- ``search_fold`` makes every spelling of a German word alike: "München", "Muenchen",
  "Munchen" and "MÜNCHEN" all become "munchen"; "Straße" and "Strasse" become "strasse".
- ``parse_query`` splits a query into words, drops very common words ("und", "the") and keeps
  at most ``MAX_WORDS``; each word carries its Snowball stem ("Genossenschaften" ->
  "genossenschaft"), which then matches as a substring of the stored text, so that inflected
  words and compounds ("Mitarbeitergenossenschaft") are found on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import snowballstemmer

from coopmap.text import fold

# A query longer than this is refused with a message (a form error), not cut silently.
MAX_QUERY_LENGTH = 200
# Words beyond these are left out (and the page says so): each word is one more condition.
MAX_WORDS = 8
# Shorter words ("eG", "IT") match whole words only: as substrings they would match nearly all.
MIN_SUBSTRING_LENGTH = 3

# "ae", "oe", "ue" written for "ä", "ö", "ü": folded to the plain vowel, like the umlaut itself.
_SPELLED_UMLAUT = re.compile(r"([aou])e")

# Very common German and English words: they would match (nearly) every entry.
_STOP_WORDS = (
    "a an and am auf aus bei bis das dass dem den der des die ein eine einem einen einer eines "
    "for from fur im in ist mit of on oder or the to und vom von zu zum zur"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())


def search_fold(text: str) -> str:
    """Return ``text`` folded for search: lower case, no diacritics, words split by spaces.

    Umlauts lose their dots and "ae"/"oe"/"ue" become "a"/"o"/"u", so all spellings meet
    ("Gemüse", "Gemuese" and "Gemuse" -> "gemuse"); "ß" becomes "ss".
    """
    return _SPELLED_UMLAUT.sub(r"\1", fold(text, umlauts=False))


def stored_search_text(*parts: str) -> str:
    """Return the stored search text of an entry's ``parts``: folded, padded with spaces.

    The padding lets a short word match as a whole word (``LIKE '% eg %'``).
    """
    folded = search_fold(" ".join(part for part in parts if part))
    return f" {folded} " if folded else ""


@functools.cache
def _stemmer():
    return snowballstemmer.stemmer("german")


def stem(word: str) -> str:
    """Return the German Snowball stem of a folded word ("genossenschaften" -> "genossenschaft")."""
    if len(word) < MIN_SUBSTRING_LENGTH or word.isdigit():
        return word
    stemmed = _stemmer().stemWord(word)
    # A stem shorter than the substring minimum would match too much ("ei" from "eier").
    return stemmed if len(stemmed) >= MIN_SUBSTRING_LENGTH else word


@dataclass(frozen=True)
class SearchWord:
    """One word of a query: as folded, and its stem (what is looked for)."""

    folded: str
    stem: str

    @property
    def whole_word(self) -> bool:
        return len(self.stem) < MIN_SUBSTRING_LENGTH

    @property
    def pattern(self) -> str:
        """Return what the stored text must contain for this word."""
        return f" {self.stem} " if self.whole_word else self.stem

    def matches(self, folded_text: str) -> bool:
        """Return whether the word occurs in ``folded_text`` as the database would find it."""
        return self.pattern in f" {folded_text} "


@dataclass(frozen=True)
class ParsedQuery:
    """What a search query asks for, and what was left out of it (for the page to say)."""

    words: tuple[SearchWord, ...] = ()
    stop_words: tuple[str, ...] = ()
    dropped: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.words)


def parse_query(query: str) -> ParsedQuery:
    """Split ``query`` into at most ``MAX_WORDS`` distinct search words, common words aside.

    Operators and wildcards of any query language ("&", "|", "!", ":*", "%") are not words and
    fall away, so a query can never be more than plain words.
    """
    words: list[SearchWord] = []
    stop_words: list[str] = []
    dropped: list[str] = []
    for folded in search_fold(query[:MAX_QUERY_LENGTH]).split():
        if folded in STOP_WORDS:
            stop_words.append(folded)
        elif any(word.folded == folded for word in words):
            continue
        elif len(words) >= MAX_WORDS:
            dropped.append(folded)
        else:
            words.append(SearchWord(folded=folded, stem=stem(folded)))
    return ParsedQuery(words=tuple(words), stop_words=tuple(stop_words), dropped=tuple(dropped))


@dataclass(frozen=True)
class FoundPlace:
    """Where a ``near`` search is centred, and how the page names it."""

    label: str
    latitude: float
    longitude: float


_POSTAL_CODE = re.compile(r"^(?:D-?)?\d{4,5}$", re.IGNORECASE)
_COUNTRY_SUFFIX = re.compile(r"^(?P<name>.+?)\s*,\s*(?P<country>[A-Za-z]{2})$")


def find_place(text: str) -> FoundPlace | None:
    """Return the place or German postal code ``text`` names, from the offline gazetteer.

    "Kassel", "34117" and "Wien, AT" (a place in another country by its ISO code) are found;
    the most populous place of a name wins.
    """
    from .geo.gazetteer import get_gazetteer

    text = " ".join(text.replace("\x00", " ").split())[:100]
    if not text:
        return None
    gazetteer = get_gazetteer()
    if _POSTAL_CODE.match(text):
        area = gazetteer.postal_code(text, "DE")
        if area is None:
            return None
        return FoundPlace(f"{area.postal_code} {area.place}", area.latitude, area.longitude)
    name, country = text, "DE"
    if match := _COUNTRY_SUFFIX.match(text):
        name, country = match["name"], match["country"].upper()
    places = gazetteer.places_named(name, country)
    if not places:
        return None
    place = places[0]
    # GeoNames may name it in English ("Munich"): say it as the visitor wrote it then.
    label = place.name if search_fold(place.name) == search_fold(name) else name
    return FoundPlace(label, place.latitude, place.longitude)
