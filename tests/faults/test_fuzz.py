"""Property-based tests: arbitrary values in every public form and query parameter, the survey
pages and the managers' views never give a 500 or a traceback in the log (item 4).

They run on the embedded default (SQLite) and stay quick: a bounded number of examples
per test (``HYPOTHESIS_MAX_EXAMPLES``, 30 by default, the same ones every run) and no
deadline, since the machine may be busy. The test client raises a view's exception, so a
500 fails with the falsifying example printed.
"""

from __future__ import annotations

import logging
import os

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from directory import tokens as directory_tokens
from directory.models import Organization
from survey.reporting import services as report_services
from survey.tokens import invitation_token
from tests.directory.signup_support import form_token, signup_data
from tests.factories import InvitationFactory, OrganizationFactory, SectorFactory
from tests.survey.conftest import PAGE_ANSWERS, build_survey
from tests.survey.reporting import build_answered_survey

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    # The same examples on every run, so that CI is reproducible; raise
    # HYPOTHESIS_MAX_EXAMPLES locally to search further.
    derandomize=True,
    # A failure is reported as found, not shrunk: each example costs requests.
    phases=[Phase.explicit, Phase.generate],
    database=None,  # writes no .hypothesis/ directory
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Values ---------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "9" * 40,
    "-" + "9" * 40,
    "1e308",
    "-1.79e308",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "NULL",
    "' OR 1=1 --",
    '"; DROP TABLE directory_organization; --',
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "a\x00b",
    "ä" * 3000,
    " ".join(["genossenschaft"] * 300),
    "energie & | ! ( ) : * <-> ''",
    "5,47,15,55",
    "-180,-90,180,90",
    "1e308,-90,-1e308,90",
    "1,2,3",
    "%",
    "_",
    "\\",
    "../../etc/passwd",
    "🙂",
    "\u202e",
]

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
value = st.one_of(
    st.sampled_from(NASTY),
    text,
    st.integers().map(str),
    st.integers(min_value=2**63 - 2, max_value=10**30).map(str),  # past any database integer
    st.floats().map(repr),
)
values = st.one_of(value, st.lists(value, max_size=5))


def params(names: list[str]) -> st.SearchStrategy[dict]:
    """A query or form: any of ``names`` (and a stray name), each with an arbitrary value.

    Every field is cleaned on its own, so a form's fields are all tried in each example.
    """
    every = dict.fromkeys([*names, "x"], values)
    return st.one_of(st.fixed_dictionaries(every), st.fixed_dictionaries({}, optional=every))


# --- Checking ---------------------------------------------------------------------------------


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


@pytest.fixture
def tracebacks():
    """Collect log records with a traceback (or at ERROR); the test fails if there are any."""
    handler = _Tracebacks()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
    assert not handler.records, [record.getMessage() for record in handler.records]


def check(response) -> None:
    assert response.status_code < 500, response.status_code


@pytest.fixture
def published(db):
    sector = SectorFactory(slug="energie")
    organization = OrganizationFactory(name="Bürgerenergie Berlin eG", state="Berlin")
    organization.sectors.add(sector)
    return organization


# --- Public pages and parameters ----------------------------------------------------------

DIRECTORY_PARAMS = ["q", "kind", "sector", "legal_form", "state", "country", "near", "km"]
PUBLIC_GETS = {
    "/": [*DIRECTORY_PARAMS, "bbox", "zoom"],
    "/directory/": [*DIRECTORY_PARAMS, "sort", "page"],
    "/directory/export.csv": DIRECTORY_PARAMS,
    "/directory/export.geojson": DIRECTORY_PARAMS,
    "/api/map/": [*DIRECTORY_PARAMS, "bbox", "zoom"],
    "/api/postal-code/": ["postal_code", "country", "code"],
    "/survey/needs-by-state/": ["survey", "category"],
    "/survey/needs-by-state.json": ["survey", "category"],
}


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_public_query_parameters(client, published, tracebacks, path):
    fuzz_get(client, path, PUBLIC_GETS[path])


@FUZZ
@given(slug=text, token=text)
def test_public_paths_with_arbitrary_slugs_and_tokens(client, published, tracebacks, slug, token):
    slug = slug.replace("/", "") or "x"
    token = token.replace("/", "") or "x"
    for path in [
        f"/directory/{slug}/",
        f"/directory/{published.slug}/self-service/{token}/",
        f"/signup/confirm/{token}/",
        f"/survey/{token}/",
        f"/survey/{token}/step/1/",
    ]:
        check(client.get(path))


SIGNUP_FIELDS = [*signup_data(), "sectors", "state", "different_organization"]


@FUZZ
@given(data=params(SIGNUP_FIELDS), keep_valid=st.booleans(), bot=st.booleans())
def test_the_signup_form(client, published, tracebacks, settings, data, keep_valid, bot):
    settings.SIGNUP_MIN_FILL_SECONDS = 0
    settings.SIGNUP_RATE_LIMIT = 10**6
    if keep_valid:  # arbitrary values among valid ones reach deeper
        data = {**signup_data(form_token=form_token()), **data}
    if not bot:  # a filled honeypot stops at the door
        data["homepage"] = ""
    check(client.post("/signup/", data))


@FUZZ
@given(data=params(["email"]))
def test_the_edit_link_form(client, published, tracebacks, data):
    check(client.post(reverse("directory:edit-link", args=[published.slug]), data))


@FUZZ
@given(data=params([*signup_data(), "sectors", "state"]), keep_valid=st.booleans())
def test_the_self_service_edit_form(client, published, tracebacks, data, keep_valid):
    token = directory_tokens.self_service_token(published)
    url = f"/directory/{published.slug}/self-service/{token}/edit/"
    if keep_valid:
        data = {**signup_data(), **data}
    check(client.post(url, data))


@FUZZ
@given(data=params(["action", "token"]))
def test_the_signup_confirmation(client, published, tracebacks, data):
    organization = OrganizationFactory(status=Organization.Status.UNCONFIRMED)
    token = directory_tokens.confirmation_token(organization)
    check(client.post(f"/signup/confirm/{token}/", data))


# --- The survey pages -----------------------------------------------------------------------

SURVEY_FIELDS = [name for page in PAGE_ANSWERS.values() for name in page]


@pytest.fixture
def invitation(db):
    return InvitationFactory(survey=build_survey())


@FUZZ
@given(
    step=st.one_of(st.integers(min_value=0, max_value=6), st.just(10**20)),
    data=params([*SURVEY_FIELDS, "action", "language"]),
    keep_valid=st.booleans(),
)
def test_the_survey_pages(client, invitation, tracebacks, step, data, keep_valid):
    token = invitation_token(invitation)
    if keep_valid:
        data = {**PAGE_ANSWERS.get(step, {}), **data}
    check(client.get(f"/survey/{token}/step/{step}/"))
    check(client.post(f"/survey/{token}/step/{step}/", data))
    check(client.post(f"/survey/{token}/review/", data))
    check(client.get(f"/survey/{token}/"))


# --- The managers' views --------------------------------------------------------------------


@pytest.fixture
def manager_world(db, manager, django_capture_on_commit_callbacks):
    """A pending entry, an answered survey and a done report for the manager to look at."""
    pending = OrganizationFactory(status=Organization.Status.PENDING)
    survey = build_answered_survey()
    with django_capture_on_commit_callbacks(execute=True):
        report, _created = report_services.report_request(
            survey=survey, breakdown="kind", language="en", formats=["csv"]
        )
    invitation = survey.invitations.first()
    return {"pending": pending, "survey": survey, "report": report, "invitation": invitation}


def manager_gets(world) -> dict[str, list[str]]:
    slug, report = world["survey"].slug, world["report"]
    return {
        "/manage/": ["page"],
        reverse("manage:directory-manage:queue"): ["page", "status", "q"],
        reverse("manage:directory-manage:review", args=[world["pending"].pk]): ["page"],
        reverse("manage:directory-manage:imports"): ["page"],
        reverse("manage:survey-manage:list"): ["page"],
        reverse("manage:survey-manage:detail", args=[slug]): ["participation", "page", "q"],
        reverse("manage:survey-manage:response", args=[slug, world["invitation"].pk]): [],
        reverse("manage:survey-manage:reports-overview"): ["page"],
        reverse("manage:survey-manage:reports", args=[slug]): ["page"],
        reverse("manage:survey-manage:report", args=[slug, report.pk]): ["exact", "page"],
        reverse("manage:survey-manage:report-status", args=[slug, report.pk]): [],
        reverse("manage:survey-manage:report-compare", args=[slug, report.pk]): [
            "with",
            "exact",
        ],
    }


def test_the_managers_pages_with_arbitrary_query_parameters(
    manager_client, manager_world, tracebacks
):
    for path, names in manager_gets(manager_world).items():
        fuzz_get(manager_client, path, names)


def fuzz_get(client, path: str, names: list[str]) -> None:
    @FUZZ
    @given(query=params(names))
    def run(query):
        check(client.get(path, query))

    run()


@FUZZ
@given(
    reject=params(["reason"]),
    place=params(["latitude", "longitude"]),
    report=params(["breakdown", "formats", "internal", "language", "kind", "state"]),
)
def test_the_managers_forms(manager_client, manager_world, tracebacks, reject, place, report):
    pending, slug = manager_world["pending"], manager_world["survey"].slug
    check(manager_client.post(reverse("manage:directory-manage:place", args=[pending.pk]), place))
    check(manager_client.post(reverse("manage:survey-manage:reports", args=[slug]), report))
    check(manager_client.post(reverse("manage:directory-manage:reject", args=[pending.pk]), reject))


def test_visitors_get_no_managers_page_whatever_they_send(manager_world, tracebacks):
    visitor = Client()

    @FUZZ
    @given(query=params(["page", "with", "exact"]))
    def run(query):
        for path in manager_gets(manager_world):
            response = visitor.get(path, query)
            assert response.status_code in (302, 403, 404), (path, response.status_code)

    run()
