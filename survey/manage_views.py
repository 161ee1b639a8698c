"""The survey in the managers' area: response rate, invitations, individual answers.

Individual answers are shown here and nowhere else outside the admin.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from coopmap.permissions import manager_required
from coopmap.site import site_url
from directory.models import Organization

from . import services
from .models import Invitation, Participation, Survey
from .questionnaire import Questionnaire
from .tokens import invitation_url_path

ORGANIZATIONS_PER_PAGE = 50


@manager_required
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = Survey.objects.with_participation().order_by("-created_at")
    return render(request, "manage/survey/survey_list.html", {"surveys": surveys})


def _organizations(survey: Survey, participation: str) -> QuerySet[Organization]:
    """Return the organizations a manager follows for ``survey``, filtered by participation."""
    invited = Q(survey_invitations__survey=survey)
    queryset = Organization.objects.filter(Q(status="published") | invited)
    match participation:
        case Participation.NOT_INVITED:
            queryset = queryset.exclude(invited)
        case Participation.NOT_SENT:
            queryset = queryset.filter(invited, survey_invitations__last_sent_at__isnull=True)
        case Participation.INVITED:
            queryset = queryset.filter(
                invited,
                survey_invitations__last_sent_at__isnull=False,
                survey_invitations__response__isnull=True,
            )
        case Participation.STARTED | Participation.SUBMITTED:
            status = "draft" if participation == Participation.STARTED else "submitted"
            queryset = queryset.filter(invited, survey_invitations__response__status=status)
    invitations = Invitation.objects.filter(survey=survey).select_related("response")
    return (
        queryset.distinct()
        .order_by("sort_name", "pk")
        .prefetch_related(Prefetch("survey_invitations", invitations, to_attr="invitations_here"))
    )


@manager_required
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the response rate and where every organization stands."""
    survey = get_object_or_404(Survey.objects.with_participation(), slug=slug)
    participation = request.GET.get("participation", "")
    if participation not in Participation.values:
        participation = ""
    page = Paginator(_organizations(survey, participation), ORGANIZATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        (organization, organization.invitations_here[0] if organization.invitations_here else None)
        for organization in page
    ]
    context = {
        "survey": survey,
        "page": page,
        "rows": rows,
        "participation": participation,
        "participations": Participation.choices,
        "published_count": Organization.objects.published().count(),
    }
    return render(request, "manage/survey/survey_detail.html", context)


@manager_required
@require_POST
def survey_invite_all(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    try:
        outcome = services.survey_invite_all(survey=survey)
    except services.SurveyError as error:
        messages.error(request, str(error))
        return redirect("manage:survey-manage:detail", slug=slug)
    messages.success(
        request,
        ngettext(
            "%(count)d invitation e-mailed.", "%(count)d invitations e-mailed.", len(outcome.sent)
        )
        % {"count": len(outcome.sent)},
    )
    if outcome.without_email:
        names = ", ".join(organization.name for organization in outcome.without_email)
        messages.warning(
            request,
            _("Not invited, for lack of a contact e-mail address: %(names)s.") % {"names": names},
        )
    return redirect("manage:survey-manage:detail", slug=slug)


@manager_required
@require_POST
def organization_invite(request: HttpRequest, slug: str, organization_pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    organization = get_object_or_404(Organization, pk=organization_pk)
    try:
        services.organization_invite(survey=survey, organization=organization)
    except services.SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Invitation e-mailed to %(name)s.") % {"name": organization})
    return redirect("manage:survey-manage:detail", slug=slug)


@manager_required
@require_POST
def organization_link(request: HttpRequest, slug: str, organization_pk: int) -> HttpResponse:
    """Make an organization's personal link without e-mailing it (to pass it on by hand)."""
    survey = get_object_or_404(Survey, slug=slug)
    organization = get_object_or_404(Organization, pk=organization_pk)
    invitation, _created = services.invitation_create(survey=survey, organization=organization)
    messages.success(
        request, _("The personal link of %(name)s is ready to pass on.") % {"name": organization}
    )
    return redirect("manage:survey-manage:response", slug=slug, pk=invitation.pk)


@manager_required
@require_POST
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("organization"), pk=pk, survey__slug=slug
    )
    try:
        services.invitation_send(invitation=invitation)
    except services.SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Link sent again to %(name)s.") % {"name": invitation.organization}
        )
    return redirect("manage:survey-manage:detail", slug=slug)


@manager_required
def response_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Show one organization's answers (network managers only)."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("survey", "organization", "response"),
        pk=pk,
        survey__slug=slug,
    )
    questionnaire = Questionnaire.load(invitation.survey)
    response = getattr(invitation, "response", None)
    context = {
        "survey": invitation.survey,
        "invitation": invitation,
        "response": response,
        "sheet": questionnaire.display(questionnaire.values_of(response)),
        "link": site_url() + invitation_url_path(invitation),
    }
    return render(request, "manage/survey/response_detail.html", context)
