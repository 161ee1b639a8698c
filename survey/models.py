"""The needs analysis (Bedarfsanalyse): questionnaires, invitations, responses and answers.

A questionnaire is data: a ``Survey`` has ``Section``s, a section has ``Question``s, a choice
question has ``Option``s and a matrix question has ``MatrixItem``s. Every text exists in German
and English and is shown in the active language, falling back to the other one.

The respondent is an organization: each gets one ``Invitation`` per survey (a personal link),
and an invitation has at most one ``Response`` (a database constraint), which holds one
``Answer`` per question (one per item for a matrix). Answers keep typed columns (``choice``,
``choices``, ``boolean``, ``number``, ``text``) so that reports count them with ``GROUP BY``.

Once anyone has started answering a survey its structure is locked: texts may still be
corrected, but questions, options, items, types, codes, bounds and conditions can neither be
added, removed nor changed, so that no answer loses its meaning. A new wave of the survey is a
copy with the next version number (``services.survey_copy``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Organization, pick_language

from .querysets import InvitationQuerySet, ResponseQuerySet, SurveyQuerySet
from .tokens import new_invitation_key

SCALE_MIN = 1
SCALE_MAX = 5
# Integer answers are stored in a 64-bit column; bounds beyond it make no sense for a survey.
NUMBER_LIMIT = 10**15

LOCKED_MESSAGE = _(
    "This survey already has answers, so its structure is locked: you may correct texts, but "
    "not add, remove or change questions, options, types, codes, bounds or conditions. Copy the "
    "survey as a new version to change its structure."
)


# Paths of /manage/survey/ that a survey's own pages (/manage/survey/<slug>/) must not shadow.
RESERVED_SURVEY_SLUGS = frozenset({"reports"})


def validate_survey_slug(value: str) -> None:
    if value in RESERVED_SURVEY_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is the address of another page; choose another slug."),
            params={"slug": value},
        )


class Survey(models.Model):
    """A questionnaire sent to the network's organizations, such as the needs analysis."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Availability(models.TextChoices):
        """Whether the survey takes answers right now, derived from status and dates."""

        OPEN = "open", _("Open")
        NOT_YET_OPEN = "not_yet_open", _("Not yet open")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(
        _("slug"), max_length=80, unique=True, validators=[validate_survey_slug]
    )
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_de = models.TextField(_("introduction (German)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.DRAFT)
    opens_at = models.DateTimeField(
        _("opens at"), null=True, blank=True, help_text=_("Empty: open as soon as the status is.")
    )
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("Empty: open until the status changes.")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    allow_changes_after_submit = models.BooleanField(
        _("answers can be changed after submitting"),
        default=True,
        help_text=_("While the survey is open, organizations may change submitted answers."),
    )
    reminder_limit = models.PositiveSmallIntegerField(
        _("reminders at most"),
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_("How many reminders an organization that has not submitted receives."),
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        _("days between reminders"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Days after the invitation or the last reminder before the next one."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]), name="survey_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(reminder_interval_days__gte=1), name="survey_reminder_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The survey must close after it opens.")})

    @property
    def title(self) -> str:
        return pick_language(self.title_de, self.title_en)

    @property
    def intro(self) -> str:
        return pick_language(self.intro_de, self.intro_en)

    def availability(self, now=None) -> Survey.Availability:
        """Return whether the survey takes answers at ``now`` (default: this moment)."""
        now = now or timezone.now()
        if self.status == self.Status.CLOSED or (self.closes_at and now >= self.closes_at):
            return self.Availability.CLOSED
        if self.status == self.Status.DRAFT or (self.opens_at and now < self.opens_at):
            return self.Availability.NOT_YET_OPEN
        return self.Availability.OPEN

    @property
    def is_accepting_answers(self) -> bool:
        return self.availability() == self.Availability.OPEN

    @property
    def participation(self):
        """Return invited, started, submitted and the rates (``querysets.participation_counts``).

        Reads the annotations of ``Survey.objects.with_participation()`` when present.
        """
        from .querysets import ParticipationFigures

        if hasattr(self, "invited"):
            return ParticipationFigures(self.invited, self.started, self.submitted)
        return self.invitations.all().participation()

    @property
    def is_locked(self) -> bool:
        """Return whether anyone has started answering, which freezes the structure."""
        if self.pk is None:
            return False
        return Response.objects.filter(invitation__survey_id=self.pk).exists()


class LockedStructureMixin:
    """Refuse structural edits (``STRUCTURAL_FIELDS``, additions) once the survey is locked."""

    STRUCTURAL_FIELDS: tuple[str, ...] = ()

    def owning_survey_id(self) -> int | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def check_structure_unlocked(self) -> None:
        survey_id = self.owning_survey_id()
        if survey_id is None:
            return
        if not Response.objects.filter(invitation__survey_id=survey_id).exists():
            return
        if self.pk is None:
            raise ValidationError(LOCKED_MESSAGE)
        stored = type(self).objects.filter(pk=self.pk).values(*self.STRUCTURAL_FIELDS).first()
        if stored is None:
            raise ValidationError(LOCKED_MESSAGE)
        changed = [
            name
            for name in self.STRUCTURAL_FIELDS
            if stored[name] != getattr(self, self._meta.get_field(name).attname)
        ]
        if changed:
            raise ValidationError(dict.fromkeys(changed, LOCKED_MESSAGE))


class Section(LockedStructureMixin, models.Model):
    """One page of a questionnaire."""

    STRUCTURAL_FIELDS = ("survey", "code")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), related_name="sections", on_delete=models.CASCADE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Stable identifier in exports, unique per survey.")
    )
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_de = models.TextField(_("introduction (German)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    class Meta:
        ordering = ["survey", "position", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="section_code_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        self.check_structure_unlocked()

    def owning_survey_id(self) -> int | None:
        return self.survey_id

    @property
    def title(self) -> str:
        return pick_language(self.title_de, self.title_en)

    @property
    def intro(self) -> str:
        return pick_language(self.intro_de, self.intro_en)


class Question(LockedStructureMixin, models.Model):
    """A question of a section; its ``kind`` says how it is asked and how answers are stored."""

    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        SCALE = "scale", _("Scale 1–5")
        MATRIX = "matrix", _("Matrix of scale items")
        NUMBER = "number", _("Number")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        YES_NO = "yes_no", _("Yes/no")

    class Role(models.TextChoices):
        """Marks the questions whose options are the shared categories of needs and offers."""

        NONE = "", _("None")
        NEED = "need", _("What the organization needs")
        OFFER = "offer", _("What the organization can offer")

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)
    SCALE_KINDS = (Kind.SCALE, Kind.MATRIX)
    TEXT_KINDS = (Kind.SHORT_TEXT, Kind.LONG_TEXT)
    STRUCTURAL_FIELDS = (
        "section",
        "code",
        "kind",
        "required",
        "min_value",
        "max_value",
        "max_choices",
        "condition_question",
        "condition_option",
        "condition_yes",
        "role",
    )

    section = models.ForeignKey(
        Section, verbose_name=_("section"), related_name="questions", on_delete=models.CASCADE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(
        _("code"),
        max_length=60,
        help_text=_("Stable identifier in exports and reports, unique within the survey."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    text_de = models.CharField(_("question (German)"), max_length=400)
    text_en = models.CharField(_("question (English)"), max_length=400, blank=True)
    help_de = models.TextField(_("help text (German)"), blank=True)
    help_en = models.TextField(_("help text (English)"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    role = models.CharField(
        _("needs and offers"),
        max_length=8,
        choices=Role,
        blank=True,
        default=Role.NONE,
        help_text=_(
            "For choice questions about needs or offers: options with the same code in a need "
            "and an offer question are the same category, so members can be matched."
        ),
    )
    scale_min_label_de = models.CharField(_("label of 1 (German)"), max_length=80, blank=True)
    scale_min_label_en = models.CharField(_("label of 1 (English)"), max_length=80, blank=True)
    scale_max_label_de = models.CharField(_("label of 5 (German)"), max_length=80, blank=True)
    scale_max_label_en = models.CharField(_("label of 5 (English)"), max_length=80, blank=True)
    min_value = models.BigIntegerField(_("smallest number"), null=True, blank=True)
    max_value = models.BigIntegerField(_("largest number"), null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(
        _("choose at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Multiple choice only; empty: no limit."),
    )
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if question"),
        related_name="dependent_questions",
        # Not deletable on its own while a question depends on it; with the survey it goes.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        help_text=_("An earlier question of the same survey."),
    )
    condition_option = models.ForeignKey(
        "Option",
        verbose_name=_("was answered with option"),
        related_name="dependent_questions",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        help_text=_("Choice questions: this option must be chosen."),
    )
    condition_yes = models.BooleanField(
        _("was answered with"),
        null=True,
        blank=True,
        choices=[(True, _("Yes")), (False, _("No"))],
        help_text=_("Yes/no questions. With neither option nor yes/no: answered at all."),
    )

    class Meta:
        ordering = ["section__position", "section_id", "position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["section", "code"], name="question_code_unique"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "single_choice",
                        "multiple_choice",
                        "scale",
                        "matrix",
                        "number",
                        "short_text",
                        "long_text",
                        "yes_no",
                    ]
                ),
                name="question_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="question_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(condition_question__isnull=False)
                | Q(condition_option__isnull=True, condition_yes__isnull=True),
                name="question_condition_has_question",
            ),
            models.CheckConstraint(
                condition=Q(condition_option__isnull=True) | Q(condition_yes__isnull=True),
                name="question_condition_option_or_yes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    def owning_survey_id(self) -> int | None:
        return self.section.survey_id if self.section_id else None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind in self.SCALE_KINDS and not (
            (self.scale_min_label_de or self.scale_min_label_en)
            and (self.scale_max_label_de or self.scale_max_label_en)
        ):
            errors["scale_min_label_de"] = _("A scale needs labels for both of its ends.")
        if self.kind != self.Kind.NUMBER and (
            self.min_value is not None or self.max_value is not None
        ):
            errors["min_value"] = _("Only number questions have bounds.")
        for name in ("min_value", "max_value"):
            value = getattr(self, name)
            if value is not None and abs(value) > NUMBER_LIMIT:
                errors[name] = _("Keep bounds within ±10¹⁵.")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = _("The largest number must not be below the smallest.")
        if self.max_choices is not None and self.kind != self.Kind.MULTIPLE_CHOICE:
            errors["max_choices"] = _("Only multiple-choice questions limit the choices.")
        if self.role and self.kind not in self.CHOICE_KINDS:
            errors["role"] = _("Only choice questions ask for needs or offers.")
        errors.update(self._condition_errors())
        if errors:
            raise ValidationError(errors)
        self.check_structure_unlocked()
        if self.section_id and (
            Question.objects.filter(section__survey_id=self.section.survey_id, code=self.code)
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError({"code": _("Another question of this survey has this code.")})

    def _condition_errors(self) -> dict[str, str]:
        trigger = self.condition_question
        if trigger is None:
            return {}
        if self.pk and trigger.pk == self.pk:
            return {"condition_question": _("A question cannot depend on itself.")}
        if not self.section_id or trigger.section.survey_id != self.section.survey_id:
            return {"condition_question": _("Choose a question of the same survey.")}
        asked_before = (
            trigger.section_id == self.section_id and trigger.position < self.position
        ) or trigger.section.position < self.section.position
        if not asked_before:
            return {"condition_question": _("Choose a question asked before this one.")}
        if self.condition_option_id and self.condition_option.question_id != trigger.pk:
            return {"condition_option": _("Choose an option of that question.")}
        if self.condition_yes is not None and trigger.kind != self.Kind.YES_NO:
            return {"condition_yes": _("Yes or no applies to yes/no questions only.")}
        return {}

    @property
    def text(self) -> str:
        return pick_language(self.text_de, self.text_en)

    @property
    def help(self) -> str:
        return pick_language(self.help_de, self.help_en)

    @property
    def scale_min_label(self) -> str:
        return pick_language(self.scale_min_label_de, self.scale_min_label_en)

    @property
    def scale_max_label(self) -> str:
        return pick_language(self.scale_max_label_de, self.scale_max_label_en)

    @property
    def is_choice(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    @property
    def has_condition(self) -> bool:
        return self.condition_question_id is not None


class Option(LockedStructureMixin, models.Model):
    """A possible answer of a choice question.

    The ``code`` is the option's stable identifier; need and offer questions use the same codes
    for the same categories. An option marked ``is_other`` asks for the answer in words.
    """

    STRUCTURAL_FIELDS = ("question", "code", "is_other")

    question = models.ForeignKey(
        Question, verbose_name=_("question"), related_name="options", on_delete=models.CASCADE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=60)
    label_de = models.CharField(_("label (German)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    is_other = models.BooleanField(
        _("other, please specify"),
        default=False,
        help_text=_("Choosing this option asks the organization to specify in words."),
    )

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code_unique"),
            models.UniqueConstraint(
                fields=["question"], condition=Q(is_other=True), name="option_one_other"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def owning_survey_id(self) -> int | None:
        return self.question.section.survey_id if self.question_id else None

    def clean(self) -> None:
        if self.question_id and not self.question.is_choice:
            raise ValidationError(_("Only single- and multiple-choice questions have options."))
        self.check_structure_unlocked()

    @property
    def label(self) -> str:
        return pick_language(self.label_de, self.label_en)


class MatrixItem(LockedStructureMixin, models.Model):
    """A row of a matrix question, rated on the question's scale."""

    STRUCTURAL_FIELDS = ("question", "code")

    question = models.ForeignKey(
        Question, verbose_name=_("question"), related_name="items", on_delete=models.CASCADE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=60)
    label_de = models.CharField(_("label (German)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("matrix item")
        verbose_name_plural = _("matrix items")
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="matrix_item_code_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    def owning_survey_id(self) -> int | None:
        return self.question.section.survey_id if self.question_id else None

    def clean(self) -> None:
        if self.question_id and self.question.kind != Question.Kind.MATRIX:
            raise ValidationError(_("Only matrix questions have items."))
        self.check_structure_unlocked()

    @property
    def label(self) -> str:
        return pick_language(self.label_de, self.label_en)


class Participation(models.TextChoices):
    """Where an organization stands with a survey, as managers follow it."""

    NOT_INVITED = "not_invited", _("Not invited")
    NOT_SENT = "not_sent", _("Link not sent yet")
    INVITED = "invited", _("Invited")
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", _("Submitted")


class Invitation(models.Model):
    """An organization's personal invitation to a survey: its link, e-mails and reminders.

    The link carries ``key`` signed with the site's secret (see ``survey.tokens``): the key
    alone, read from a database copy, opens nothing.
    """

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), related_name="invitations", on_delete=models.CASCADE
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        related_name="survey_invitations",
        # Erasing an organization erases its answers with it.
        on_delete=models.CASCADE,
    )
    key = models.CharField(
        _("key"), max_length=64, unique=True, editable=False, default=new_invitation_key
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Language of the e-mails: the one the organization last answered in."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_sent_at = models.DateTimeField(_("link last sent"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("times sent"), default=0)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["survey", "organization__name"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "organization"], name="invitation_one_per_organization"
            ),
            models.CheckConstraint(condition=~Q(key=""), name="invitation_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.survey}"

    def get_absolute_url(self) -> str:
        from .tokens import invitation_url_path

        return invitation_url_path(self)

    @property
    def participation(self) -> Participation:
        response = getattr(self, "response", None)
        if response is not None:
            return Participation.SUBMITTED if response.is_submitted else Participation.STARTED
        return Participation.INVITED if self.last_sent_at else Participation.NOT_SENT

    @property
    def last_activity_at(self):
        """Return the latest of: link sent, reminder sent, answers saved."""
        response = getattr(self, "response", None)
        dates = [self.last_sent_at, self.last_reminded_at, response and response.updated_at]
        return max((date for date in dates if date), default=None)

    @property
    def last_contacted_at(self):
        """Return when the organization last got an e-mail about this survey."""
        dates = [date for date in (self.last_sent_at, self.last_reminded_at) if date]
        return max(dates, default=None)


class Response(models.Model):
    """An organization's answers to a survey: a draft until submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Started")
        SUBMITTED = "submitted", _("Submitted")

    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        related_name="response",
        on_delete=models.CASCADE,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    current_section = models.ForeignKey(
        Section,
        verbose_name=_("continue at section"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    survey_version = models.PositiveSmallIntegerField(_("survey version"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last activity"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]), name="response_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="response_submitted_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="response_status")]

    def __str__(self) -> str:
        return str(self.invitation)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Answer(models.Model):
    """The answer to one question (one matrix item) in one response, in a typed column.

    ``choice`` holds single choice, ``choices`` multiple choice, ``boolean`` yes/no,
    ``number`` numbers, scales and matrix ratings, ``text`` both text kinds, ``other_text``
    what was written for an "other" option.
    """

    response = models.ForeignKey(
        Response, verbose_name=_("response"), related_name="answers", on_delete=models.CASCADE
    )
    # RESTRICT: a question, option or item with answers cannot be deleted on its own, only
    # together with the whole survey (which deletes the responses too).
    question = models.ForeignKey(
        Question, verbose_name=_("question"), related_name="answers", on_delete=models.RESTRICT
    )
    item = models.ForeignKey(
        MatrixItem,
        verbose_name=_("matrix item"),
        related_name="answers",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
    )
    choice = models.ForeignKey(
        Option,
        verbose_name=_("chosen option"),
        related_name="single_answers",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
    )
    choices = models.ManyToManyField(
        Option,
        verbose_name=_("chosen options"),
        related_name="multiple_answers",
        through="AnswerChoice",
        blank=True,
    )
    boolean = models.BooleanField(_("yes/no"), null=True, blank=True)
    number = models.BigIntegerField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    other_text = models.CharField(_("other, specified"), max_length=500, blank=True)

    class Meta:
        ordering = ["question", "item"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(item__isnull=True),
                name="answer_one_per_question",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "item"],
                condition=Q(item__isnull=False),
                name="answer_one_per_matrix_item",
            ),
        ]
        indexes = [models.Index(fields=["question", "choice"], name="answer_question_choice")]

    def __str__(self) -> str:
        return f"{self.response} · {self.question.code}"


class AnswerChoice(models.Model):
    """One option chosen in a multiple-choice answer (counted with ``GROUP BY option``)."""

    answer = models.ForeignKey(Answer, related_name="chosen", on_delete=models.CASCADE)
    option = models.ForeignKey(Option, related_name="chosen_in", on_delete=models.RESTRICT)

    class Meta:
        verbose_name = _("chosen option")
        verbose_name_plural = _("chosen options")
        constraints = [
            models.UniqueConstraint(fields=["answer", "option"], name="answer_choice_unique"),
        ]

    def __str__(self) -> str:
        return str(self.option)


# --- Reports ----------------------------------------------------------------------------------


class Report(models.Model):
    """An aggregated report of a survey's submitted answers, built by a Celery task.

    A report is a snapshot: once done it is never rebuilt or overwritten, so reports of two
    dates or two waves can be compared. ``parameters_key`` (a hash of breakdown, filters,
    formats, language and the internal flag) lets the database refuse a second queued or
    running report with the same parameters; ``fingerprint`` identifies the answers it used.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Breakdown(models.TextChoices):
        NONE = "", _("No breakdown")
        KIND = "kind", _("Kind of organization")
        SECTOR = "sector", _("Sector")
        STATE = "state", _("Federal state")
        LEGAL_FORM = "legal_form", _("Legal form")
        SIZE = "size", _("Size (members)")

    IN_FLIGHT = (Status.QUEUED, Status.RUNNING)

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), related_name="reports", on_delete=models.CASCADE
    )
    breakdown = models.CharField(
        _("breakdown"), max_length=16, choices=Breakdown, blank=True, default=Breakdown.NONE
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    formats = models.JSONField(_("formats"), default=list)
    internal = models.BooleanField(
        _("internal"),
        default=False,
        help_text=_("Exact numbers and the organizations' raw answers, for managers only."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    parameters_key = models.CharField(_("parameters key"), max_length=64, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(
        _("build attempts"), default=0, help_text=_("More than one: a worker died and it rebuilt.")
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    enqueued_at = models.DateTimeField(_("last sent to the workers"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    fingerprint = models.CharField(
        _("fingerprint of the answers"), max_length=64, blank=True, editable=False
    )
    respondent_count = models.PositiveIntegerField(_("respondents"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "parameters_key"],
                condition=Q(status__in=["queued", "running"]),
                name="report_one_in_flight_per_parameters",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="report_status_valid",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False, result__isnull=False),
                name="report_done_has_result",
            ),
            models.CheckConstraint(
                condition=Q(breakdown__in=["", "kind", "sector", "state", "legal_form", "size"]),
                name="report_breakdown_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_status_created")]

    def __str__(self) -> str:
        return f"{self.survey.slug} #{self.pk} ({self.get_breakdown_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manage:survey-manage:report", args=[self.survey.slug, self.pk])

    @property
    def is_in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


def report_file_path(instance: ReportFile, filename: str) -> str:
    return f"reports/{instance.report.survey.slug}/{instance.report_id}/{filename}"


class ReportFile(models.Model):
    """One export of a report (CSV, XLSX, PDF, JSON), in the default storage under ``reports/``."""

    class Kind(models.TextChoices):
        CSV = "csv", _("CSV, aggregated")
        CSV_EXCEL_DE = "csv_excel_de", _("CSV, aggregated, for German Excel (; and decimal comma)")
        ANSWERS_CSV = "answers_csv", _("CSV, each organization's answers")
        XLSX = "xlsx", _("Excel workbook")
        PDF = "pdf", _("PDF with charts")
        JSON = "json", _("JSON")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), related_name="files", on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    file = models.FileField(_("file"), upload_to=report_file_path, max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["report", "kind"]
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="report_file_one_per_kind"),
        ]

    def __str__(self) -> str:
        return self.file.name

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
