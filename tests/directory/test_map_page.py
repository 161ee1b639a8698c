"""The map page: Leaflet from the app itself, search and filters, a way on without JavaScript."""

import json
import re

from django.utils import translation

from tests.factories import OrganizationFactory, SectorFactory


def get_page(client, path="/", **params):
    response = client.get(path, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_map_page_offers_search_and_filters_that_lead_to_the_directory(client, db):
    SectorFactory(name_en="Hosting", slug="hosting")
    OrganizationFactory(state="Hamburg")

    html = get_page(client)

    form = re.search(r"<form[^>]*data-map-filters[^>]*>", html).group(0)
    assert 'action="/directory/"' in form
    assert 'method="get"' in form
    for name in ("q", "kind", "sector", "legal_form", "state"):
        assert f'name="{name}"' in html
    assert '<option value="hosting"' in html
    assert '<option value="Hamburg">' in html  # the states to choose from


def test_without_javascript_the_page_points_to_the_directory(client, db):
    html = get_page(client)

    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.DOTALL).group(1)
    assert 'href="/directory/"' in noscript
    assert "The map needs JavaScript" in noscript


def test_a_shared_link_fills_in_its_filters(client, db):
    SectorFactory(name_en="Hosting", slug="hosting")

    html = get_page(
        client, q="Hostsharing", kind="network_partner", sector="hosting", lat="53.5", z="9"
    )

    assert 'value="Hostsharing"' in html
    assert re.search(r'value="network_partner"\s+checked', html)
    assert re.search(r'value="hosting"\s+selected', html)
    assert re.search(r'value="platform_coop"\s*>', html)  # not checked


def test_the_map_hands_its_labels_and_urls_to_the_script(client, db):
    with translation.override("en"):
        html = get_page(client)

    labels = json.loads(
        re.search(
            r'<script id="map-kind-labels" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert labels["platform_coop"] == "Platform co-op"
    assert 'data-api-url="/api/map/"' in html
    assert "zoom in or use the directory" in html


def test_the_map_is_labelled_and_its_assets_come_from_the_app(client, db):
    html = get_page(client)

    assert re.search(r'id="coopmap"[^>]*aria-label="Map of the organizations', html)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    assert "/static/leaflet/leaflet.js" in scripts
    assert "/static/js/map.js" in scripts
    assert "/static/leaflet/leaflet.css" in stylesheets
    assert all(url.startswith("/static/") for url in scripts + stylesheets)


def test_the_map_page_needs_the_same_few_queries_however_many_organizations_exist(
    client, db, django_assert_max_num_queries
):
    for index in range(30):
        OrganizationFactory(state=f"State {index}").sectors.add(
            SectorFactory(name_en=f"Sector {index}")
        )

    with django_assert_max_num_queries(3):
        get_page(client, kind="platform_coop", sector="sector-1")
