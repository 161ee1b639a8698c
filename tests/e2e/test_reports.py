"""Reports in Chromium: a manager asks for one, watches it build, reads charts, downloads."""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from openpyxl import load_workbook
from playwright.sync_api import expect

from coopmap.celery import app
from survey.models import Report
from survey.reporting import services
from survey.tasks import build_report
from tests.factories import UserFactory
from tests.survey.reporting import build_answered_survey


@pytest.fixture
def broker_without_worker():
    """Send tasks to an in-memory broker that no worker reads: the test plays the worker.

    (The autouse fixture in tests/conftest.py restores eager tasks and the broker after.)
    """
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    app._pool = None


def log_in_as_manager(page, live_server, url: str) -> None:
    manager = UserFactory(username="managerin", password="a long test password")
    group, _ = Group.objects.get_or_create(name=django_settings.NETWORK_MANAGERS_GROUP)
    manager.groups.add(group)
    page.goto(f"{live_server.url}{url}")
    page.locator("input[name=username]").fill("managerin")
    page.locator("input[name=password]").fill("a long test password")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


def test_a_manager_asks_for_a_report_watches_it_and_downloads_the_workbook(
    page, live_server, transactional_db, broker_without_worker, tmp_path
):
    survey = build_answered_survey(title_de="Bedarfsanalyse 2026")
    # Page timers run on a fake clock, so the test decides when the progress page polls.
    page.clock.install()
    log_in_as_manager(page, live_server, f"/manage/survey/{survey.slug}/reports/")

    page.locator("select[name=breakdown]").select_option("kind")
    page.locator("main form.report-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    bar = page.locator("[data-progress-bar]")
    expect(bar).to_have_attribute("value", "0")
    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED

    # A worker builds the report; halfway through, the page polls and shows how far it is.
    seen_on_page = []

    def look_halfway(_report_id: int, percent: int) -> None:
        if seen_on_page or percent < 30:
            return
        page.clock.run_for(1500)
        expect(page.locator("[data-progress-text]")).to_contain_text(f"{percent} %")
        expect(bar).to_have_attribute("value", str(percent))
        seen_on_page.append(percent)

    token = services.report_progress_listeners.set((look_halfway,))
    try:
        build_report.apply(args=[report.pk])
    finally:
        services.report_progress_listeners.reset(token)
    assert seen_on_page

    # Once done, the next poll takes the page to the report and its charts.
    page.clock.run_for(1500)
    expect(page.locator("h1")).to_contain_text("Bedarfsanalyse 2026")
    expect(page.locator("svg.report-chart").first).to_be_visible()
    expect(page.locator(".report-question")).to_have_count(11)
    expect(page.locator('.report-question[data-question="kind"] table')).to_contain_text("8")

    with page.expect_download() as download_info:
        page.locator('[data-file="xlsx"]').click()
    download = download_info.value
    assert download.suggested_filename == f"{survey.slug}-report-{report.pk}-kind.xlsx"
    download.save_as(tmp_path / download.suggested_filename)
    workbook = load_workbook(tmp_path / download.suggested_filename)
    assert len(workbook.sheetnames) == 1 + 4  # the summary and one sheet per section
