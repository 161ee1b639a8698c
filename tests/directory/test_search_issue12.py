"""What visitors type into the directory search, near searches, sorting and bad input.

Every case runs on SQLite and on PostgreSQL alike (the embedded default finds what production
finds): through /directory/, and the same filters through the map API and the exports.
"""

import json

import pytest
from django.urls import reverse

from directory.models import Organization
from directory.search import MAX_WORDS
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("directory:list"), params)
    assert response.status_code == 200
    return [organization.name for organization in response.context["page"]]


def page_text(client, **params) -> str:
    response = client.get(reverse("directory:list"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.fixture
def directory(db):
    """Entries like the network's: sectors in German and English, umlauts, postal codes."""
    video = SectorFactory(slug="videokonferenzen", name_de="Videokonferenzen", name_en="Video")
    advice = SectorFactory(slug="beratung", name_de="Beratung", name_en="Consulting")
    software = SectorFactory(
        slug="softwareentwicklung", name_de="Softwareentwicklung", name_en="Software development"
    )
    OrganizationFactory(
        name="Senfcall eG",
        city="Hamburg",
        postal_code="22335",
        state="Hamburg",
        summary_de="Datensparsame Videokonferenzen.",
        summary_en="",
    ).sectors.set([video])
    OrganizationFactory(
        name="Smart Ästhetik eG",
        city="Saarbrücken",
        postal_code="66111",
        state="Saarland",
        summary_de="Gestaltung.",
        summary_en="",
        latitude=49.2326,
        longitude=7.0098,
    ).sectors.set([advice])
    OrganizationFactory(
        name="Hosting-Genossenschaft Nord",
        kind=Organization.Kind.COOPERATIVE,
        city="Kassel",
        postal_code="34117",
        state="Hessen",
        summary_de="Server an der Großen Straße.",
        summary_en="",
        latitude=51.3167,
        longitude=9.5,
    ).sectors.set([software])
    OrganizationFactory(
        name="Beratungswerk GmbH",
        kind=Organization.Kind.SUPPORTER,
        legal_form=Organization.LegalForm.GMBH,
        city="Göttingen",
        postal_code="37073",
        state="Niedersachsen",
        summary_de="Hilft Genossenschaften beim Start.",
        summary_en="",
        latitude=51.5413,
        longitude=9.9158,
    )


# --- What people type -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Videokonferenzen", {"Senfcall eG"}),
        ("Video", {"Senfcall eG"}),
        ("Softwareentwicklung", {"Hosting-Genossenschaft Nord"}),
        ("software development", {"Hosting-Genossenschaft Nord"}),
        ("Consulting", {"Smart Ästhetik eG"}),
    ],
)
def test_search_finds_sectors_in_german_and_english(client, directory, query, expected):
    assert set(listed(client, q=query)) == expected


def test_search_for_a_sector_finds_its_entries_and_names_with_the_word(client, directory):
    assert set(listed(client, q="Beratung")) == {"Smart Ästhetik eG", "Beratungswerk GmbH"}


@pytest.mark.parametrize("query", ["Saarbrücken", "Saarbruecken", "Saarbrucken", "SAARBRÜCKEN"])
def test_a_place_is_found_by_every_spelling_of_its_umlaut(client, directory, query):
    assert listed(client, q=query) == ["Smart Ästhetik eG"]


@pytest.mark.parametrize("query", ["Ästhetik", "Aesthetik", "Asthetik", "ästhetik"])
def test_a_name_is_found_by_every_spelling_of_its_umlaut(client, directory, query):
    assert listed(client, q=query) == ["Smart Ästhetik eG"]


@pytest.mark.parametrize("query", ["Straße", "Strasse", "STRASSE", "großen"])
def test_eszett_and_ss_find_each_other(client, directory, query):
    assert listed(client, q=query) == ["Hosting-Genossenschaft Nord"]


@pytest.mark.parametrize("query", ["22335", "223", "Hamburg 22335"])
def test_search_finds_a_postal_code_and_its_beginning(client, directory, query):
    assert listed(client, q=query) == ["Senfcall eG"]


@pytest.mark.parametrize("query", ["Genossenschaften", "Genoss", "genossenschaft"])
def test_search_stems_and_completes_what_is_typed(client, directory, query):
    # The cooperative by name, the supporter by its summary ("Genossenschaften"), the eGs by
    # their legal form "eingetragene Genossenschaft": every entry that speaks of co-ops.
    found = listed(client, q=query)
    assert found[0] == "Hosting-Genossenschaft Nord"  # the name match first
    assert set(found) == {
        "Hosting-Genossenschaft Nord",
        "Beratungswerk GmbH",
        "Senfcall eG",
        "Smart Ästhetik eG",
    }


def test_legal_form_is_searchable_by_its_abbreviation(client, directory):
    assert set(listed(client, q="GmbH")) == {"Beratungswerk GmbH"}
    assert "Beratungswerk GmbH" not in listed(client, q="eG")


def test_a_short_word_matches_whole_words_only(client, db):
    OrganizationFactory(name="Weg und Steg", legal_form="", summary_de="", summary_en="")
    OrganizationFactory(name="IT Kollektiv", legal_form="", summary_de="", summary_en="")
    assert listed(client, q="it") == ["IT Kollektiv"]
    assert listed(client, q="eg") == []


def test_the_map_api_and_the_exports_search_the_same_way(client, directory):
    api = client.get(
        reverse("directory:map-api"), {"bbox": "5,47,16,55", "zoom": 12, "q": "Saarbrucken"}
    ).json()
    assert [item["name"] for item in api["organizations"]] == ["Smart Ästhetik eG"]
    csv = client.get(reverse("directory:export-csv"), {"q": "Videokonferenzen"})
    assert [line.split(",")[0] for line in b"".join(csv).decode().splitlines()[1:]] == [
        "Senfcall eG"
    ]


# --- Near a place -----------------------------------------------------------------------------


def test_near_a_place_lists_what_lies_within_the_radius_nearest_first(english, directory):
    # Göttingen lies about 38 km from Kassel.
    assert listed(english, near="Kassel", km="30") == ["Hosting-Genossenschaft Nord"]
    assert listed(english, near="Kassel", km="50") == [
        "Hosting-Genossenschaft Nord",
        "Beratungswerk GmbH",
    ]
    html = page_text(english, near="Kassel", km="100")
    assert "Within 100 km of Kassel" in html
    assert "km away" in html


def test_near_a_postal_code_and_a_search_combine(english, directory):
    assert listed(english, near="37073", km="80", q="Genossenschaften") == [
        "Hosting-Genossenschaft Nord",  # name match first, then by distance is not asked for
        "Beratungswerk GmbH",
    ]
    assert listed(english, near="37073", km="80", order="distance") == [
        "Beratungswerk GmbH",
        "Hosting-Genossenschaft Nord",
    ]
    assert "Within 80 km of 37073 Göttingen" in page_text(english, near="37073", km="80")


def test_near_without_a_radius_takes_25_km(english, directory):
    assert "Within 25 km of Kassel" in page_text(english, near="kassel")


def test_the_map_api_takes_near_too(client, directory):
    api = client.get(
        reverse("directory:map-api"),
        {"bbox": "5,47,16,55", "zoom": 12, "near": "Kassel", "km": "30"},
    ).json()
    assert [item["name"] for item in api["organizations"]] == ["Hosting-Genossenschaft Nord"]


def test_the_map_page_offers_near_and_says_what_it_understood(english, directory):
    html = english.get(reverse("directory:map"), {"near": "Kassel", "km": "30"}).content.decode()
    assert 'name="near"' in html
    assert 'name="km"' in html
    assert "Within 30 km of Kassel" in html
    bad = english.get(reverse("directory:map"), {"near": "Xyzzyhausen"})
    assert bad.status_code == 200
    assert "We do not know the place" in bad.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"near": "Xyzzyhausen"}, "We do not know the place “Xyzzyhausen”"),
        ({"near": "00000"}, "We do not know the place “00000”"),
        ({"near": "Kassel", "km": "0"}, "at least 1 km"),
        ({"near": "Kassel", "km": "-5"}, "at least 1 km"),
        ({"near": "Kassel", "km": "1e309"}, "at most 500 km"),
        ({"near": "Kassel", "km": "nan"}, "from 1 to 500"),
        ({"near": "Kassel", "km": "inf"}, "from 1 to 500"),
        ({"near": "Kassel", "km": "zehn"}, "from 1 to 500"),
        ({"order": "distance"}, "To sort by distance, give a place"),
        ({"order": "random"}, "Select a valid choice"),
    ],
)
def test_bad_near_input_gets_a_clear_message_and_no_results(english, directory, params, message):
    response = english.get(reverse("directory:list"), params)
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    results = response.content.decode().split('id="results-heading"')[1]
    assert message in results  # said beside the results, not only at the field
    assert "1e+50" not in results


# --- Sorting ----------------------------------------------------------------------------------


def test_names_sort_regardless_of_case_and_accents(client, db):
    for name in ("UX Kollektiv", "h3-o eG", "iteratec nurdemteam eG", "Ärztekammer", "Zebra eG"):
        OrganizationFactory(name=name)
    expected = ["Ärztekammer", "h3-o eG", "iteratec nurdemteam eG", "UX Kollektiv", "Zebra eG"]
    assert listed(client) == expected
    assert listed(client, order="name") == expected
    csv = b"".join(client.get(reverse("directory:export-csv"))).decode().splitlines()
    assert [line.split(",")[0] for line in csv[1:]] == expected


def test_newest_first(client, db):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for days, name in ((3, "Alt eG"), (1, "Neu eG"), (2, "Mittel eG")):
        OrganizationFactory(name=name, published_at=now - timedelta(days=days))
    assert listed(client, order="newest") == ["Neu eG", "Mittel eG", "Alt eG"]


# --- Bad input --------------------------------------------------------------------------------


def test_a_query_of_hundreds_of_words_gets_a_message_not_an_error(english, directory):
    for words in (156, 998):
        query = " ".join(f"wort{number}" for number in range(words))
        response = english.get(reverse("directory:list"), {"q": query})
        assert response.status_code == 200
        assert "at most 200 characters" in response.content.decode()
        api = english.get(
            reverse("directory:map-api"), {"bbox": "5,47,16,55", "zoom": 6, "q": query}
        )
        assert api.status_code == 400
        assert "200 characters" in api.json()["error"]
        for export in ("directory:export-csv", "directory:export-geojson"):
            download = english.get(reverse(export), {"q": query})
            assert download.status_code == 400
            assert "200 characters" in download.content.decode()


def test_many_short_words_search_the_first_ones_and_say_so(english, directory):
    query = "Senfcall " + " ".join(f"w{number}" for number in range(40))
    response = english.get(reverse("directory:list"), {"q": query})
    assert response.status_code == 200
    assert f"Searched for the first {MAX_WORDS} words only." in response.content.decode()


def test_only_common_words_list_everything_and_say_so(english, directory):
    response = english.get(reverse("directory:list"), {"q": "und der die the"})
    assert len(response.context["page"]) == 4
    html = response.content.decode()
    assert "Very common words are not searched for: und, der, die, the." in html
    assert "Add a more specific word to search." in html


@pytest.mark.parametrize("field", ["q", "near", "state", "country"])
def test_a_nul_byte_gets_a_message_not_an_error(english, directory, field):
    response = english.get(reverse("directory:list"), {field: "Sen\x00fcall"})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "query", ["Senfcall & !", "(Senfcall)", "Senfcall:*", "'Senfcall' | !<->", "Senf%_"]
)
def test_query_operators_are_plain_text(client, directory, query):
    assert listed(client, q=query) == ["Senfcall eG"]


def test_geojson_export_with_a_long_search_is_valid_json(client, directory):
    response = client.get(reverse("directory:export-geojson"), {"q": " ".join(["x"] * 60)})
    assert response.status_code == 200
    assert json.loads(b"".join(response))["features"] == []


# --- Cost -------------------------------------------------------------------------------------


# Count, page, its sectors, the sector and place choices; a search adds the sectors it looks
# into and the ids it ranks; sorting by distance up to four counts of narrower circles.
@pytest.mark.parametrize(
    ("params", "queries"),
    [
        ({}, 5),
        ({"q": "Genossenschaften Kassel"}, 7),
        ({"kind": "cooperative", "state": "Hessen"}, 5),
        ({"near": "Kassel", "km": "200", "order": "distance"}, 9),
        ({"order": "newest", "page": "3"}, 5),
    ],
)
@pytest.mark.parametrize("count", [3, 25])
def test_list_pages_cost_a_fixed_number_of_queries(
    client, directory, django_assert_max_num_queries, params, queries, count
):
    OrganizationFactory.create_batch(
        count, city="Kassel", summary_de="Genossenschaften.", latitude=51.3, longitude=9.5
    )
    client.get(reverse("directory:list"))  # the place choices are cached from then on
    with django_assert_max_num_queries(queries):
        assert client.get(reverse("directory:list"), params).status_code == 200


def test_nearest_sorts_a_narrower_circle_yet_keeps_the_nearest_first(db):
    from directory.querysets import Nearby

    for step in range(12):  # 0, 2, 4, … 22 km north of Kassel
        OrganizationFactory(name=f"Ort {step:02d}", latitude=51.3167 + step * 0.018, longitude=9.5)
    nearby = Nearby("Kassel", 51.3167, 9.5, km=40)
    circle = Organization.objects.published().near(nearby)
    nearest = list(circle.nearest(nearby, limit=3).values_list("name", flat=True))
    assert nearest[:4] == ["Ort 00", "Ort 01", "Ort 02", "Ort 03"]
    assert len(nearest) > 3  # a circle holding more than the limit
    assert len(list(circle.nearest(nearby, limit=100))) == 12
