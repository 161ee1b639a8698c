"""The needs analysis in Chromium: a manager invites, an organization answers in two sittings."""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from survey import services
from survey.models import Response
from tests.factories import OrganizationFactory, UserFactory

LINK = re.compile(r"https?://\S+/survey/\S+/")


@pytest.fixture(autouse=True)
def _links_to_the_live_server(settings, live_server):
    """Let e-mailed links point at the live server (tasks run in-process: tests/conftest.py)."""
    settings.SITE_URL = live_server.url


def log_in_as_manager(page, live_server) -> None:
    manager = UserFactory(username="managerin", password="a long test password")
    group, _ = Group.objects.get_or_create(name=django_settings.NETWORK_MANAGERS_GROUP)
    manager.groups.add(group)
    page.goto(f"{live_server.url}/manage/survey/bedarfsanalyse/")
    page.locator("input[name=username]").fill("managerin")
    page.locator("input[name=password]").fill("a long test password")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/manage/survey/bedarfsanalyse/$"))


def expect_counts(page, *, invited: int, started: int, submitted: int) -> None:
    expect(page.locator('[data-count="invited"]')).to_have_text(str(invited))
    expect(page.locator('[data-count="started"]')).to_have_text(str(started))
    expect(page.locator('[data-count="submitted"]')).to_have_text(str(submitted))


def choose(page, name: str, *values: str) -> None:
    for value in values:
        page.locator(f'input[name="{name}"][value="{value}"]').check()


def next_page(page, step: int) -> None:
    page.locator(".survey-actions button[value=next]").click()
    expect(page).to_have_url(re.compile(rf"/step/{step}/$|/review/$"))


def question(page, code: str):
    return page.locator(f'.survey-question[data-question="{code}"]')


def test_an_organization_answers_the_needs_analysis_in_two_sittings(
    page, live_server, transactional_db, browser
):
    services.survey_load_demo()
    OrganizationFactory(name="Beispiel eG", contact_email="vorstand@beispiel.example.org")

    # A network manager invites every organization with the button.
    log_in_as_manager(page, live_server)
    expect_counts(page, invited=0, started=0, submitted=0)
    page.locator("form[data-action=invite-all] button").click()
    expect_counts(page, invited=1, started=0, submitted=0)
    expect(
        page.locator('[data-organization="beispiel-eg"] [data-participation]')
    ).to_have_attribute("data-participation", "invited")

    # The organization opens the link from its e-mail and answers the first two pages.
    [message] = mail.outbox
    assert message.to == ["vorstand@beispiel.example.org"]
    link = LINK.search(message.body).group(0)
    assert link.startswith(live_server.url)

    first_sitting = browser.new_context(locale="de-DE").new_page()
    first_sitting.goto(link)
    expect(first_sitting.locator("h1")).to_contain_text("Bedarfsanalyse")
    first_sitting.locator("main a.button").click()
    expect(first_sitting.locator("progress")).to_have_attribute("value", "1")
    choose(first_sitting, "org-stage", "established")
    first_sitting.locator("input[name=org-people]").fill("25")
    expect(question(first_sitting, "org-platform-kind")).to_be_hidden()
    choose(first_sitting, "org-platform", "yes")
    expect(question(first_sitting, "org-platform-kind")).to_be_visible()
    choose(first_sitting, "org-platform-kind", "software")
    next_page(first_sitting, 2)

    choose(first_sitting, "knowledge-topics", "governance", "technology")
    choose(first_sitting, "knowledge-exchange-value", "5")
    first_sitting.locator(".survey-actions button[value=save]").click()
    expect(first_sitting.locator(".message-success")).to_be_visible()
    first_sitting.context.close()

    # Days later, someone opens the same link again and finds the answers.
    second_sitting = browser.new_context(locale="de-DE").new_page()
    second_sitting.goto(link)
    second_sitting.locator("main a.button").click()
    expect(second_sitting).to_have_url(re.compile(r"/step/2/$"))
    expect(
        second_sitting.locator('input[name="knowledge-topics"][value="governance"]')
    ).to_be_checked()
    expect(
        second_sitting.locator('input[name="knowledge-exchange-value"][value="5"]')
    ).to_be_checked()
    second_sitting.locator(".survey-actions button[value=back]").click()
    expect(second_sitting.locator('input[name="org-people"]')).to_have_value("25")
    next_page(second_sitting, 2)
    next_page(second_sitting, 3)

    choose(second_sitting, "framework-legal-form", "eg")
    choose(second_sitting, "framework-eg-fit", "4")
    for item in ["founding", "audit", "capital", "tax", "funding", "procurement"]:
        choose(second_sitting, f"framework-obstacles__{item}", "3")
    expect(question(second_sitting, "framework-funding-experience")).to_be_hidden()
    choose(second_sitting, "framework-financing", "shares", "public-funding")
    second_sitting.locator("textarea[name=framework-funding-experience]").fill(
        "Passte kaum zu einer Genossenschaft."
    )
    next_page(second_sitting, 4)

    choose(second_sitting, "experiment-interest", "4")
    # Asked only because page 1 said the organization runs a platform.
    choose(second_sitting, "infrastructure-platform-base", "own-open-source")
    choose(second_sitting, "infrastructure-eu-importance", "5")
    next_page(second_sitting, 5)

    choose(second_sitting, "visibility-rating", "3")
    choose(second_sitting, "advocacy-topics", "cooperative-law", "digital-sovereignty")
    choose(second_sitting, "market-reach", "europe")
    next_page(second_sitting, 6)

    choose(second_sitting, "training-need", "no")
    expect(question(second_sitting, "training-topics")).to_be_hidden()
    choose(second_sitting, "training-degree", "5")
    next_page(second_sitting, 7)

    choose(second_sitting, "needs-areas", "hosting", "training")
    choose(second_sitting, "needs-priority", "training")
    choose(second_sitting, "offers-areas", "hosting")
    second_sitting.locator("textarea[name=offers-details]").fill("Server in Hamburg teilen.")
    # Forgetting a required question is caught with a message at that question.
    second_sitting.locator(".survey-actions button[value=next]").click()
    expect(question(second_sitting, "matching-consent").locator(".errorlist")).to_be_visible()
    choose(second_sitting, "matching-consent", "yes")
    next_page(second_sitting, 8)

    # The review lists the answers; submit.
    review = second_sitting.locator("main")
    expect(review).to_contain_text("Server in Hamburg teilen.")
    expect(review).to_contain_text("Passte kaum zu einer Genossenschaft.")
    expect(second_sitting.locator(".survey-missing")).to_have_count(0)
    second_sitting.locator(".survey-submit button").click()
    expect(second_sitting.locator(".message-success")).to_be_visible()
    second_sitting.context.close()
    assert Response.objects.get().status == Response.Status.SUBMITTED

    # Opening the link again shows the submitted answers, never a blank questionnaire.
    afterwards = browser.new_context(locale="de-DE").new_page()
    afterwards.goto(link)
    expect(afterwards.locator("main")).to_contain_text("Server in Hamburg teilen.")
    expect(afterwards.locator("form.survey-form")).to_have_count(0)
    change = afterwards.locator("main a.button[href$='/step/1/']")
    expect(change).to_be_visible()
    change.click()
    expect(afterwards.locator('input[name="org-people"]')).to_have_value("25")
    afterwards.context.close()

    # The manager sees the response rate change.
    page.reload()
    expect_counts(page, invited=1, started=1, submitted=1)
    expect(
        page.locator('[data-organization="beispiel-eg"] [data-participation]')
    ).to_have_attribute("data-participation", "submitted")
