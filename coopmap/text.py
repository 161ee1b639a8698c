"""Text folding and chunking shared by search, imports, duplicates and the gazetteer.

``fold`` is the one way this project compares words typed by people: "München", "Muenchen"
and "MÜNCHEN" fold alike. ``chunked`` is the one way it cuts long sequences into batches.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_ESZETT = str.maketrans({"ß": "ss"})
# Letters that Unicode does not decompose into a base letter and a diacritic.
_SPELLED_OUT = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
_NOT_WORD = re.compile(r"[\W_]+")


def fold(
    text: str, *, accents: bool = False, punctuation: bool = False, umlauts: bool = True
) -> str:
    """Return ``text`` folded for comparison ("Café Müller-Straße" -> "cafe mueller strasse").

    Always lower case, "ß" spelled out and, unless ``umlauts`` is false (then "ü" -> "u"), the
    German umlauts spelled out. Unless ``accents`` is true, other diacritics are dropped and
    letters that do not decompose are spelled out ("ø" -> "o", "æ" -> "ae"). Unless
    ``punctuation`` is true, every run of characters that are neither letters nor digits
    becomes one space and the ends are stripped.
    """
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        text = text.translate(_UMLAUTS if umlauts else _ESZETT)
        if not accents:
            text = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
            text = "".join(char for char in text if not unicodedata.combining(char))
    if not punctuation:
        text = _NOT_WORD.sub(" ", text).strip()
    return text


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of ``size`` consecutive items (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
