"""No serious accessibility violations (axe-core) on the pages people use most."""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from directory.models import Organization
from survey.models import Report
from survey.reporting import services
from survey.tokens import invitation_token
from tests.e2e.axe import assert_accessible
from tests.factories import InvitationFactory, OrganizationFactory, UserFactory
from tests.survey.reporting import build_answered_survey


@pytest.fixture
def published(db):
    return OrganizationFactory(
        name="Sonnenstrom eG",
        status=Organization.Status.PUBLISHED,
        latitude=52.52,
        longitude=13.40,
        city="Berlin",
    )


@pytest.mark.parametrize("language", ["de-DE", "en-US"])
def test_public_pages_have_no_serious_accessibility_violations(
    browser, live_server, published, language
):
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    try:
        for path in ("/", "/directory/", f"/directory/{published.slug}/", "/signup/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert_accessible(page)
    finally:
        context.close()


def test_the_survey_pages_have_no_serious_accessibility_violations(page, live_server, db):
    survey = build_answered_survey()
    invitation = InvitationFactory(survey=survey, organization=OrganizationFactory())
    page.goto(f"{live_server.url}/survey/{invitation_token(invitation)}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/survey/{invitation_token(invitation)}/step/1/")
    expect(page.locator("main form")).to_be_visible()
    assert_accessible(page)


def test_the_report_page_has_no_serious_accessibility_violations(page, live_server, db):
    survey = build_answered_survey(title_de="Bedarfsanalyse 2026")
    report, _ = services.report_request(survey=survey, breakdown="kind")
    report.refresh_from_db()
    assert report.status == Report.Status.DONE  # tasks run in-process in tests
    manager = UserFactory(username="managerin", password="a long test password")
    group, _ = Group.objects.get_or_create(name=django_settings.NETWORK_MANAGERS_GROUP)
    manager.groups.add(group)
    url = f"/manage/survey/{survey.slug}/reports/{report.pk}/"
    page.goto(f"{live_server.url}{url}")
    assert_accessible(page)  # the login page
    page.locator("input[name=username]").fill("managerin")
    page.locator("input[name=password]").fill("a long test password")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.locator("svg.report-chart").first).to_be_visible()
    assert_accessible(page)
