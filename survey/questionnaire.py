"""A survey's structure in memory for one request: order, conditions, values and their display.

Loading a ``Questionnaire`` costs a fixed handful of queries, whatever the survey's size; after
that, conditions are evaluated and answers formatted without touching the database.

Answers travel as *values*: a dict keyed by form field name, as a section form's
``cleaned_data`` holds them. A question's field is named by its code; "other, please specify"
adds ``<code>__other``, a matrix has one field ``<code>__<item code>`` per item. Choices are
option codes, yes/no is ``"yes"``/``"no"``, scales, ratings and numbers are ``int``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import Answer, AnswerChoice, MatrixItem, Option, Question, Response, Section, Survey

Kind = Question.Kind
Values = dict[str, object]


def field_name(question: Question) -> str:
    return question.code


def other_field_name(question: Question) -> str:
    return f"{question.code}__other"


def item_field_name(question: Question, item: MatrixItem) -> str:
    return f"{question.code}__{item.code}"


def yes_no_value(boolean: bool | None) -> str:
    return {True: "yes", False: "no"}.get(boolean, "")


def normalized(values: Values) -> Values:
    """Return ``values`` with every kind of emptiness as None, to compare answers."""
    result: Values = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        result[name] = value if value not in ("", [], (), None) else None
    return result


@dataclass
class AnswerDisplay:
    """One question as a person reads it back: its answer lines, or that it is missing."""

    question: Question
    lines: list[str] = field(default_factory=list)
    missing: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.lines)


@dataclass
class SectionDisplay:
    section: Section
    step: int
    answers: list[AnswerDisplay]


class Questionnaire:
    """The sections, questions, options and items of one survey, ordered and cross-linked."""

    def __init__(
        self,
        survey: Survey,
        sections: list[Section],
        questions: list[Question],
        options: list[Option],
        items: list[MatrixItem],
    ) -> None:
        self.survey = survey
        self.sections = sections
        self.questions_by_id = {question.pk: question for question in questions}
        self.options_by_id = {option.pk: option for option in options}
        self.questions_of: dict[int, list[Question]] = defaultdict(list)
        self.options_of: dict[int, list[Option]] = defaultdict(list)
        self.items_of: dict[int, list[MatrixItem]] = defaultdict(list)
        for question in questions:
            self.questions_of[question.section_id].append(question)
        for option in options:
            self.options_of[option.question_id].append(option)
        for item in items:
            self.items_of[item.question_id].append(item)

    @classmethod
    def load(cls, survey: Survey) -> Questionnaire:
        """Load the whole structure of ``survey`` in four queries."""
        sections = list(survey.sections.order_by("position", "pk"))
        questions = list(Question.objects.filter(section__survey=survey).order_by("position", "pk"))
        options = list(
            Option.objects.filter(question__section__survey=survey).order_by("position", "pk")
        )
        items = list(
            MatrixItem.objects.filter(question__section__survey=survey).order_by("position", "pk")
        )
        return cls(survey, sections, questions, options, items)

    # --- Structure -----------------------------------------------------------------------

    @property
    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in self.questions_of[section.pk]]

    def options(self, question: Question) -> list[Option]:
        return self.options_of[question.pk]

    def items(self, question: Question) -> list[MatrixItem]:
        return self.items_of[question.pk]

    def section_at(self, position: int) -> Section | None:
        """Return the section of step ``position`` (1-based), or None."""
        if 1 <= position <= len(self.sections):
            return self.sections[position - 1]
        return None

    def step_of(self, section: Section) -> int:
        return next(i for i, each in enumerate(self.sections, start=1) if each.pk == section.pk)

    def field_names(self, question: Question) -> list[str]:
        """Return the form fields that hold ``question``'s answer."""
        if question.kind == Kind.MATRIX:
            return [item_field_name(question, item) for item in self.items(question)]
        names = [field_name(question)]
        if self.other_option(question):
            names.append(other_field_name(question))
        return names

    def other_option(self, question: Question) -> Option | None:
        return next((option for option in self.options(question) if option.is_other), None)

    # --- Conditions ----------------------------------------------------------------------

    def is_answered(self, question: Question, values: Values, *, completely: bool = False) -> bool:
        """Return whether ``values`` answer ``question`` (a matrix: any item, or every item)."""
        if question.kind == Kind.MATRIX:
            rated = [
                values.get(item_field_name(question, item)) is not None
                for item in self.items(question)
            ]
            return all(rated) if completely else any(rated)
        value = values.get(field_name(question))
        if isinstance(value, str):
            return bool(value.strip())
        if isinstance(value, list | tuple):
            return bool(value)
        return value is not None

    def is_visible(self, question: Question, values: Values) -> bool:
        """Return whether ``question`` is asked, given the answers so far (conditions chain)."""
        if not question.condition_question_id:
            return True
        trigger = self.questions_by_id[question.condition_question_id]
        if not self.is_visible(trigger, values):
            return False
        value = values.get(field_name(trigger))
        if question.condition_option_id:
            code = self.options_by_id[question.condition_option_id].code
            return code in value if isinstance(value, list | tuple) else value == code
        if question.condition_yes is not None:
            return value == yes_no_value(question.condition_yes)
        return self.is_answered(trigger, values)

    def condition_text(self, question: Question) -> str:
        """Describe ``question``'s condition for people who see every question (no JS)."""
        if not question.condition_question_id:
            return ""
        trigger = self.questions_by_id[question.condition_question_id]
        if question.condition_option_id:
            answer = self.options_by_id[question.condition_option_id].label
        elif question.condition_yes is not None:
            answer = _("Yes") if question.condition_yes else _("No")
        else:
            return _("Only if you answered “%(question)s”.") % {"question": trigger.text}
        return _("Only if you answered “%(question)s” with “%(answer)s”.") % {
            "question": trigger.text,
            "answer": answer,
        }

    def visible_sections(self, values: Values) -> list[Section]:
        """Return the sections with at least one question to ask, given the answers so far."""
        return [
            section
            for section in self.sections
            if any(self.is_visible(question, values) for question in self.questions_of[section.pk])
        ]

    def next_section(self, section: Section, values: Values) -> Section | None:
        """Return the next page that asks something, given ``values``; None: the review."""
        visible = self.visible_sections(values)
        later = self.sections[self.sections.index(section) + 1 :]
        return next((each for each in later if each in visible), None)

    def previous_section(self, section: Section, values: Values) -> Section | None:
        """Return the previous page that asks something; None: before the first page."""
        visible = self.visible_sections(values)
        earlier = self.sections[: self.sections.index(section)]
        return next((each for each in reversed(earlier) if each in visible), None)

    def hidden_questions(self, values: Values) -> list[Question]:
        return [question for question in self.questions if not self.is_visible(question, values)]

    def missing_required(self, values: Values) -> list[Question]:
        """Return the required questions that are asked but not (completely) answered."""
        return [
            question
            for question in self.questions
            if question.required
            and self.is_visible(question, values)
            and not self.is_answered(question, values, completely=True)
        ]

    # --- Values and answers --------------------------------------------------------------

    def values_of(self, response: Response | None) -> Values:
        """Return the stored answers of ``response`` as values (two queries)."""
        if response is None or response.pk is None:
            return {}
        answers = list(Answer.objects.filter(response=response))
        chosen: dict[int, list[str]] = defaultdict(list)
        for answer_id, option_id in (
            AnswerChoice.objects.filter(answer__response=response)
            .order_by("option__position", "option_id")
            .values_list("answer_id", "option_id")
        ):
            chosen[answer_id].append(self.options_by_id[option_id].code)
        items_by_id = {item.pk: item for items in self.items_of.values() for item in items}
        values: Values = {}
        for answer in answers:
            question = self.questions_by_id.get(answer.question_id)
            if question is None:
                continue
            values.update(self._answer_values(question, answer, chosen, items_by_id))
        return values

    def _answer_values(self, question, answer, chosen, items_by_id) -> Values:
        name = field_name(question)
        match question.kind:
            case Kind.MATRIX:
                return {item_field_name(question, items_by_id[answer.item_id]): answer.number}
            case Kind.SINGLE_CHOICE:
                values = {
                    name: self.options_by_id[answer.choice_id].code if answer.choice_id else ""
                }
            case Kind.MULTIPLE_CHOICE:
                values = {name: chosen.get(answer.pk, [])}
            case Kind.YES_NO:
                return {name: yes_no_value(answer.boolean)}
            case Kind.SCALE | Kind.NUMBER:
                return {name: answer.number}
            case _:
                return {name: answer.text}
        if self.other_option(question):
            values[other_field_name(question)] = answer.other_text
        return values

    def answers_from_values(
        self, question: Question, values: Values
    ) -> list[tuple[Answer, list[Option]]]:
        """Return unsaved answers for ``question`` (and the options chosen), or none if empty."""
        if question.kind == Kind.MATRIX:
            return [
                (Answer(question=question, item=item, number=values[name]), [])
                for item in self.items(question)
                if values.get(name := item_field_name(question, item)) is not None
            ]
        if not self.is_answered(question, values):
            return []
        value = values[field_name(question)]
        options = {option.code: option for option in self.options(question)}
        answer = Answer(question=question)
        chosen: list[Option] = []
        match question.kind:
            case Kind.SINGLE_CHOICE:
                answer.choice = options[value]
            case Kind.MULTIPLE_CHOICE:
                chosen = [options[code] for code in value]
            case Kind.YES_NO:
                answer.boolean = value == "yes"
            case Kind.SCALE | Kind.NUMBER:
                answer.number = value
            case _:
                answer.text = value.strip()
        other = self.other_option(question)
        if other and (answer.choice == other or other in chosen):
            answer.other_text = (values.get(other_field_name(question)) or "").strip()
        return [(answer, chosen)]

    def section_values(self, section: Section, values: Values) -> Values:
        """Return the part of ``values`` that belongs to ``section``, with empty gaps filled."""
        return {
            name: values.get(name)
            for question in self.questions_of[section.pk]
            for name in self.field_names(question)
        }

    # --- Display -------------------------------------------------------------------------

    def display(self, values: Values, *, mark_missing: bool = False) -> list[SectionDisplay]:
        """Return every asked question with its answer, section by section, for reading."""
        missing = (
            {question.pk for question in self.missing_required(values)} if mark_missing else set()
        )
        sheet = []
        for section in self.visible_sections(values):
            answers = [
                AnswerDisplay(question, self.answer_lines(question, values), question.pk in missing)
                for question in self.questions_of[section.pk]
                if self.is_visible(question, values)
            ]
            sheet.append(SectionDisplay(section, self.step_of(section), answers))
        return sheet

    def answer_lines(self, question: Question, values: Values) -> list[str]:
        """Return ``question``'s answer as lines of text in the active language."""
        if question.kind == Kind.MATRIX:
            return [
                f"{item.label}: {values[name]} / 5"
                for item in self.items(question)
                if values.get(name := item_field_name(question, item)) is not None
            ]
        if not self.is_answered(question, values):
            return []
        value = values[field_name(question)]
        match question.kind:
            case Kind.SINGLE_CHOICE | Kind.MULTIPLE_CHOICE:
                codes = value if isinstance(value, list | tuple) else [value]
                other_text = values.get(other_field_name(question)) or ""
                return [
                    f"{option.label}: {other_text}"
                    if option.is_other and other_text
                    else option.label
                    for option in self.options(question)
                    if option.code in codes
                ]
            case Kind.YES_NO:
                return [_("Yes") if value == "yes" else _("No")]
            case Kind.SCALE:
                return [
                    _("%(value)s of 5 (1 = %(low)s, 5 = %(high)s)")
                    % {
                        "value": value,
                        "low": question.scale_min_label,
                        "high": question.scale_max_label,
                    }
                ]
            case Kind.NUMBER:
                return [number_format(value, force_grouping=True)]
            case _:
                return [str(value)]
