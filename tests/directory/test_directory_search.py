"""Search and filters of the directory, as visitors use them through /directory/."""

import pytest
from django.db import connection
from django.urls import reverse

from directory.models import Organization
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

only_on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="looks at PostgreSQL's query plan"
)


def listed(client, **params) -> list[str]:
    """Return the names that /directory/ lists for ``params``, in their order."""
    response = client.get(reverse("directory:list"), params)
    assert response.status_code == 200
    return [organization.name for organization in response.context["page"]]


@pytest.fixture
def munich_greens(db):
    return OrganizationFactory(
        name="Genossenschaft für Gemüse",
        city="München",
        state="Bayern",
        summary_de="Solidarische Landwirtschaft im Umland.",
        summary_en="Community-supported agriculture.",
    )


@pytest.fixture
def hamburg_bakery(db):
    # Neither its kind nor its legal form is a "Genossenschaft" (those labels are searched too).
    return OrganizationFactory(
        name="Bäckerei Kollektiv",
        kind=Organization.Kind.SUPPORTER,
        legal_form=Organization.LegalForm.GMBH,
        city="Hamburg",
        state="Hamburg",
        summary_de="Brot aus Hamburg.",
        summary_en="Bread from Hamburg.",
    )


@pytest.mark.parametrize("query", ["München", "Muenchen", "MÜNCHEN", "muenchen", "Münch"])
def test_search_finds_a_city_with_umlauts_in_either_spelling(
    client, munich_greens, hamburg_bakery, query
):
    assert listed(client, q=query) == ["Genossenschaft für Gemüse"]


@pytest.mark.parametrize("query", ["Gemüse", "Gemuese", "für Gemüse", "fuer gemuese"])
def test_search_finds_a_name_with_umlauts_in_either_spelling(
    client, munich_greens, hamburg_bakery, query
):
    assert listed(client, q=query) == ["Genossenschaft für Gemüse"]


def test_search_finds_an_ascii_spelling_from_an_umlaut_query(client, hamburg_bakery):
    OrganizationFactory(name="Muenchner Kurierkollektiv", city="Muenchen")
    assert listed(client, q="Münchner") == ["Muenchner Kurierkollektiv"]


def test_search_requires_every_word(client, munich_greens, hamburg_bakery):
    assert listed(client, q="Gemüse Hamburg") == []
    assert listed(client, q="Gemüse München") == ["Genossenschaft für Gemüse"]


def test_search_finds_part_of_a_compound_word(client, hamburg_bakery):
    OrganizationFactory(name="iteratec nurdemteam eG", summary_de="Mitarbeitergenossenschaft.")
    assert listed(client, q="genossenschaft") == ["iteratec nurdemteam eG"]


def test_search_looks_into_english_and_german_descriptions(client, hamburg_bakery):
    OrganizationFactory(name="Hostsharing eG", description_en="A community cloud.")
    OrganizationFactory(name="SMartDe eG", description_de="Sozialversicherung für Selbstständige.")
    assert listed(client, q="community cloud") == ["Hostsharing eG"]
    assert listed(client, q="selbststaendige") == ["SMartDe eG"]


@pytest.mark.parametrize(
    "query", ["Hostsharing & !", "(Hostsharing)", "Hostsharing:*", "'Hostsharing' | !eG", "Host%_"]
)
def test_search_treats_operators_and_wildcards_as_plain_text(client, hamburg_bakery, query):
    OrganizationFactory(name="Hostsharing eG", summary_de="", summary_en="")
    assert listed(client, q=query) == ["Hostsharing eG"]


@pytest.mark.parametrize("query", ["   ", "<-> & !", "__"])
def test_search_without_words_lists_everything(client, munich_greens, hamburg_bakery, query):
    assert len(listed(client, q=query)) == 2


def test_search_never_finds_unpublished_entries(client, munich_greens):
    OrganizationFactory(
        name="Gemüsekiste eG", status=Organization.Status.PENDING, published_at=None
    )
    assert listed(client, q="Gemüse") == ["Genossenschaft für Gemüse"]


def test_search_finds_inflected_german_words(client, munich_greens, hamburg_bakery):
    assert listed(client, q="Genossenschaften") == ["Genossenschaft für Gemüse"]
    assert listed(client, q="Landwirtschaften") == ["Genossenschaft für Gemüse"]
    assert listed(client, q="Bäckereien Kollektive") == ["Bäckerei Kollektiv"]


def test_search_puts_name_matches_first(client):
    OrganizationFactory(name="Alpha eG", description_de="Auch etwas Hosting.")
    OrganizationFactory(name="Zulu Hosting eG", summary_de="Hosting, Hosting und Cloud-Hosting.")
    OrganizationFactory(name="Beta eG", summary_en="Web hosting.")
    assert listed(client, q="hosting") == ["Zulu Hosting eG", "Alpha eG", "Beta eG"]


@only_on_postgresql
def test_search_is_served_by_the_trigram_indexes(munich_greens):
    queryset = Organization.objects.search("Muenchen Genossenschaften").order_by()
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A table of one row is best scanned whole: make the planner show what else it can do.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "org_search_trigram" in plan


# --- Filters ----------------------------------------------------------------------------------


def test_kind_filter_lists_only_that_kind_and_accepts_several(client):
    OrganizationFactory(name="Plattform eG", kind=Organization.Kind.PLATFORM_COOP)
    OrganizationFactory(name="Partner gGmbH", kind=Organization.Kind.NETWORK_PARTNER)
    OrganizationFactory(name="Freunde e.V.", kind=Organization.Kind.SUPPORTER)
    assert listed(client, kind="network_partner") == ["Partner gGmbH"]
    assert listed(client, kind=["network_partner", "supporter"]) == [
        "Freunde e.V.",
        "Partner gGmbH",
    ]


def test_sector_filter_lists_each_match_once(client):
    hosting, cloud, food = (SectorFactory(name_en=name) for name in ("Hosting", "Cloud", "Food"))
    both = OrganizationFactory(name="Hostsharing eG")
    both.sectors.set([hosting, cloud])
    OrganizationFactory(name="Gemüse eG").sectors.set([food])
    OrganizationFactory(name="Ohne Branche eG")
    assert listed(client, sector="hosting") == ["Hostsharing eG"]
    assert listed(client, sector=["hosting", "cloud"]) == ["Hostsharing eG"]
    assert listed(client, sector=["cloud", "food"]) == ["Gemüse eG", "Hostsharing eG"]


def test_legal_form_filter(client):
    OrganizationFactory(name="Hostsharing eG", legal_form=Organization.LegalForm.EG)
    OrganizationFactory(name="K8 gGmbH", legal_form=Organization.LegalForm.GGMBH)
    assert listed(client, legal_form="ggmbh") == ["K8 gGmbH"]


def test_state_and_country_filters_take_any_spelling_of_a_german_state(
    client, munich_greens, hamburg_bakery
):
    OrganizationFactory(name="Fairbnb", city="Bologna", state="Emilia-Romagna", country="IT")
    assert listed(client, state="bayern") == ["Genossenschaft für Gemüse"]
    assert listed(client, state="Bavaria") == ["Genossenschaft für Gemüse"]
    assert listed(client, country="it") == ["Fairbnb"]
    assert listed(client, country="DE", state="Hamburg") == ["Bäckerei Kollektiv"]


def test_filters_combine_with_search(client, munich_greens):
    OrganizationFactory(name="Gemüse Partner", kind=Organization.Kind.NETWORK_PARTNER)
    assert listed(client, q="Gemüse", kind="network_partner") == ["Gemüse Partner"]


def test_an_invalid_filter_value_matches_nothing_and_says_so(client, munich_greens):
    response = client.get(reverse("directory:list"), {"kind": "bank", "sector": "nope"})
    assert list(response.context["page"]) == []
    assert set(response.context["filter"].form.errors) == {"kind", "sector"}
    assert b'role="alert"' in response.content


def test_state_select_offers_the_states_of_published_entries_only(client, munich_greens):
    OrganizationFactory(state="Saarland", status=Organization.Status.PENDING, published_at=None)
    html = client.get(reverse("directory:list")).content.decode()
    assert '<option value="Bayern">Bayern</option>' in html
    assert "Saarland" not in html
