"""The survey in the Django admin: questionnaires are edited here, with inlines.

Once a survey has answers its structure is locked (see ``survey.models``): structural fields
become read-only, inlines can neither add nor delete, and the models' ``clean`` refuses what
slips through, with a message saying why and what to do instead (copy as a new version).
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coopmap.permissions import is_network_manager

from . import services
from .models import (
    Answer,
    Invitation,
    MatrixItem,
    Option,
    Question,
    Response,
    Section,
    Survey,
)


def _survey_of(obj) -> Survey | None:
    match obj:
        case Survey():
            return obj
        case Section():
            return obj.survey
        case Question():
            return obj.section.survey
        case Option() | MatrixItem():
            return obj.question.section.survey
    return None


class LockAwareInline(admin.TabularInline):
    """An inline that allows no additions or deletions once the survey has answers."""

    extra = 0
    structural_fields: tuple[str, ...] = ("code",)

    def _locked(self, obj) -> bool:
        survey = _survey_of(obj)
        return bool(survey and survey.is_locked)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._locked(obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + list(self.structural_fields) if self._locked(obj) else readonly


class LockAwareAdmin(admin.ModelAdmin):
    structural_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        survey = _survey_of(obj)
        if survey and survey.is_locked:
            return readonly + list(self.structural_fields)
        return readonly

    def has_delete_permission(self, request, obj=None) -> bool:
        survey = _survey_of(obj) if not isinstance(obj, Survey) else None
        return super().has_delete_permission(request, obj) and not (survey and survey.is_locked)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        survey = _survey_of(obj)
        if request.method == "GET" and survey and survey.is_locked:
            messages.info(
                request,
                gettext(
                    "This survey has answers: its structure is locked, texts can still be "
                    "corrected. Copy it as a new version to change its structure."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)


class SectionInline(LockAwareInline):
    model = Section
    fields = ["position", "code", "title_de", "title_en"]
    show_change_link = True


class QuestionInline(LockAwareInline):
    model = Question
    fk_name = "section"
    fields = ["position", "code", "kind", "required", "text_de", "text_en"]
    structural_fields = ("code", "kind", "required")
    show_change_link = True


class OptionInline(LockAwareInline):
    model = Option
    fields = ["position", "code", "label_de", "label_en", "is_other"]
    structural_fields = ("code", "is_other")


class MatrixItemInline(LockAwareInline):
    model = MatrixItem
    fields = ["position", "code", "label_de", "label_en"]


@admin.register(Survey)
class SurveyAdmin(LockAwareAdmin):
    list_display = ["title_de", "slug", "version", "status", "opens_at", "closes_at", "responses"]
    list_filter = ["status"]
    search_fields = ["title_de", "title_en", "slug"]
    prepopulated_fields = {"slug": ["title_de"]}
    inlines = [SectionInline]
    actions = ["copy_as_new_version"]
    fieldsets = [
        (None, {"fields": ["slug", "version", "title_de", "title_en", "intro_de", "intro_en"]}),
        (
            _("Answering"),
            {"fields": ["status", "opens_at", "closes_at", "allow_changes_after_submit"]},
        ),
        (_("Reminders"), {"fields": ["reminder_limit", "reminder_interval_days"]}),
    ]
    structural_fields = ("version",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_count=Count("invitations__response"))

    @admin.display(description=_("responses"), ordering="response_count")
    def responses(self, survey: Survey) -> int:
        return survey.response_count

    @admin.action(description=_("Copy as a new version (a draft without answers)"))
    def copy_as_new_version(self, request: HttpRequest, queryset) -> None:
        for survey in queryset:
            slug = f"{survey.slug}-v{survey.version + 1}"
            if Survey.objects.filter(slug=slug).exists():
                self.message_user(
                    request,
                    gettext("%(slug)s exists already.") % {"slug": slug},
                    messages.ERROR,
                )
                continue
            copy = services.survey_copy(survey=survey, slug=slug)
            self.message_user(
                request,
                gettext("Copied as %(slug)s (version %(version)s), a draft.")
                % {"slug": copy.slug, "version": copy.version},
                messages.SUCCESS,
            )


@admin.register(Section)
class SectionAdmin(LockAwareAdmin):
    list_display = ["title_de", "survey", "position", "code"]
    list_filter = ["survey"]
    search_fields = ["title_de", "title_en", "code"]
    list_select_related = ["survey"]
    inlines = [QuestionInline]
    structural_fields = ("survey", "code")


@admin.register(Question)
class QuestionAdmin(LockAwareAdmin):
    list_display = ["code", "text_de", "kind", "required", "section", "position"]
    list_filter = ["section__survey", "kind", "required"]
    search_fields = ["code", "text_de", "text_en"]
    list_select_related = ["section"]
    raw_id_fields = ["condition_question", "condition_option"]
    inlines = [OptionInline, MatrixItemInline]
    structural_fields = Question.STRUCTURAL_FIELDS
    fieldsets = [
        (None, {"fields": ["section", "position", "code", "kind", "required", "role"]}),
        (_("Texts"), {"fields": ["text_de", "text_en", "help_de", "help_en"]}),
        (
            _("Scale and matrix"),
            {
                "fields": [
                    "scale_min_label_de",
                    "scale_min_label_en",
                    "scale_max_label_de",
                    "scale_max_label_en",
                ]
            },
        ),
        (_("Numbers and choices"), {"fields": ["min_value", "max_value", "max_choices"]}),
        (
            _("Condition"),
            {"fields": ["condition_question", "condition_option", "condition_yes"]},
        ),
    ]

    def get_inlines(self, request, obj=None):
        if obj is None:
            return []
        if obj.kind == Question.Kind.MATRIX:
            return [MatrixItemInline]
        return [OptionInline] if obj.is_choice else []


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "survey",
        "language",
        "last_sent_at",
        "send_count",
        "reminders_sent",
        "response_status",
    ]
    list_filter = ["survey", "language"]
    search_fields = ["organization__name"]
    list_select_related = ["organization", "survey", "response"]
    raw_id_fields = ["organization"]
    readonly_fields = [
        "link",
        "created_at",
        "last_sent_at",
        "send_count",
        "reminders_sent",
        "last_reminded_at",
    ]

    @admin.display(description=_("personal link"))
    def link(self, invitation: Invitation) -> str:
        if not invitation.pk:
            return "–"
        return format_html('<a href="{0}">{0}</a>', invitation.get_absolute_url())

    @admin.display(description=_("response"))
    def response_status(self, invitation: Invitation) -> str:
        response = getattr(invitation, "response", None)
        return response.get_status_display() if response else "–"


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "item", "choice", "boolean", "number", "text", "other_text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "item", "choice")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Individual answers: network managers only, read-only (organizations answer them)."""

    list_display = ["invitation", "status", "updated_at", "submitted_at"]
    list_filter = ["status", "invitation__survey"]
    search_fields = ["invitation__organization__name"]
    list_select_related = ["invitation__organization", "invitation__survey"]
    readonly_fields = [
        "invitation",
        "status",
        "current_section",
        "survey_version",
        "language",
        "started_at",
        "updated_at",
        "submitted_at",
        "manage_link",
    ]
    inlines = [AnswerInline]

    def has_view_permission(self, request, obj=None) -> bool:
        return is_network_manager(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("answers as the organization sees them"))
    def manage_link(self, response: Response) -> str:
        url = reverse(
            "manage:survey-manage:response",
            kwargs={"slug": response.invitation.survey.slug, "pk": response.invitation_id},
        )
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))
