"""Known organizations giving known answers to ``build_survey``'s questionnaire, for reports.

Thirteen organizations submit, in three groups, one keeps a draft and one never answers:

=====  ==  ============  =======  ==========  =======  =========================================
group  n   kind          state    legal form  members  answers
=====  ==  ============  =======  ==========  =======  =========================================
A      6   platform_coop Berlin   eg          5        coop, platform yes, people 1..6,
                                                       needs hosting+legal (4) or training (2),
                                                       usefulness 5,5,4,4,3,3, tax 5, capital 4,
                                                       platform users 100..400 (4 of 6)
B      5   cooperative   Bayern   ev          100      association (4) or other (1), no platform,
                                                       people 10..50, needs legal, usefulness
                                                       1,2,2,3,3, tax 1, capital 2
C      2   initiative    Hamburg  (none)      unknown  coop, no platform, people 0 and 7, needs
                                                       training, usefulness 2 and 4, tax 3,
                                                       capital 3
=====  ==  ============  =======  ==========  =======  =========================================

The expected figures (``EXPECTED``) were worked out by hand from this table.
"""

from __future__ import annotations

from survey import services
from survey.models import Survey
from survey.questionnaire import Questionnaire
from tests.factories import InvitationFactory, OrganizationFactory, SectorFactory

from .conftest import build_survey

FORMULA = '=HYPERLINK("http://evil.example","click")'


def answer(invitation, values: dict, *, submit: bool = True) -> None:
    """Save ``values`` page by page through the services, then submit (unless told not to)."""
    questionnaire = Questionnaire.load(invitation.survey)
    for section in questionnaire.sections:
        services.response_save_section(
            invitation=invitation,
            section=section,
            values=questionnaire.section_values(section, values),
            continue_at=None,
            questionnaire=questionnaire,
        )
    if submit:
        services.response_submit(invitation=invitation)


def group_a(i: int) -> dict:
    values = {
        "kind": "coop",
        "platform": "yes",
        "platform-name": f"Plattform {i}",
        "people": i,
        "needs": ["hosting", "legal"] if i <= 4 else ["training"],
        "usefulness": [5, 5, 4, 4, 3, 3][i - 1],
        "obstacles__tax": 5,
        "obstacles__capital": 4,
    }
    if i <= 3:
        values["hosting-detail"] = f"EU-Server {i}"
        values["offer"] = "Hosting"
    if i <= 4:
        values["platform-users"] = 100 * i
    if i == 1:
        values["comment"] = FORMULA
    return values


def group_b(i: int) -> dict:
    values = {
        "kind": "other" if i == 5 else "association",
        "platform": "no",
        "people": 10 * i,
        "needs": ["legal"],
        "usefulness": [1, 2, 2, 3, 3][i - 1],
        "obstacles__tax": 1,
        "obstacles__capital": 2,
    }
    if i == 5:
        values["kind__other"] = "Genossenschaft in Gründung"
    if i <= 2:
        values["offer"] = ["Beratung", "Rechtsberatung"][i - 1]
    return values


def group_c(i: int) -> dict:
    return {
        "kind": "coop",
        "platform": "no",
        "people": [0, 7][i - 1],
        "needs": ["training"],
        "usefulness": [2, 4][i - 1],
        "obstacles__tax": 3,
        "obstacles__capital": 3,
    }


def build_answered_survey(**survey_fields) -> Survey:
    """Build ``build_survey``'s questionnaire with the answers of the table above."""
    survey = build_survey(**survey_fields)
    hosting = SectorFactory(slug="hosting", name_en="Hosting", name_de="Hosting")
    consulting = SectorFactory(slug="consulting", name_en="Consulting", name_de="Beratung")
    groups = (
        (
            "a",
            6,
            group_a,
            {"kind": "platform_coop", "state": "Berlin", "legal_form": "eg", "member_count": 5},
            [hosting],
        ),
        (
            "b",
            5,
            group_b,
            {"kind": "cooperative", "state": "Bayern", "legal_form": "ev", "member_count": 100},
            [consulting],
        ),
        (
            "c",
            2,
            group_c,
            {"kind": "initiative", "state": "Hamburg", "legal_form": "", "member_count": None},
            [],
        ),
    )
    for letter, size, values, attributes, sectors in groups:
        for i in range(1, size + 1):
            organization = OrganizationFactory(name=f"{letter.upper()}{i} eG", **attributes)
            organization.sectors.set(sectors)
            answer(InvitationFactory(survey=survey, organization=organization), values(i))
    draft = OrganizationFactory(name="Draft eG", kind="platform_coop")
    answer(InvitationFactory(survey=survey, organization=draft), group_a(1), submit=False)
    InvitationFactory(survey=survey, organization=OrganizationFactory(name="Silent eG"))
    return survey


EXPECTED = {
    "respondents": 13,
    "invited": 15,
    "kind": {"coop": 8, "association": 4, "other": 1},
    "people": {"n": 13, "mean": 178 / 13, "median": 6.0, "min": 0, "max": 50},
    "people_bins": {"0": 1, "1-9": 7, "10-99": 5},
    "needs": {"hosting": 4, "legal": 9, "training": 4, "other": 0},
    "usefulness": {"values": {1: 1, 2: 3, 3: 4, 4: 3, 5: 2}, "mean": 41 / 13, "median": 3.0},
    "tax": {"mean": 41 / 13, "median": 3.0},
    "capital": {"mean": 40 / 13, "median": 3.0},
}
