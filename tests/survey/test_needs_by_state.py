"""The public figures of needs per federal state: aggregated, small cells hidden."""

import pytest
from django.urls import reverse

from survey.models import Survey
from tests.factories import InvitationFactory, OrganizationFactory

from .reporting import answer, build_answered_survey, group_b

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    survey = build_answered_survey()
    # Two more in Bavaria who need legal help, so Bavaria has 7 respondents.
    for i in (1, 2):
        organization = OrganizationFactory(name=f"Bayern {i} eG", state="Bayern")
        answer(InvitationFactory(survey=survey, organization=organization), group_b(i))
    return survey


def by_state(data, code):
    return {
        row["state"]: (row["respondents"], row["needs"][code]["count"]) for row in data["states"]
    }


def test_anyone_gets_the_counts_per_state_with_small_cells_hidden(client, survey):
    response = client.get(reverse("survey:needs-by-state-json"), {"category": "legal"})
    data = response.json()

    assert response.status_code == 200
    assert data["categories"] == [{"code": "legal", "label": "Answer legal"}]  # English visitor
    states = by_state(data, "legal")
    # Berlin: 6 answered, 4 need legal help; Bayern 7 of 7; Hamburg 2 (withheld).
    assert states["Bayern"] == (7, 7)
    assert states["Hamburg"] == (2, None)
    # 15 = 6 + 7 + 2: Berlin's needs are withheld too, or Hamburg's could be worked out.
    assert states["Berlin"] == (6, None)
    assert [row["withheld"] for row in data["states"] if row["state"] == "Berlin"] == [True]
    assert states["Sachsen"] == (0, 0)
    assert (data["total"]["respondents"], data["total"]["needs"]["legal"]["count"]) == (15, 11)
    assert data["min_cell"] == 5


def test_without_a_category_every_category_is_counted(client, survey):
    data = client.get(reverse("survey:needs-by-state-json")).json()

    assert [c["code"] for c in data["categories"]] == ["hosting", "legal", "training"]
    assert set(data["total"]["needs"]) == {"hosting", "legal", "training"}


def test_the_public_figures_name_no_organization(client, survey):
    body = client.get(reverse("survey:needs-by-state-json")).content.decode()

    assert "eG" not in body
    assert "EU-Server" not in body


def test_an_unknown_category_is_refused(client, survey):
    response = client.get(reverse("survey:needs-by-state-json"), {"category": "nope"})

    assert response.status_code == 400


def test_a_draft_survey_shows_nothing(client, survey):
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT)

    assert client.get(reverse("survey:needs-by-state-json")).status_code == 404
    assert client.get(reverse("survey:needs-by-state")).status_code == 404


def test_the_page_shows_a_table_per_state(client, survey, django_assert_max_num_queries):
    client.cookies["django_language"] = "en"

    with django_assert_max_num_queries(8):
        response = client.get(reverse("survey:needs-by-state"), {"category": "legal"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "Baden-Württemberg" in page
    assert "Abroad or not stated" in page
    assert '<meter min="0" max="1" value="1.0"' in page  # Bayern: 7 of 7
    assert "&lt; 5" not in page
    assert "—" in page
