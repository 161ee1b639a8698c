"""Forms generated from the questionnaire: one form class per section, built at run time.

Every field is optional at the field level; ``SectionForm.clean`` decides which questions are
asked (conditions, with this page's fresh answers and the stored answers of other pages) and
only then checks required answers, "other, please specify" and choice limits. Answers to
questions that are not asked are emptied, so they are never stored.
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import MatrixItem, Question, Section
from .questionnaire import (
    Questionnaire,
    Values,
    field_name,
    item_field_name,
    other_field_name,
)

Kind = Question.Kind

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = 500
SCALE_CHOICES = [(value, str(value)) for value in range(1, 6)]

REQUIRED_MESSAGE = _("Please answer this question.")
MATRIX_REQUIRED_MESSAGE = _("Please rate every item.")
OTHER_REQUIRED_MESSAGE = _("You chose “%(option)s”: please say what you mean.")
TOO_MANY_MESSAGE = ngettext_lazy(
    "Choose at most %(count)d option.", "Choose at most %(count)d options.", "count"
)


@dataclasses.dataclass
class QuestionBlock:
    """What a template needs to render one question of the page."""

    question: Question
    field: BoundField | None = None
    other_field: BoundField | None = None
    other_code: str = ""
    rows: list[tuple[MatrixItem, BoundField]] = dataclasses.field(default_factory=list)
    # Set for questions depending on another question of the same page (JS shows/hides them).
    condition_field: str = ""
    condition_values: list[str] = dataclasses.field(default_factory=list)
    condition_text: str = ""

    @property
    def errors(self) -> list[str]:
        bound = [self.field, self.other_field, *(bound for _item, bound in self.rows)]
        return [error for each in bound if each is not None for error in each.errors]

    @property
    def uses_fieldset(self) -> bool:
        """Return whether the answer is a group of inputs (radios, checkboxes, a matrix)."""
        return self.question.kind not in (Kind.NUMBER, Kind.SHORT_TEXT, Kind.LONG_TEXT)

    @property
    def dom_id(self) -> str:
        return f"question-{self.question.code}"


class SectionForm(forms.Form):
    """A page of the questionnaire; subclasses are made by ``section_form_class``."""

    questionnaire: Questionnaire
    section: Section
    questions: list[Question]

    def __init__(self, *args, stored_values: Values | None = None, enforce_required=True, **kw):
        super().__init__(*args, **kw)
        # Answers of the other pages: conditions may refer to them.
        self.stored_values = stored_values or {}
        self.enforce_required = enforce_required

    def clean(self) -> dict:
        cleaned = super().clean()
        values = {**self.stored_values, **cleaned}
        for question in self.questions:
            names = self.questionnaire.field_names(question)
            if not self.questionnaire.is_visible(question, values):
                for name in names:
                    self.errors.pop(name, None)
                    cleaned[name] = self.fields[name].clean(None)
                continue
            self._check_answer(question, values)
        return cleaned

    def _check_answer(self, question: Question, values: Values) -> None:
        questionnaire = self.questionnaire
        name = field_name(question)
        if any(each in self.errors for each in questionnaire.field_names(question)):
            return
        if self.enforce_required and question.required:
            if question.kind == Kind.MATRIX:
                for item in questionnaire.items(question):
                    if values.get(item_field_name(question, item)) is None:
                        self.add_error(item_field_name(question, item), MATRIX_REQUIRED_MESSAGE)
                return
            if not questionnaire.is_answered(question, values):
                self.add_error(name, REQUIRED_MESSAGE)
                return
        value = values.get(name)
        if question.max_choices and isinstance(value, list) and len(value) > question.max_choices:
            self.add_error(name, TOO_MANY_MESSAGE % {"count": question.max_choices})
        other = questionnaire.other_option(question)
        if other:
            chosen = value if isinstance(value, list) else [value]
            other_name = other_field_name(question)
            if other.code in chosen and not (values.get(other_name) or "").strip():
                self.add_error(other_name, OTHER_REQUIRED_MESSAGE % {"option": other.label})
            elif other.code not in chosen:
                # Words written for "other" without choosing it are not an answer.
                self.cleaned_data[other_name] = ""

    def blocks(self) -> list[QuestionBlock]:
        """Return the questions to render: the asked ones, and those depending on this page.

        A question whose condition refers to a question of this same page is rendered with
        that condition (JS hides it live; without JS the server ignores it if not asked).
        """
        rendered: set[int] = set()
        blocks = []
        for question in self.questions:
            trigger_id = question.condition_question_id
            if trigger_id and any(trigger_id == each.pk for each in self.questions):
                if trigger_id not in rendered:
                    continue
                blocks.append(self._conditional_block(question))
            elif self.questionnaire.is_visible(question, self.stored_values):
                blocks.append(self._block(question))
            else:
                continue
            rendered.add(question.pk)
        return blocks

    def _block(self, question: Question) -> QuestionBlock:
        if question.kind == Kind.MATRIX:
            rows = [
                (item, self[item_field_name(question, item)])
                for item in self.questionnaire.items(question)
            ]
            return QuestionBlock(question, rows=rows)
        other = self.questionnaire.other_option(question)
        return QuestionBlock(
            question,
            field=self[field_name(question)],
            other_field=self[other_field_name(question)] if other else None,
            other_code=other.code if other else "",
        )

    def _conditional_block(self, question: Question) -> QuestionBlock:
        block = self._block(question)
        trigger = self.questionnaire.questions_by_id[question.condition_question_id]
        block.condition_field = field_name(trigger)
        if question.condition_option_id:
            block.condition_values = [
                self.questionnaire.options_by_id[question.condition_option_id].code
            ]
        elif question.condition_yes is not None:
            block.condition_values = ["yes" if question.condition_yes else "no"]
        block.condition_text = self.questionnaire.condition_text(question)
        return block


def section_form_class(questionnaire: Questionnaire, section: Section) -> type[SectionForm]:
    """Build the form class of ``section``: one field per question (per matrix item)."""
    fields: dict[str, forms.Field] = {}
    questions = questionnaire.questions_of[section.pk]
    for question in questions:
        fields.update(question_fields(questionnaire, question))
    attrs = {
        **fields,
        "questionnaire": questionnaire,
        "section": section,
        "questions": questions,
    }
    return type(f"SectionForm_{section.code.replace('-', '_')}", (SectionForm,), attrs)


def question_fields(questionnaire: Questionnaire, question: Question) -> dict[str, forms.Field]:
    """Return the form fields of ``question`` (optional: ``SectionForm.clean`` checks)."""
    label = question.text
    name = field_name(question)
    match question.kind:
        case Kind.SINGLE_CHOICE:
            choices = [(option.code, option.label) for option in questionnaire.options(question)]
            fields = {name: forms.ChoiceField(choices=choices, widget=forms.RadioSelect)}
        case Kind.MULTIPLE_CHOICE:
            choices = [(option.code, option.label) for option in questionnaire.options(question)]
            fields = {
                name: DistinctMultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple
                )
            }
        case Kind.YES_NO:
            choices = [("yes", _("Yes")), ("no", _("No"))]
            fields = {name: forms.ChoiceField(choices=choices, widget=forms.RadioSelect)}
        case Kind.SCALE:
            fields = {name: scale_field()}
        case Kind.MATRIX:
            return {
                item_field_name(question, item): scale_field(label=item.label)
                for item in questionnaire.items(question)
            }
        case Kind.NUMBER:
            fields = {
                name: forms.IntegerField(
                    min_value=question.min_value,
                    max_value=question.max_value,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            }
        case Kind.SHORT_TEXT:
            fields = {name: forms.CharField(max_length=SHORT_TEXT_MAX)}
        case _:
            fields = {
                name: forms.CharField(
                    max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
                )
            }
    fields[name].label = label
    fields[name].help_text = question.help
    if questionnaire.other_option(question):
        fields[other_field_name(question)] = forms.CharField(
            max_length=OTHER_TEXT_MAX, label=_("Please specify")
        )
    for each in fields.values():
        each.required = False
    return fields


class DistinctMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes send each chosen value once; a value repeated by hand counts once."""

    def to_python(self, value) -> list[str]:
        return list(dict.fromkeys(super().to_python(value)))


def scale_field(*, label: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=SCALE_CHOICES,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        label=label,
        required=False,
    )
