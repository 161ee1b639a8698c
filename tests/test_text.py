"""The one text-folding and the one chunking helper."""

import pytest

from coopmap.text import chunked, fold


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("München", "muenchen"),
        ("MUENCHEN", "muenchen"),
        ("Café Müller-Straße", "cafe mueller strasse"),
        ("Ærøskøbing", "aeroskobing"),
        ("  Köln,  Innenstadt ", "koeln innenstadt"),
    ],
)
def test_fold_compares_spellings_people_type(typed, folded):
    assert fold(typed) == folded


def test_fold_options_keep_accents_and_punctuation_or_plain_umlauts():
    assert fold("Café Müller-Straße", accents=True, punctuation=True) == "café mueller-strasse"
    assert fold("München", umlauts=False) == "munchen"


def test_chunked_cuts_any_iterable():
    assert list(chunked(iter(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []
