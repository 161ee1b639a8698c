"""Validation of every question type, of "other, please specify", limits and conditions."""

import pytest
from django.utils import translation

from survey.forms import section_form_class
from survey.questionnaire import Questionnaire

pytestmark = pytest.mark.django_db

VALID_BASICS = {"kind": "coop", "platform": "no", "people": "12"}
VALID_NEEDS = {
    "needs": ["legal"],
    "usefulness": "4",
    "obstacles__tax": "5",
    "obstacles__capital": "1",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def page_form(survey, code, data, *, stored=None, enforce_required=True):
    questionnaire = Questionnaire.load(survey)
    section = next(section for section in questionnaire.sections if section.code == code)
    form_class = section_form_class(questionnaire, section)
    return form_class(data, stored_values=stored or {}, enforce_required=enforce_required)


def errors_of(form) -> dict[str, list[str]]:
    assert not form.is_valid()
    return {name: list(errors) for name, errors in form.errors.items()}


def test_complete_pages_are_valid(survey):
    assert page_form(survey, "basics", VALID_BASICS).is_valid()
    assert page_form(survey, "needs", VALID_NEEDS).is_valid()


# --- Single choice and "other, please specify" ------------------------------------------------


def test_required_single_choice_needs_an_answer(survey):
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "kind": ""}))
    assert errors == {"kind": ["Please answer this question."]}


def test_single_choice_accepts_only_its_options(survey):
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "kind": "gmbh"}))
    assert "Select a valid choice" in errors["kind"][0]


def test_choosing_other_requires_saying_what(survey):
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "kind": "other"}))
    assert errors == {"kind__other": ["You chose “Other”: please say what you mean."]}

    form = page_form(
        survey, "basics", {**VALID_BASICS, "kind": "other", "kind__other": " Stiftung "}
    )
    assert form.is_valid()
    assert form.cleaned_data["kind__other"] == "Stiftung"


def test_other_text_without_choosing_other_is_dropped(survey):
    form = page_form(survey, "basics", {**VALID_BASICS, "kind__other": "Stiftung"})
    assert form.is_valid()
    assert form.cleaned_data["kind__other"] == ""


# --- Yes/no and conditions on the same page ---------------------------------------------------


def test_required_yes_no_needs_an_answer_and_only_yes_or_no(survey):
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "platform": ""}))
    assert errors == {"platform": ["Please answer this question."]}
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "platform": "maybe"}))
    assert "Select a valid choice" in errors["platform"][0]


def test_question_asked_only_after_yes_is_required_only_then(survey):
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "platform": "yes"}))
    assert errors == {"platform-name": ["Please answer this question."]}
    assert page_form(
        survey, "basics", {**VALID_BASICS, "platform": "yes", "platform-name": "Fair"}
    ).is_valid()


def test_answer_to_a_question_not_asked_is_discarded(survey):
    form = page_form(survey, "basics", {**VALID_BASICS, "platform": "no", "platform-name": "Fair"})
    assert form.is_valid()
    assert form.cleaned_data["platform-name"] == ""


def test_condition_on_an_option_of_a_multiple_choice(survey):
    form = page_form(survey, "needs", {**VALID_NEEDS, "hosting-detail": "EU servers"})
    assert form.is_valid()
    assert form.cleaned_data["hosting-detail"] == ""
    form = page_form(
        survey,
        "needs",
        {**VALID_NEEDS, "needs": ["hosting"], "hosting-detail": "EU servers"},
    )
    assert form.is_valid()
    assert form.cleaned_data["hosting-detail"] == "EU servers"


def test_invalid_answer_to_a_question_not_asked_is_no_error(survey):
    # platform-users (number >= 1) is asked only if the platform question, on page 1, says yes.
    form = page_form(survey, "platform", {"platform-users": "-5"}, stored={"platform": "no"})
    assert form.is_valid()
    assert form.cleaned_data["platform-users"] is None


def test_condition_on_an_earlier_page_uses_the_stored_answers(survey):
    form = page_form(survey, "platform", {"platform-users": "0"}, stored={"platform": "yes"})
    assert "greater than or equal to 1" in errors_of(form)["platform-users"][0]
    asked = page_form(survey, "platform", {}, stored={"platform": "yes"})
    assert [block.question.code for block in asked.blocks()] == ["platform-users"]
    not_asked = page_form(survey, "platform", {}, stored={"platform": "no"})
    assert not_asked.blocks() == []


def test_condition_answered_at_all(survey):
    form = page_form(survey, "final", {"offer": "Workshops"}, stored={})
    assert form.is_valid()
    assert form.cleaned_data["offer"] == ""
    form = page_form(survey, "final", {"offer": "Workshops"}, stored={"needs": ["legal"]})
    assert form.is_valid()
    assert form.cleaned_data["offer"] == "Workshops"


# --- Numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Please answer this question."),
        ("twelve", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("1001", "Ensure this value is less than or equal to 1000."),
    ],
)
def test_number_must_be_a_whole_number_within_bounds(survey, value, message):
    errors = errors_of(page_form(survey, "basics", {**VALID_BASICS, "people": value}))
    assert errors == {"people": [message]}


@pytest.mark.parametrize("value", ["0", "1000", " 7 "])
def test_number_bounds_are_inclusive(survey, value):
    form = page_form(survey, "basics", {**VALID_BASICS, "people": value})
    assert form.is_valid()
    assert form.cleaned_data["people"] == int(value)


# --- Multiple choice --------------------------------------------------------------------------


def test_required_multiple_choice_needs_one_option(survey):
    errors = errors_of(page_form(survey, "needs", {**VALID_NEEDS, "needs": []}))
    assert errors == {"needs": ["Please answer this question."]}


def test_multiple_choice_limits_the_number_of_options(survey):
    data = {**VALID_NEEDS, "needs": ["hosting", "legal", "training"]}
    assert errors_of(page_form(survey, "needs", data)) == {"needs": ["Choose at most 2 options."]}


def test_multiple_choice_accepts_only_its_options(survey):
    errors = errors_of(page_form(survey, "needs", {**VALID_NEEDS, "needs": ["legal", "yoga"]}))
    assert "Select a valid choice" in errors["needs"][0]


def test_multiple_choice_other_requires_saying_what(survey):
    data = {**VALID_NEEDS, "needs": ["other"]}
    assert list(errors_of(page_form(survey, "needs", data))) == ["needs__other"]
    assert page_form(survey, "needs", {**data, "needs__other": "Insurance"}).is_valid()


# --- Scale and matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "6", "high"])
def test_scale_takes_one_to_five_only(survey, value):
    errors = errors_of(page_form(survey, "needs", {**VALID_NEEDS, "usefulness": value}))
    assert "Select a valid choice" in errors["usefulness"][0]


def test_scale_values_are_numbers(survey):
    form = page_form(survey, "needs", VALID_NEEDS)
    assert form.is_valid()
    assert form.cleaned_data["usefulness"] == 4
    assert form.cleaned_data["obstacles__tax"] == 5


def test_required_scale_needs_an_answer(survey):
    errors = errors_of(page_form(survey, "needs", {**VALID_NEEDS, "usefulness": ""}))
    assert errors == {"usefulness": ["Please answer this question."]}


def test_required_matrix_needs_every_item_rated(survey):
    data = {**VALID_NEEDS, "obstacles__capital": ""}
    assert errors_of(page_form(survey, "needs", data)) == {
        "obstacles__capital": ["Please rate every item."]
    }


def test_matrix_items_take_one_to_five_only(survey):
    errors = errors_of(page_form(survey, "needs", {**VALID_NEEDS, "obstacles__tax": "9"}))
    assert "Select a valid choice" in errors["obstacles__tax"][0]


# --- Texts ------------------------------------------------------------------------------------


def test_short_text_is_limited_and_stripped(survey):
    data = {**VALID_BASICS, "platform": "yes", "platform-name": "x" * 301}
    errors = errors_of(page_form(survey, "basics", data))
    assert "at most 300 characters" in errors["platform-name"][0]
    form = page_form(survey, "basics", {**data, "platform-name": "  Fair  "})
    assert form.is_valid()
    assert form.cleaned_data["platform-name"] == "Fair"


def test_long_text_is_limited(survey):
    errors = errors_of(page_form(survey, "final", {"comment": "x" * 5001}))
    assert "at most 5000 characters" in errors["comment"][0]
    assert page_form(survey, "final", {"comment": "x" * 5000}).is_valid()


# --- Drafts -----------------------------------------------------------------------------------


def test_a_draft_may_leave_required_questions_open_but_not_wrong(survey):
    assert page_form(survey, "basics", {}, enforce_required=False).is_valid()
    errors = errors_of(page_form(survey, "basics", {"people": "-3"}, enforce_required=False))
    assert list(errors) == ["people"]
    errors = errors_of(page_form(survey, "basics", {"kind": "other"}, enforce_required=False))
    assert list(errors) == ["kind__other"]
