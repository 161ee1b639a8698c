"""The map in a real Chromium: partners at their cities, filters in the URL, on to a profile."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import OrganizationFactory


@pytest.fixture
def partners(transactional_db):
    """A few of the network's partners at the cities they are based in."""
    return {
        organization.slug: organization
        for organization in [
            OrganizationFactory(
                name="Hostsharing eG", city="Hamburg", latitude=53.5511, longitude=9.9937
            ),
            OrganizationFactory(
                name="SMartDe eG", city="Berlin", latitude=52.5027, longitude=13.3903
            ),
            OrganizationFactory(
                name="Platform Cooperatives Germany eG",
                kind="network_partner",
                city="Berlin",
                latitude=52.52,
                longitude=13.405,
            ),
            OrganizationFactory(
                name="K8 Institut für strategische Ästhetik gGmbH",
                kind="network_partner",
                legal_form="ggmbh",
                city="Saarbrücken",
                latitude=49.2354,
                longitude=6.9969,
            ),
        ]
    }


def marker(page, name):
    return page.locator(f'.map-marker[title="{name}"]')


def test_the_map_shows_the_partners_and_lists_them(page, live_server, partners):
    page.goto(live_server.url + "/")

    expect(marker(page, "Hostsharing eG")).to_be_visible()
    expect(marker(page, "K8 Institut für strategische Ästhetik gGmbH")).to_be_visible()
    # The two Berlin partners are close: one cluster at this zoom.
    expect(page.locator(".map-cluster")).to_have_text("2")
    expect(page.locator("#map-list a")).to_have_text(
        [
            "Hostsharing eG",
            "K8 Institut für strategische Ästhetik gGmbH",
            "Platform Cooperatives Germany eG",
            "SMartDe eG",
        ]
    )
    expect(page).to_have_url(re.compile(r"[?&]z=6"))


def test_clicking_a_cluster_zooms_in_until_its_members_part(page, live_server, partners):
    page.goto(live_server.url + "/")

    page.locator(".map-cluster").click()

    expect(marker(page, "SMartDe eG")).to_be_visible()
    expect(marker(page, "Platform Cooperatives Germany eG")).to_be_visible()
    expect(page.locator(".map-cluster")).to_have_count(0)


def test_filtering_by_kind_updates_markers_list_and_url(page, live_server, partners):
    page.goto(live_server.url + "/")
    expect(marker(page, "Hostsharing eG")).to_be_visible()

    page.locator('input[name="kind"][value="network_partner"]').check()

    expect(page).to_have_url(re.compile(r"[?&]kind=network_partner"))
    expect(marker(page, "Hostsharing eG")).to_have_count(0)
    expect(page.locator("#map-list a")).to_have_text(
        ["K8 Institut für strategische Ästhetik gGmbH", "Platform Cooperatives Germany eG"]
    )
    expect(page.locator("#map-directory-link")).to_have_attribute(
        "href", "/directory/?kind=network_partner"
    )

    # The URL is the view: reloading it keeps the filter and the place.
    page.reload()
    expect(page.locator('input[name="kind"][value="network_partner"]')).to_be_checked()
    expect(marker(page, "K8 Institut für strategische Ästhetik gGmbH")).to_be_visible()
    expect(marker(page, "Hostsharing eG")).to_have_count(0)


def test_a_marker_popup_leads_to_the_profile(page, live_server, partners):
    page.goto(live_server.url + "/")

    marker(page, "Hostsharing eG").click()
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".map-popup-name")).to_have_text("Hostsharing eG")
    expect(popup.locator(".map-popup-kind")).to_have_text("Plattform-Genossenschaft · Hamburg")
    popup.get_by_role("link", name="Profil öffnen").click()

    expect(page).to_have_url(live_server.url + "/directory/hostsharing-eg/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hostsharing eG")


def test_a_list_entry_leads_to_the_profile_and_markers_work_by_keyboard(
    page, live_server, partners
):
    page.goto(live_server.url + "/?lat=49.2354&lng=6.9969&z=12")
    k8 = marker(page, "K8 Institut für strategische Ästhetik gGmbH")
    expect(k8).to_be_visible()

    k8.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup").get_by_role("link")).to_have_attribute(
        "href", "/directory/k8-institut-fur-strategische-asthetik-ggmbh/"
    )

    page.locator("#map-list").get_by_role(
        "link", name="K8 Institut für strategische Ästhetik gGmbH"
    ).click()
    expect(page).to_have_url(
        re.compile(r"/directory/k8-institut-fur-strategische-asthetik-ggmbh/$")
    )


def test_a_shared_view_opens_where_it_was_left(page, live_server, partners):
    page.goto(live_server.url + "/?lat=53.5511&lng=9.9937&z=11&q=Hostsharing")

    expect(page.locator("#map-q")).to_have_value("Hostsharing")
    expect(marker(page, "Hostsharing eG")).to_be_visible()
    expect(page.locator("#map-list a")).to_have_text(["Hostsharing eG"])
    expect(page).to_have_url(re.compile(r"z=11"))
