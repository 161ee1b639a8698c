"""A visitor browses the directory in Chromium: filter, open a profile, switch the language."""

import re

from playwright.sync_api import expect

from directory.models import Organization
from tests.factories import OrganizationFactory


def test_visitor_filters_by_kind_opens_a_profile_and_reads_it_in_english(
    page, live_server, transactional_db
):
    OrganizationFactory(
        name="Hostsharing eG",
        kind=Organization.Kind.PLATFORM_COOP,
        city="Hamburg",
        latitude=53.63,
        longitude=10.0,
    )
    OrganizationFactory(
        name="K8 Institut für strategische Ästhetik gGmbH",
        slug="k8",
        kind=Organization.Kind.NETWORK_PARTNER,
        legal_form=Organization.LegalForm.GGMBH,
        city="Saarbrücken",
        description_de="Gemeinnütziges Forschungs- und Weiterbildungsinstitut der HBKsaar.",
        description_en="Non-profit research and continuing-education institute.",
        latitude=49.23,
        longitude=7.0,
    )

    page.goto(live_server.url + "/directory/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    results = page.locator(".organization-list")
    expect(results.get_by_role("link", name="Hostsharing eG")).to_be_visible()

    page.locator('input[name="kind"][value="network_partner"]').check()
    page.locator('form[role="search"] button[type="submit"]').click()

    # The form submits every field (near, km, order too); what matters is the kind chosen.
    expect(page).to_have_url(
        re.compile(re.escape(live_server.url) + r"/directory/\?.*kind=network_partner")
    )
    expect(results.get_by_role("link", name="Hostsharing eG")).to_have_count(0)
    results.get_by_role("link", name="K8 Institut für strategische Ästhetik gGmbH").click()

    expect(page).to_have_url(live_server.url + "/directory/k8/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "K8 Institut für strategische Ästhetik gGmbH"
    )
    expect(
        page.get_by_text("Gemeinnütziges Forschungs- und Weiterbildungsinstitut")
    ).to_be_visible()
    expect(page.locator("#profile-map img.leaflet-marker-icon")).to_be_visible()
    assert page.locator("#profile-map").bounding_box()["height"] > 200

    page.locator("#language-select").select_option("en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + "/directory/k8/")
    expect(
        page.get_by_text("Non-profit research and continuing-education institute.")
    ).to_be_visible()
    expect(page.get_by_text("Gemeinnütziges Forschungs")).to_have_count(0)
    expect(page.get_by_role("link", name="Back to the directory")).to_be_visible()
