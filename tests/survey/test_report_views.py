"""The report pages of the managers' area, through HTTP: who may see them, asking, reading."""

import re

import pytest
from django.urls import reverse

from survey.models import Report
from survey.reporting import services
from tests.factories import UserFactory

from .reporting import build_answered_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(manager_client):
    manager_client.cookies["django_language"] = "en"
    return manager_client


@pytest.fixture
def survey():
    return build_answered_survey(title_en="Needs of the network")


@pytest.fixture
def report(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report, _created = services.report_request(
            survey=survey, breakdown="kind", internal=True, language="en"
        )
    report.refresh_from_db()
    return report


def urls(report) -> dict[str, tuple[str, str]]:
    slug, pk = report.survey.slug, report.pk
    return {
        "overview": ("get", reverse("manage:survey-manage:reports-overview")),
        "list": ("get", reverse("manage:survey-manage:reports", args=[slug])),
        "request": ("post", reverse("manage:survey-manage:reports", args=[slug])),
        "detail": ("get", reverse("manage:survey-manage:report", args=[slug, pk])),
        "status": ("get", reverse("manage:survey-manage:report-status", args=[slug, pk])),
        "download": (
            "get",
            reverse("manage:survey-manage:report-download", args=[slug, pk, "xlsx"]),
        ),
        "compare": (
            "get",
            reverse("manage:survey-manage:report-compare", args=[slug, pk]) + f"?with={pk}",
        ),
        "retry": ("post", reverse("manage:survey-manage:report-retry", args=[slug, pk])),
    }


PAGES = ["overview", "list", "request", "detail", "status", "download", "compare", "retry"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, report, name):
    method, url = urls(report)[name]

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_users_who_are_not_managers_are_refused(client, report, name):
    client.force_login(UserFactory(username="member"))
    method, url = urls(report)[name]

    assert getattr(client, method)(url).status_code == 403


@pytest.mark.parametrize("name", ["overview", "list", "detail", "status", "download", "compare"])
def test_managers_see_every_report_page(manager_client, report, name):
    _method, url = urls(report)[name]

    # A report compared with itself is sent back to its page with a message.
    assert manager_client.get(url).status_code == (302 if name == "compare" else 200)


def test_the_survey_pages_link_to_the_reports(manager_client, survey):
    response = manager_client.get(reverse("manage:survey-manage:detail", args=[survey.slug]))

    assert reverse("manage:survey-manage:reports-overview") in response.content.decode()
    assert reverse("manage:survey-manage:reports", args=[survey.slug]) in response.content.decode()


def test_a_manager_asks_for_a_report_and_is_taken_to_it(
    manager_client, manager, survey, django_capture_on_commit_callbacks
):
    url = reverse("manage:survey-manage:reports", args=[survey.slug])
    data = {"breakdown": "state", "state": ["Berlin", "Bayern"], "formats": ["csv", "pdf"]}

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, data, follow=True)

    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == report.get_absolute_url()
    assert (report.breakdown, report.filters) == ("state", {"state": ["Bayern", "Berlin"]})
    assert (report.formats, report.requested_by, report.language) == (["csv", "pdf"], manager, "en")
    assert report.status == Report.Status.DONE
    assert "The report is being built." in response.content.decode()


def test_asking_twice_for_a_running_report_shows_the_running_one(manager_client, survey):
    url = reverse("manage:survey-manage:reports", args=[survey.slug])
    data = {"breakdown": "kind", "formats": ["csv"]}

    first = manager_client.post(url, data)  # no commit callbacks run: it stays queued
    second = manager_client.post(url, data, follow=True)

    assert Report.objects.count() == 1
    assert second.redirect_chain[-1][0] == first.url
    assert "already being built" in second.content.decode()


def test_a_report_without_any_format_is_refused(manager_client, survey):
    url = reverse("manage:survey-manage:reports", args=[survey.slug])

    response = manager_client.post(url, {"breakdown": "kind"})

    assert response.status_code == 200
    assert "Choose at least one file format." in response.content.decode()
    assert not Report.objects.exists()


def test_a_report_being_built_shows_its_progress_and_refreshes_without_javascript(
    manager_client, survey
):
    report, _created = services.report_request(survey=survey, language="en")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=42)

    page = manager_client.get(report.get_absolute_url()).content.decode()
    status = manager_client.get(
        reverse("manage:survey-manage:report-status", args=[survey.slug, report.pk])
    ).json()

    assert re.search(r'<progress[^>]*value="42"', page)
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "js/report-progress.js" in page
    assert status == {
        "status": "running",
        "label": "Running",
        "progress": 42,
        "url": report.get_absolute_url(),
        "error": "",
    }


def test_a_failed_report_can_be_asked_for_again(manager_client, survey):
    report, _created = services.report_request(survey=survey, language="en")
    Report.objects.filter(pk=report.pk).update(status="failed", error="Stuck: no worker")

    page = manager_client.get(report.get_absolute_url()).content.decode()
    response = manager_client.post(
        reverse("manage:survey-manage:report-retry", args=[survey.slug, report.pk])
    )

    assert "Stuck: no worker" in page
    again = Report.objects.exclude(pk=report.pk).get()
    assert response.url == again.get_absolute_url()
    assert again.status == Report.Status.QUEUED


def test_the_report_page_shows_charts_tables_and_downloads(
    manager_client, report, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = manager_client.get(report.get_absolute_url())
    page = response.content.decode()

    # Every question but the 4 text ones and the one answered by 4 (withheld, and said so).
    assert page.count('<svg class="report-chart"') == 6
    assert "Figures withheld: too few organizations answered this question." in page
    assert "<title id=" in page
    assert "Platform co-op" in page
    assert "As exported: small figures hidden" in page
    assert "&lt; 5" not in page
    assert "Withheld groups (fewer than 5 respondents): Initiative (2)" in page
    assert "— withheld: fewer than 5 organizations answered" in page
    for kind in ("csv", "answers_csv", "xlsx", "pdf", "json"):
        assert f'data-file="{kind}"' in page
    assert "Written answers" in page
    assert "Genossenschaft in Gründung" in page


def test_the_exact_figures_are_one_click_away(manager_client, report):
    shown = manager_client.get(report.get_absolute_url()).content.decode()
    exact = manager_client.get(report.get_absolute_url() + "?exact=1").content.decode()

    coop = re.compile(r"<th scope=\"row\">Association</th>\s*((?:<td[^>]*>[^<]*</td>\s*){8})")
    assert "—" in coop.search(shown).group(1)
    assert "—" not in coop.search(exact).group(1)
    assert "Exact figures: for the network managers only" in exact


def test_svg_coordinates_are_not_localized(manager_client, report):
    manager_client.cookies["django_language"] = "de"

    page = manager_client.get(report.get_absolute_url()).content.decode()

    widths = re.findall(r'<rect x="[^"]*" y="[^"]*" width="([^"]*)"', page)
    assert widths
    assert not any("," in width for width in widths)


def test_a_download_is_the_file_itself(manager_client, report):
    response = manager_client.get(
        reverse("manage:survey-manage:report-download", args=[report.survey.slug, report.pk, "csv"])
    )

    body = b"".join(response.streaming_content)
    assert response["Content-Disposition"].startswith("attachment")
    assert body.startswith(b"\xef\xbb\xbfsection,question,")


def test_downloads_of_reports_not_done_are_not_found(manager_client, survey):
    report, _created = services.report_request(survey=survey, language="en")

    response = manager_client.get(
        reverse("manage:survey-manage:report-download", args=[survey.slug, report.pk, "csv"])
    )

    assert response.status_code == 404


def test_comparing_two_snapshots_shows_both_figures_and_the_difference(
    manager_client, report, django_capture_on_commit_callbacks
):
    from tests.factories import InvitationFactory, OrganizationFactory

    from .reporting import answer, group_b

    answer(
        InvitationFactory(survey=report.survey, organization=OrganizationFactory(name="Late eG")),
        group_b(2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        newer, _created = services.report_request(
            survey=report.survey, breakdown="kind", internal=True, language="en"
        )

    page = manager_client.get(
        reverse("manage:survey-manage:report-compare", args=[report.survey.slug, newer.pk])
        + f"?with={report.pk}&exact=1"
    ).content.decode()

    assert re.search(r'data-respondents="now">14<', page)
    assert re.search(r'data-respondents="earlier">13<', page)
    association = re.search(r"<th scope=\"row\">Association</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">([^<]+)</td>", association)[:3] == ["5", "4", "+1"]


def test_only_earlier_reports_are_offered_and_later_or_other_surveys_refused(
    manager_client, report, django_capture_on_commit_callbacks
):
    from tests.factories import InvitationFactory

    from .conftest import build_survey
    from .reporting import answer, group_a

    with django_capture_on_commit_callbacks(execute=True):
        newer, _created = services.report_request(
            survey=report.survey, breakdown="", internal=True, language="en"
        )
    newer.refresh_from_db()
    other = build_survey(slug="andere", title_en="Another survey")
    answer(InvitationFactory(survey=other), group_a(1))
    with django_capture_on_commit_callbacks(execute=True):
        foreign, _created = services.report_request(survey=other, internal=True, language="en")

    older_page = manager_client.get(report.get_absolute_url()).content.decode()
    assert f'<option value="{newer.pk}"' not in older_page  # a later one is not "earlier"
    newer_page = manager_client.get(newer.get_absolute_url()).content.decode()
    assert f'<option value="{report.pk}"' in newer_page

    compare = reverse("manage:survey-manage:report-compare", args=[report.survey.slug, report.pk])
    later = manager_client.get(compare + f"?with={newer.pk}", follow=True).content.decode()
    assert "was built after this one" in later
    compare = reverse("manage:survey-manage:report-compare", args=[report.survey.slug, newer.pk])
    foreign_page = manager_client.get(compare + f"?with={foreign.pk}", follow=True)
    assert "is of another survey" in foreign_page.content.decode()

    page = manager_client.get(compare + f"?with={report.pk}").content.decode()
    assert "Submitted responses: 13 now, 13 earlier (+0)." in page
    assert "0 organizations submitted or changed their answers in between." in page
    assert "Exact figures: for the network managers only." in page  # exact by default


def test_a_report_asked_in_english_reads_in_german_for_a_german_manager(manager_client, report):
    from survey.models import Question

    kind = Question.objects.get(section__survey=report.survey, code="kind")
    assert report.language == "en"

    english = manager_client.get(report.get_absolute_url()).content.decode()
    manager_client.cookies["django_language"] = "de"
    german = manager_client.get(report.get_absolute_url()).content.decode()

    assert kind.text_en in english
    assert kind.text_de not in english
    assert kind.text_de in german
    assert kind.text_en not in german
    assert "Plattform-Genossenschaft" in german  # the group's label
    assert "Alle Organisationen" in german
    assert "All organizations" not in german
