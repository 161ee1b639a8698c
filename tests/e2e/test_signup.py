"""A co-op registers, confirms its address, a manager approves it, and it is in the directory."""

import re

from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from coopmap.models import OutgoingEmail
from directory.models import Organization
from tests.directory.signup_support import link_in_email
from tests.factories import SectorFactory, UserFactory


def test_a_new_coop_registers_confirms_and_is_published_by_a_manager(
    page, live_server, transactional_db, settings
):
    page.set_default_timeout(10_000)
    settings.SIGNUP_MIN_FILL_SECONDS = 0
    settings.SITE_URL = live_server.url
    SectorFactory(name_en="Energy", name_de="Energie", slug="energy")
    # Labels in English: the German catalogue is written later and must not break the test.
    page.context.add_cookies(
        [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Name", exact=True).fill("Bürgerenergie Süd eG")
    page.get_by_label("Kind").select_option("cooperative")
    page.get_by_label("Legal form").select_option("eg")
    page.get_by_label("Energy").check()
    page.get_by_label("Short description (German)").fill("Energie in Bürgerhand für München.")
    page.get_by_label("Website").fill("buergerenergie-sued.example.org")
    page.get_by_label("Street and number").fill("Marienplatz 1")
    page.get_by_label("Postal code").fill("80331")
    page.get_by_label("City").fill("München")
    page.get_by_label("Contact person").fill("Jörg Müller")
    page.get_by_label("Contact e-mail address (private)").fill("joerg@buergerenergie.example.org")
    page.get_by_label(re.compile("I agree to the storage")).check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name=re.compile("check your e-mail"))).to_be_visible()

    email = OutgoingEmail.objects.get(template="signup_confirm")
    assert email.to == "joerg@buergerenergie.example.org"
    assert "Bürgerenergie Süd eG" in email.subject
    page.goto(live_server.url + link_in_email(email, "/signup/confirm/"))
    page.get_by_role("button", name="Confirm registration").click()
    expect(page.get_by_role("heading", name="Thank you for confirming")).to_be_visible()
    organization = Organization.objects.get()
    assert organization.status == Organization.Status.PENDING
    assert organization.contact_language == "en"

    manager = UserFactory(username="moderatorin")
    group, _ = Group.objects.get_or_create(name=django_settings.NETWORK_MANAGERS_GROUP)
    manager.groups.add(group)
    page.goto(f"{live_server.url}/manage/")
    page.get_by_label("Username").fill("moderatorin")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Moderation").click()
    page.get_by_role("link", name="Bürgerenergie Süd eG").click()
    expect(page.get_by_text("joerg@buergerenergie.example.org")).to_be_visible()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("“Bürgerenergie Süd eG” is published.")).to_be_visible()

    page.goto(f"{live_server.url}/directory/")
    page.get_by_role("link", name="Bürgerenergie Süd eG").click()
    expect(page.get_by_role("heading", name="Bürgerenergie Süd eG")).to_be_visible()
    expect(page.get_by_text("joerg@buergerenergie.example.org")).to_have_count(0)

    organization.refresh_from_db()
    assert organization.status == Organization.Status.PUBLISHED
    # Geocoded from its postal code 80331: in the centre of München, on the map.
    assert abs(organization.latitude - 48.14) < 0.05
    assert abs(organization.longitude - 11.57) < 0.05
    response = page.request.get(f"{live_server.url}/api/map/?bbox=11.4,48.0,11.8,48.3&zoom=16")
    slugs = [feature["properties"].get("slug") for feature in response.json()["features"]]
    assert organization.slug in slugs
