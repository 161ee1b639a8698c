"""Writes of the survey: questionnaires, invitations, reminders, responses.

Every write to a response locks its invitation row first (``SELECT … FOR UPDATE``), so two
people of one organization saving or submitting at the same moment are served one after the
other; the unique invitation of ``Response`` makes a second response impossible regardless.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coopmap.emails import email_queue
from coopmap.site import site_url
from directory.models import Organization

from .models import (
    Answer,
    AnswerChoice,
    Invitation,
    MatrixItem,
    Option,
    Question,
    Response,
    Section,
    Survey,
)
from .questionnaire import Questionnaire, Values, normalized
from .tokens import invitation_url_path

logger = logging.getLogger(__name__)

DEMO_SURVEY_FILE = Path("fixtures") / "bedarfsanalyse.json"  # below settings.BASE_DIR


class SurveyError(Exception):
    """A survey action that cannot be done; the message is meant for people."""


class SurveyNotOpenError(SurveyError):
    """The survey does not take answers (or invitations) now."""


class ResponseLockedError(SurveyError):
    """The response was submitted and the survey does not allow changing it."""


class ResponseIncompleteError(SurveyError):
    """Required questions are unanswered; ``missing`` lists them."""

    def __init__(self, missing: list[Question]) -> None:
        super().__init__(_("Some required questions are not answered yet."))
        self.missing = missing


class NoContactEmailError(SurveyError):
    """The organization has no contact e-mail address to send the link to."""


# --- Invitations ------------------------------------------------------------------------------


@dataclass
class InviteOutcome:
    """What ``survey_invite_all`` did: whom it e-mailed and whom it could not reach."""

    created: list[Invitation] = field(default_factory=list)
    sent: list[Invitation] = field(default_factory=list)
    without_email: list[Organization] = field(default_factory=list)


def _check_invitable(survey: Survey) -> None:
    if survey.status == Survey.Status.DRAFT:
        raise SurveyNotOpenError(_("Open the survey before inviting organizations."))
    if survey.availability() == Survey.Availability.CLOSED:
        raise SurveyNotOpenError(_("The survey is closed; it takes no more invitations."))


@transaction.atomic
def invitation_create(*, survey: Survey, organization: Organization) -> tuple[Invitation, bool]:
    """Return the invitation of ``organization`` to ``survey``, creating it if there is none."""
    return Invitation.objects.get_or_create(
        survey=survey,
        organization=organization,
        defaults={"language": settings.LANGUAGE_CODE},
    )


@transaction.atomic
def invitation_send(
    *, invitation: Invitation, reminder: bool = False, now: datetime | None = None
) -> Invitation:
    """E-mail ``invitation``'s personal link to the organization (or remind it of it) at ``now``."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("survey", "organization")
        .get(pk=invitation.pk)
    )
    organization = invitation.organization
    if not organization.contact_email:
        raise NoContactEmailError(
            _("%(name)s has no contact e-mail address.") % {"name": organization.name}
        )
    survey = invitation.survey
    email_queue(
        to=organization.contact_email,
        template="survey_reminder" if reminder else "survey_invitation",
        context={
            "organization": organization,
            "contact_name": organization.contact_name,
            "survey": survey,
            "url": site_url() + invitation_url_path(invitation),
            "closes_at": survey.closes_at,
            "started": Response.objects.filter(invitation=invitation).exists(),
        },
        language=invitation.language,
        reply_to=settings.NETWORK_EMAIL,
    )
    now = now or timezone.now()
    if reminder:
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
        invitation.save(update_fields=["reminders_sent", "last_reminded_at"])
    else:
        invitation.send_count += 1
        invitation.last_sent_at = now
        invitation.save(update_fields=["send_count", "last_sent_at"])
    return invitation


@transaction.atomic
def organization_invite(*, survey: Survey, organization: Organization) -> Invitation:
    """Invite one organization: create its invitation if needed and e-mail the link."""
    _check_invitable(survey)
    invitation, _created = invitation_create(survey=survey, organization=organization)
    return invitation_send(invitation=invitation)


@transaction.atomic
def survey_invite_all(*, survey: Survey) -> InviteOutcome:
    """Invite every published organization that has no invitation yet; safe to run twice.

    Organizations without a contact e-mail get no invitation (they are reported, so that a
    later run invites them once an address is known). Invitations created earlier but never
    e-mailed (for instance in the admin) are e-mailed now.
    """
    _check_invitable(survey)
    outcome = InviteOutcome()
    uninvited = (
        Organization.objects.published()
        .exclude(survey_invitations__survey=survey)
        .order_by("sort_name", "pk")
    )
    for organization in uninvited:
        if not organization.contact_email:
            outcome.without_email.append(organization)
            continue
        invitation, created = invitation_create(survey=survey, organization=organization)
        if created:
            outcome.created.append(invitation)
    unsent = survey.invitations.filter(last_sent_at__isnull=True).reachable()
    for invitation in unsent.select_related("organization").order_by(
        "organization__sort_name", "pk"
    ):
        # Another run may have e-mailed it meanwhile: check again under the row lock.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.last_sent_at is None:
            outcome.sent.append(invitation_send(invitation=locked))
    return outcome


def invitations_remind(*, now: datetime | None = None) -> int:
    """Send the reminders that are due in every open survey; return how many went out.

    Each reminder is its own transaction and is checked again under the invitation's row
    lock, so two runs at once (or a run after a crash) never remind anyone twice.
    """
    now = now or timezone.now()
    count = 0
    for survey in Survey.objects.accepting_answers(now=now):
        due = Invitation.objects.due_for_reminder(survey=survey, now=now)
        for invitation_id in due.values_list("pk", flat=True):
            with transaction.atomic():
                invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
                if not Invitation.objects.due_for_reminder(survey=survey, now=now).filter(
                    pk=invitation_id
                ):
                    continue
                invitation_send(invitation=invitation, reminder=True, now=now)
                count += 1
    return count


# --- Responses --------------------------------------------------------------------------------


def _lock_for_answering(invitation: Invitation) -> tuple[Invitation, Response | None]:
    """Lock ``invitation``, check that answers are taken, and return it with its response."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("survey")
        .get(pk=invitation.pk)
    )
    if not invitation.survey.is_accepting_answers:
        raise SurveyNotOpenError(_("This survey does not take answers at the moment."))
    response = Response.objects.filter(invitation=invitation).first()
    if response and response.is_submitted and not invitation.survey.allow_changes_after_submit:
        raise ResponseLockedError(_("Your answers were submitted and can no longer be changed."))
    return invitation, response


@transaction.atomic
def response_save_section(
    *,
    invitation: Invitation,
    section: Section,
    values: Values,
    continue_at: Section | None,
    language: str = "",
    questionnaire: Questionnaire | None = None,
) -> Response:
    """Store the answers of one page as the organization's draft.

    ``values`` are the page's cleaned form values; the page's previous answers are replaced.
    ``continue_at`` is where the link resumes (None: at the review page). Changing the answers
    of a submitted response turns it back into a draft, to be submitted again.
    """
    invitation, response = _lock_for_answering(invitation)
    survey = invitation.survey
    questionnaire = questionnaire or Questionnaire.load(survey)
    now = timezone.now()
    if response is None:
        response = Response.objects.create(
            invitation=invitation, survey_version=survey.version, started_at=now, updated_at=now
        )
    questions = questionnaire.questions_of[section.pk]
    stored = questionnaire.values_of(response)
    new = questionnaire.section_values(section, values)
    changed = normalized(questionnaire.section_values(section, stored)) != normalized(new)
    if changed:
        Answer.objects.filter(response=response, question__in=questions).delete()
        _answers_create(response, questionnaire, questions, new)
    response.current_section = continue_at
    response.updated_at = now
    response.language = language or response.language
    if changed and response.is_submitted:
        response.status = Response.Status.DRAFT
    response.save()
    if language and language != invitation.language:
        invitation.language = language
        invitation.save(update_fields=["language"])
    return response


def _answers_create(response, questionnaire, questions, values) -> None:
    pairs = [
        pair
        for question in questions
        for pair in questionnaire.answers_from_values(question, values)
    ]
    for answer, _chosen in pairs:
        answer.response = response
    Answer.objects.bulk_create([answer for answer, _chosen in pairs])
    AnswerChoice.objects.bulk_create(
        [
            AnswerChoice(answer=answer, option=option)
            for answer, chosen in pairs
            for option in chosen
        ]
    )


@transaction.atomic
def response_submit(*, invitation: Invitation) -> Response:
    """Submit the organization's answers; submitting again changes nothing.

    Raise ``ResponseIncompleteError`` if asked required questions are unanswered. Answers to
    questions that the final answers no longer ask are deleted.
    """
    invitation, response = _lock_for_answering(invitation)
    if response is not None and response.is_submitted:
        return response
    questionnaire = Questionnaire.load(invitation.survey)
    values = questionnaire.values_of(response)
    missing = questionnaire.missing_required(values)
    if missing:
        raise ResponseIncompleteError(missing)
    now = timezone.now()
    if response is None:
        response = Response.objects.create(
            invitation=invitation, survey_version=invitation.survey.version, started_at=now
        )
    hidden = questionnaire.hidden_questions(values)
    Answer.objects.filter(response=response, question__in=hidden).delete()
    response.status = Response.Status.SUBMITTED
    response.submitted_at = now
    response.updated_at = now
    response.current_section = None
    response.save()
    return response


# --- Questionnaires ---------------------------------------------------------------------------

SURVEY_FIELDS = ("title_de", "title_en", "intro_de", "intro_en")
SURVEY_SETUP_FIELDS = (
    "status",
    "opens_at",
    "closes_at",
    "allow_changes_after_submit",
    "reminder_limit",
    "reminder_interval_days",
)
SECTION_TEXT_FIELDS = ("title_de", "title_en", "intro_de", "intro_en")
QUESTION_TEXT_FIELDS = (
    "text_de",
    "text_en",
    "help_de",
    "help_en",
    "scale_min_label_de",
    "scale_min_label_en",
    "scale_max_label_de",
    "scale_max_label_en",
)
QUESTION_STRUCTURE_FIELDS = ("kind", "required", "role", "min_value", "max_value", "max_choices")
LABEL_FIELDS = ("label_de", "label_en")


@transaction.atomic
def survey_import(*, definition: dict) -> Survey:
    """Create or update a survey from a nested definition (see ``fixtures/bedarfsanalyse.json``).

    Pieces are matched by their codes, so importing twice changes nothing. Texts are always
    updated; status and dates only when the survey is created (a manager's later decisions
    stand); structure only while the survey is not locked (nothing is ever deleted).
    """
    survey = Survey.objects.filter(slug=definition["slug"]).first()
    if survey is None:
        survey = Survey(slug=definition["slug"])
        for name in SURVEY_SETUP_FIELDS:
            if name in definition:
                setattr(survey, name, definition[name])
    for name in (*SURVEY_FIELDS, "version"):
        if name in definition:
            setattr(survey, name, definition[name])
    _save_valid(survey)
    locked = survey.is_locked
    conditions = []
    for section_position, section_definition in enumerate(definition["sections"], start=1):
        section = _import_piece(
            Section,
            {"survey": survey, "code": section_definition["code"]},
            {"position": section_position},
            section_definition,
            SECTION_TEXT_FIELDS,
            create=not locked,
        )
        for position, question_definition in enumerate(section_definition["questions"], start=1):
            question = _import_question(section, position, question_definition, locked=locked)
            if question and "condition" in question_definition:
                conditions.append((question, question_definition["condition"]))
    if not locked:
        for question, condition in conditions:
            _import_condition(survey, question, condition)
    return survey


def _import_question(section, position, definition, *, locked) -> Question | None:
    structure = {name: definition[name] for name in QUESTION_STRUCTURE_FIELDS if name in definition}
    question = _import_piece(
        Question,
        {"section__survey": section.survey, "code": definition["code"]},
        {"position": position, **({} if locked else {"section": section, **structure})},
        definition,
        QUESTION_TEXT_FIELDS,
        create=not locked,
        new={"section": section, "code": definition["code"], **structure},
    )
    if question is None:
        return None
    for model, key in ((Option, "options"), (MatrixItem, "items")):
        for option_position, piece in enumerate(definition.get(key, []), start=1):
            extra = {"is_other": piece.get("is_other", False)} if model is Option else {}
            _import_piece(
                model,
                {"question": question, "code": piece["code"]},
                {"position": option_position, **({} if locked else extra)},
                piece,
                LABEL_FIELDS,
                create=not locked,
            )
    return question


def _import_piece(model, lookup, fields, definition, text_fields, *, create, new=None):
    piece = model.objects.filter(**lookup).first()
    if piece is None:
        if not create:
            logger.warning("survey is locked: not adding %s %s", model.__name__, lookup)
            return None
        piece = model(**(new or lookup))
    for name, value in fields.items():
        setattr(piece, name, value)
    for name in text_fields:
        setattr(piece, name, definition.get(name, ""))
    _save_valid(piece)
    return piece


def _import_condition(survey: Survey, question: Question, condition: dict) -> None:
    trigger = Question.objects.get(section__survey=survey, code=condition["question"])
    question.condition_question = trigger
    question.condition_option = (
        trigger.options.get(code=condition["option"]) if "option" in condition else None
    )
    question.condition_yes = condition.get("yes")
    _save_valid(question)


def _save_valid(instance) -> None:
    # Fields and the models' own rules in Python; uniqueness and check constraints are left to
    # the database, which enforces them anyway (checking them here costs a query each).
    instance.full_clean(validate_unique=False, validate_constraints=False)
    instance.save()


def survey_load_demo() -> Survey:
    """Load (or refresh) the needs-analysis questionnaire ``bedarfsanalyse``; idempotent."""
    path = Path(settings.BASE_DIR) / DEMO_SURVEY_FILE
    definition = json.loads(path.read_text(encoding="utf-8"))
    return survey_import(definition=definition)


@transaction.atomic
def survey_copy(*, survey: Survey, slug: str) -> Survey:
    """Copy ``survey`` as a new draft with the next version number, without any answers."""
    copy = Survey(
        slug=slug,
        version=survey.version + 1,
        status=Survey.Status.DRAFT,
        **{
            name: getattr(survey, name)
            for name in (
                *SURVEY_FIELDS,
                "allow_changes_after_submit",
                "reminder_limit",
                "reminder_interval_days",
            )
        },
    )
    _save_valid(copy)
    questionnaire = Questionnaire.load(survey)
    # Read every relation before copying: copying reuses the loaded objects.
    plan = [
        (
            section,
            [
                (question, questionnaire.options(question), questionnaire.items(question))
                for question in questionnaire.questions_of[section.pk]
            ],
        )
        for section in questionnaire.sections
    ]
    conditions = [
        (
            question.pk,
            question.condition_question_id,
            question.condition_option_id,
            question.condition_yes,
        )
        for question in questionnaire.questions
        if question.condition_question_id
    ]
    question_copies: dict[int, Question] = {}
    option_copies: dict[int, Option] = {}
    for section, questions in plan:
        section_copy = _clone(section, survey=copy)
        for question, options, items in questions:
            old_pk = question.pk
            question_copies[old_pk] = _clone(
                question,
                section=section_copy,
                condition_question=None,
                condition_option=None,
                condition_yes=None,
            )
            for option in options:
                old_option_pk = option.pk
                option_copies[old_option_pk] = _clone(option, question=question_copies[old_pk])
            for item in items:
                _clone(item, question=question_copies[old_pk])
    for question_pk, trigger_pk, option_pk, yes in conditions:
        question_copy = question_copies[question_pk]
        question_copy.condition_question = question_copies[trigger_pk]
        question_copy.condition_option = option_copies.get(option_pk)
        question_copy.condition_yes = yes
        question_copy.save(
            update_fields=["condition_question", "condition_option", "condition_yes"]
        )
    return copy


def _clone(instance, **changes):
    """Save a copy of ``instance`` with ``changes`` and return it."""
    instance.pk = None
    instance._state.adding = True
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()
    return instance
