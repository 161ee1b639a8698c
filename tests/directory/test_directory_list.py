"""The directory list at /directory/: form, entries, pagination, and its cost in queries."""

import pytest
from django.urls import reverse

from directory.models import Organization
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

# Session-less visitor: count, page, sectors of the page, sector and state and country choices;
# a search adds the sectors it looks into and the ids of the matches it ranks.
LIST_QUERIES = 8


def test_each_entry_shows_name_kind_legal_form_city_sectors_and_summary(client):
    organization = OrganizationFactory(
        name="Hostsharing eG",
        kind=Organization.Kind.PLATFORM_COOP,
        legal_form=Organization.LegalForm.EG,
        city="Hamburg",
        summary_en="Hamburg hosting cooperative.",
    )
    organization.sectors.set([SectorFactory(name_en="Hosting", name_de="Hosting")])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("directory:list")).content.decode()

    assert f'href="{organization.get_absolute_url()}">Hostsharing eG</a>' in html
    assert "Platform co-op" in html
    assert "Registered cooperative (eG)" in html
    assert "Hamburg" in html
    assert "<li>Hosting</li>" in html
    assert "Hamburg hosting cooperative." in html
    assert "1 organization" in html


def test_filter_form_is_labelled_and_submits_by_get(client):
    SectorFactory(name_en="Hosting")
    OrganizationFactory(state="Hamburg")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("directory:list")).content.decode()

    assert 'method="get"' in html
    assert 'role="search"' in html
    assert '<label for="id_q">Search:</label>' in html
    assert '<input type="search" name="q"' in html
    for legend in ("Kind:", "Sector:", "Legal form:"):
        assert f"<legend>{legend}</legend>" in html
    assert 'type="checkbox" name="kind" value="platform_coop"' in html
    assert 'type="checkbox" name="sector" value="hosting"' in html
    assert '<label for="id_state">State or region:</label>' in html
    assert '<select name="state" id="id_state">' in html


def test_filter_form_keeps_the_chosen_filters(client):
    OrganizationFactory(state="Hamburg")
    html = client.get(
        reverse("directory:list"), {"q": "Hosting", "kind": "supporter", "state": "Hamburg"}
    ).content.decode()
    assert 'value="Hosting"' in html
    assert 'value="supporter" id="id_kind_3" checked' in html
    assert '<option value="Hamburg" selected>Hamburg</option>' in html


def test_list_pages_through_results_and_keeps_the_filters_in_page_links(client):
    OrganizationFactory.create_batch(45, kind=Organization.Kind.COOPERATIVE)
    OrganizationFactory(kind=Organization.Kind.SUPPORTER)

    first = client.get(reverse("directory:list"), {"kind": "cooperative"})
    second = client.get(reverse("directory:list"), {"kind": "cooperative", "page": 2})
    last = client.get(reverse("directory:list"), {"kind": "cooperative", "page": 99})

    assert first.context["page"].paginator.count == 45
    assert len(first.context["page"]) == 20
    assert 'href="?kind=cooperative&amp;page=2" rel="next"' in first.content.decode()
    assert 'href="?kind=cooperative&amp;page=3"' in first.content.decode()
    names_first = {organization.name for organization in first.context["page"]}
    names_second = {organization.name for organization in second.context["page"]}
    assert len(names_second) == 20
    assert not names_first & names_second
    assert last.context["page"].number == 3
    assert len(last.context["page"]) == 5


def test_list_is_sorted_by_name(client):
    for name in ("Zebra eG", "Alpha eG", "Mitte eG"):
        OrganizationFactory(name=name)
    response = client.get(reverse("directory:list"))
    assert [o.name for o in response.context["page"]] == ["Alpha eG", "Mitte eG", "Zebra eG"]


@pytest.mark.parametrize("status", sorted(set(Organization.Status) - {"published"}))
def test_list_never_shows_unpublished_entries(client, status):
    OrganizationFactory(name="Öffentlich eG")
    OrganizationFactory(name="Geheim eG", status=status, published_at=None)
    html = client.get(reverse("directory:list")).content.decode()
    assert "Öffentlich eG" in html
    assert "Geheim eG" not in html


def test_list_links_the_exports_with_the_current_filters_and_states_the_licence(client):
    OrganizationFactory()
    html = client.get(reverse("directory:list"), {"kind": "supporter", "page": 1}).content.decode()
    assert 'href="/directory/export.csv?kind=supporter"' in html
    assert 'href="/directory/export.geojson?kind=supporter"' in html
    assert 'href="https://opendatacommons.org/licenses/odbl/1-0/" rel="license"' in html


@pytest.mark.parametrize("count", [3, 30])
def test_list_costs_the_same_queries_however_many_organizations(
    client, django_assert_max_num_queries, count
):
    sectors = SectorFactory.create_batch(3)
    for organization in OrganizationFactory.create_batch(count):
        organization.sectors.set(sectors)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("directory:list"), {"sector": sectors[0].slug})
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [3, 30])
def test_search_page_costs_the_same_queries_however_many_organizations(
    client, django_assert_max_num_queries, count
):
    OrganizationFactory.create_batch(count, description_de="Genossenschaft in München.")
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("directory:list"), {"q": "Muenchen", "kind": "platform_coop"})
    assert response.context["page"].paginator.count == count


def test_filter_panel_says_how_many_filters_are_chosen(client):
    OrganizationFactory()
    html = client.get(
        reverse("directory:list"), {"q": "x", "kind": ["supporter", "cooperative"], "state": ""}
    ).content.decode()
    assert 'data-chosen="2"' in html
    assert 'data-chosen="0"' in client.get(reverse("directory:list")).content.decode()
