"""Self-service without accounts: the contact of an entry edits, downloads or deletes it.

The contact asks for a link on the profile page; the link (``tokens.self_service_token``) is
the only credential. It opens exactly one entry and expires.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services, spam, tokens
from .forms import EditLinkRequestForm, OrganizationForm
from .models import Organization

EDIT_LINKS_PER_ENTRY = 3  # per rate-limit period: enough for a person, no e-mail bombing


@require_http_methods(["GET", "POST"])
def edit_link_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the contact a link, with the same answer whether the address matched or not."""
    organization = get_object_or_404(Organization.objects.published(), slug=slug)
    form = EditLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client_key = spam.client_key(request, "edit-link")
        entry_key = f"edit-link-entry:{organization.pk}"
        matches = form.cleaned_data["email"].lower() == organization.contact_email.lower()
        allowed = spam.rate_limit_take(client_key, limit=settings.SIGNUP_RATE_LIMIT)
        if matches and allowed and spam.rate_limit_take(entry_key, limit=EDIT_LINKS_PER_ENTRY):
            services.organization_send_edit_link(
                organization=organization, language=request.LANGUAGE_CODE
            )
        messages.success(
            request,
            _(
                "If this is the address we have for the entry's contact person, a link to edit "
                "the entry is on its way. It works for %(hours)s hours."
            )
            % {"hours": settings.SELF_SERVICE_LINK_HOURS},
        )
        return redirect(organization)
    context = {"organization": organization, "form": form}
    return render(request, "directory/self_service_request.html", context)


def with_self_service_token(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve ``token`` to its entry (which must be the one in the URL) or explain the failure."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, token: str) -> HttpResponse:
        try:
            organization = tokens.self_service_organization(token)
        except tokens.ExpiredTokenError:
            context = {"expired": True}
            return render(request, "directory/self_service_invalid.html", context, status=410)
        except tokens.InvalidTokenError:
            return render(request, "directory/self_service_invalid.html", status=404)
        if organization.slug != slug:
            return render(request, "directory/self_service_invalid.html", status=404)
        return view(request, organization, token)

    return wrapper


@with_self_service_token
def self_service(request: HttpRequest, organization: Organization, token: str) -> HttpResponse:
    context = {
        "organization": organization,
        "token": token,
        "pending_revision": organization.revisions.filter(status="pending").first(),
    }
    return render(request, "directory/self_service.html", context)


@require_http_methods(["GET", "POST"])
@with_self_service_token
def self_service_edit(request: HttpRequest, organization: Organization, token: str) -> HttpResponse:
    pending = organization.revisions.filter(status="pending").first()
    form = OrganizationForm(
        request.POST or None, instance=organization, initial=pending.changes if pending else None
    )
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("You changed nothing, so there is nothing to review."))
        else:
            services.organization_revision_submit(
                organization=organization, changes=changes, language=request.LANGUAGE_CODE
            )
            messages.success(
                request,
                _(
                    "Thank you! A network manager will review your changes; until then the entry "
                    "stays as it is."
                ),
            )
        return redirect("directory:self-service", slug=organization.slug, token=token)
    context = {"organization": organization, "token": token, "form": form}
    return render(request, "directory/self_service_edit.html", context)


@require_POST
@with_self_service_token
def self_service_export(
    request: HttpRequest, organization: Organization, token: str
) -> HttpResponse:
    """Return everything stored about the entry as a JSON download (GDPR article 15)."""
    data = services.organization_export_personal_data(organization=organization)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{organization.slug}.json"'
    return response


@require_http_methods(["GET", "POST"])
@with_self_service_token
def self_service_delete(
    request: HttpRequest, organization: Organization, token: str
) -> HttpResponse:
    """Ask for the entry's deletion (GDPR article 17); a network manager confirms it."""
    if request.method == "POST":
        services.organization_request_deletion(organization=organization)
        messages.success(
            request,
            _(
                "We have received your request. A network manager will delete the entry and "
                "confirm it by e-mail."
            ),
        )
        return redirect("directory:self-service", slug=organization.slug, token=token)
    context = {"organization": organization, "token": token}
    return render(request, "directory/self_service_delete.html", context)
