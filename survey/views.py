"""Answering a survey through an organization's personal link: ``/survey/<token>/…``.

The link is the only key: whoever in the organization has it may answer, and everybody who
opens it finds the same saved answers. Pages are never cached (they hold the answers).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services
from .forms import section_form_class
from .models import Invitation, Response, Section
from .questionnaire import Questionnaire, Values
from .tokens import invitation_key_from_token

ACTIONS = ("next", "back", "save")


def _invitation(token: str) -> Invitation | None:
    key = invitation_key_from_token(token)
    if key is None:
        return None
    return (
        Invitation.objects.select_related("survey", "organization", "response")
        .filter(key=key)
        .first()
    )


def _response(invitation: Invitation) -> Response | None:
    return getattr(invitation, "response", None)


def _can_change(invitation: Invitation) -> bool:
    survey = invitation.survey
    response = _response(invitation)
    if not survey.is_accepting_answers:
        return False
    return not (response and response.is_submitted) or survey.allow_changes_after_submit


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "survey/invalid_link.html", status=404)


def _step_url(token: str, section: Section | None, questionnaire: Questionnaire) -> str:
    if section is None:
        return reverse("survey:review", kwargs={"token": token})
    step = questionnaire.step_of(section)
    return reverse("survey:section", kwargs={"token": token, "step": step})


def _progress(questionnaire: Questionnaire, values: Values, current: Section | None) -> dict:
    """Return the steps (visible sections, then the review) and where ``current`` stands."""
    sections = questionnaire.visible_sections(values)
    if current is not None and current not in sections:
        sections = questionnaire.sections
    position = sections.index(current) + 1 if current is not None else len(sections) + 1
    return {"steps": sections, "step": position, "step_count": len(sections) + 1}


@never_cache
def survey_start(request: HttpRequest, token: str) -> HttpResponse:
    """Welcome the organization, or show its submitted answers, or say the survey is shut."""
    invitation = _invitation(token)
    if invitation is None:
        return _invalid_link(request)
    survey = invitation.survey
    response = _response(invitation)
    questionnaire = Questionnaire.load(survey)
    context = {"invitation": invitation, "survey": survey, "response": response, "token": token}
    if response and response.is_submitted:
        values = questionnaire.values_of(response)
        context |= {"sheet": questionnaire.display(values), "can_change": _can_change(invitation)}
        return render(request, "survey/submitted.html", context)
    if not survey.is_accepting_answers:
        context["availability"] = survey.availability()
        return render(request, "survey/unavailable.html", context)
    first = questionnaire.sections[0] if questionnaire.sections else None
    resume_at = response.current_section if response else first
    context |= {
        "sections": questionnaire.sections,
        "resume_url": _step_url(token, resume_at, questionnaire),
        "resume_section": resume_at,
    }
    return render(request, "survey/start.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_section(request: HttpRequest, token: str, step: int) -> HttpResponse:
    """Show one page of questions; save it as a draft and move on, back, or stay."""
    invitation = _invitation(token)
    if invitation is None:
        return _invalid_link(request)
    if not _can_change(invitation):
        return redirect("survey:start", token=token)
    questionnaire = Questionnaire.load(invitation.survey)
    section = questionnaire.section_at(step)
    if section is None:
        return _invalid_link(request)
    stored = questionnaire.values_of(_response(invitation))
    form_class = section_form_class(questionnaire, section)
    if request.method == "POST":
        action = request.POST.get("action", "next")
        action = action if action in ACTIONS else "next"
        form = form_class(request.POST, stored_values=stored, enforce_required=action == "next")
        if form.is_valid():
            return _save_and_move(request, invitation, questionnaire, section, form, action)
    elif section not in questionnaire.visible_sections(stored):
        # Nothing to ask here, given earlier answers: go on to the next page that asks.
        following = questionnaire.next_section(section, stored)
        return redirect(_step_url(token, following, questionnaire))
    else:
        initial = questionnaire.section_values(section, stored)
        form = form_class(initial=initial, stored_values=stored)
    context = {
        "invitation": invitation,
        "survey": invitation.survey,
        "section": section,
        "form": form,
        "token": token,
        **_progress(questionnaire, stored, section),
    }
    return render(request, "survey/section.html", context)


def _save_and_move(request, invitation, questionnaire, section, form, action) -> HttpResponse:
    token = request.resolver_match.kwargs["token"]
    values = {**form.stored_values, **form.cleaned_data}
    if action == "next":
        target = questionnaire.next_section(section, values)
    elif action == "back":
        target = questionnaire.previous_section(section, values)
    else:
        target = section
    # Going back from the first page leaves the questionnaire; resume on that page.
    continue_at = section if action == "back" and target is None else target
    try:
        services.response_save_section(
            invitation=invitation,
            section=section,
            values=form.cleaned_data,
            continue_at=continue_at,
            language=request.LANGUAGE_CODE,
            questionnaire=questionnaire,
        )
    except services.SurveyError as error:
        messages.error(request, str(error))
        return redirect("survey:start", token=token)
    if action == "save":
        messages.success(
            request,
            _("Your answers are saved. You can leave now and continue later with the same link."),
        )
    if action == "back" and target is None:
        return redirect("survey:start", token=token)
    return redirect(_step_url(token, target, questionnaire))


@never_cache
@require_http_methods(["GET", "POST"])
def survey_review(request: HttpRequest, token: str) -> HttpResponse:
    """List every answer for a last look; submit them."""
    invitation = _invitation(token)
    if invitation is None:
        return _invalid_link(request)
    if not _can_change(invitation):
        return redirect("survey:start", token=token)
    if request.method == "POST":
        try:
            services.response_submit(invitation=invitation)
        except services.ResponseIncompleteError:
            messages.error(request, _("Please answer the questions marked below first."))
        except services.SurveyError as error:
            messages.error(request, str(error))
            return redirect("survey:start", token=token)
        else:
            messages.success(request, _("Thank you! Your answers have been submitted."))
            return redirect("survey:start", token=token)
    questionnaire = Questionnaire.load(invitation.survey)
    values = questionnaire.values_of(_response(invitation))
    sheet = questionnaire.display(values, mark_missing=True)
    context = {
        "invitation": invitation,
        "survey": invitation.survey,
        "token": token,
        "sheet": sheet,
        "missing_count": sum(answer.missing for part in sheet for answer in part.answers),
        **_progress(questionnaire, values, None),
    }
    return render(request, "survey/review.html", context)
