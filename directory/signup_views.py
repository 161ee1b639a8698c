"""The public signup: the form, the "check your e-mail" page and the confirmation link."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import services, spam, tokens
from .forms import SignupForm
from .models import Organization

SPAM_NOTICES = {
    spam.Verdict.TOO_FAST: (
        gettext_lazy(
            "That was quick! Please check your entries once more and send the form again."
        ),
        200,
    ),
    spam.Verdict.RATE_LIMITED: (
        gettext_lazy(
            "Many organizations were just registered from your network. Your entries are kept "
            "below: please send the form again in an hour, or write to us."
        ),
        429,
    ),
}


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "directory/signup.html", {"form": SignupForm()})
    verdict = spam.judge_submission(request)
    if verdict is spam.Verdict.BOT:
        return render(request, "directory/signup_refused.html", status=400)
    stamp = spam.read_form_token(request.POST.get(spam.FORM_TOKEN_FIELD, ""))
    if stamp and Organization.objects.filter(signup_key=stamp.key).exists():
        return redirect("directory:signup-done")  # the same form, sent twice
    form = SignupForm(request.POST if stamp else _with_new_form_token(request.POST))
    if form.is_valid() and verdict is spam.Verdict.HUMAN:
        if spam.rate_limit_take(
            spam.client_key(request, "signup"), limit=settings.SIGNUP_RATE_LIMIT
        ):
            return _store_signup(request, form, stamp.key)
        verdict = spam.Verdict.RATE_LIMITED
    notice, status = SPAM_NOTICES.get(verdict, ("", 200))
    if verdict is spam.Verdict.TOO_FAST and form.errors:
        notice = ""  # the person has mistakes to correct anyway; say nothing about speed
    return render(request, "directory/signup.html", {"form": form, "notice": notice}, status=status)


def _store_signup(request: HttpRequest, form: SignupForm, signup_key: str) -> HttpResponse:
    try:
        services.organization_signup(
            fields=form.organization_fields(),
            sectors=form.cleaned_data["sectors"],
            language=request.LANGUAGE_CODE,
            signup_key=signup_key,
        )
    except IntegrityError:
        # Two posts of one form at the same moment: the other one stored the entry.
        if not Organization.objects.filter(signup_key=signup_key).exists():
            raise
    return redirect("directory:signup-done")


def _with_new_form_token(data):
    data = data.copy()
    data[spam.FORM_TOKEN_FIELD] = spam.new_form_token()
    return data


def signup_done(request: HttpRequest) -> HttpResponse:
    context = {"days": settings.SIGNUP_CONFIRMATION_DAYS}
    return render(request, "directory/signup_done.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Show a button that confirms the signup (a GET by a mail scanner confirms nothing)."""
    try:
        organization_id = tokens.confirmation_organization_id(token)
    except tokens.ExpiredTokenError:
        return render(request, "directory/signup_link_invalid.html", {"expired": True}, status=410)
    except tokens.InvalidTokenError:
        return render(request, "directory/signup_link_invalid.html", status=404)
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return render(request, "directory/signup_link_invalid.html", {"expired": True}, status=410)
    if organization.status != Organization.Status.UNCONFIRMED:
        return render(request, "directory/signup_confirmed.html", {"already": True})
    if request.method == "POST":
        if services.organization_confirm(organization_id=organization.pk) is None:
            return render(request, "directory/signup_confirmed.html", {"already": True})
        return render(request, "directory/signup_confirmed.html", {"organization": organization})
    return render(request, "directory/signup_confirm.html", {"organization": organization})
