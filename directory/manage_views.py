"""Moderation in the managers' area: the queue, the review of an entry or a change, decisions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coopmap.permissions import manager_required

from . import services
from .forms import OrganizationForm, PositionForm, ReasonForm
from .models import Organization, OrganizationRevision

QUEUE_PAGE_SIZE = 25


@require_GET
@manager_required
def queue(request: HttpRequest) -> HttpResponse:
    """List what waits for a decision, oldest first: new entries, changes, deletion requests."""
    pending = Organization.objects.filter(status=Organization.Status.PENDING).order_by(
        "email_confirmed_at", "created_at", "pk"
    )
    context = {
        "page": Paginator(pending, QUEUE_PAGE_SIZE).get_page(request.GET.get("page")),
        "revisions": OrganizationRevision.objects.filter(status=OrganizationRevision.Status.PENDING)
        .select_related("organization")
        .order_by("created_at", "pk"),
        "deletion_requests": Organization.objects.filter(
            deletion_requested_at__isnull=False
        ).order_by("deletion_requested_at", "pk"),
    }
    return render(request, "manage/directory/queue.html", context)


@require_GET
@manager_required
def without_position(request: HttpRequest) -> HttpResponse:
    """List the published entries that the map cannot show, to place them by hand."""
    entries = (
        Organization.objects.published()
        .filter(latitude__isnull=True)
        .order_by("sort_name", "pk")
        .only("pk", "name", "street", "postal_code", "city", "geocode_status")
    )
    page = Paginator(entries, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "manage/directory/without_position.html", {"page": page})


@require_GET
@manager_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    return _render_review(request, organization)


@manager_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an entry with the self-service form's fields and validation (audit-logged)."""
    organization = get_object_or_404(Organization, pk=pk)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if "sectors" in changes:
            changes["sectors"] = list(changes["sectors"])
        services.organization_edit_by_manager(
            organization=organization, changes=changes, by=request.user
        )
        messages.success(request, _("The entry was saved."))
        return redirect("manage:directory-manage:review", pk=organization.pk)
    return render(
        request,
        "manage/directory/edit.html",
        {"organization": organization, "form": form},
        status=400 if form.errors else 200,
    )


def _render_review(
    request: HttpRequest,
    organization: Organization,
    *,
    reject_form: ReasonForm | None = None,
    position_form: PositionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    initial = {"latitude": organization.latitude, "longitude": organization.longitude}
    context = {
        "organization": organization,
        "sectors": organization.sectors.all(),
        "audit_log": organization.audit_log.select_related("actor"),
        "revisions": organization.revisions.order_by("-created_at"),
        "reject_form": reject_form or ReasonForm(),
        "position_form": position_form or PositionForm(initial=initial),
    }
    return render(request, "manage/directory/review.html", context, status=status)


@require_POST
@manager_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    try:
        services.organization_approve(organization=organization, by=request.user)
    except services.ModerationError as error:
        messages.error(request, str(error))
        return redirect("manage:directory-manage:review", pk=pk)
    messages.success(request, _("“%(name)s” is published.") % {"name": organization.name})
    return redirect("manage:directory-manage:queue")


@require_POST
@manager_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_review(request, organization, reject_form=form, status=400)
    try:
        services.organization_reject(
            organization=organization, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.ModerationError as error:
        messages.error(request, str(error))
        return redirect("manage:directory-manage:review", pk=pk)
    messages.success(
        request,
        _("“%(name)s” is rejected; the contact was told why.") % {"name": organization.name},
    )
    return redirect("manage:directory-manage:queue")


@require_POST
@manager_required
def place(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the position a manager set on the map (or typed in, without JavaScript)."""
    organization = get_object_or_404(Organization, pk=pk)
    form = PositionForm(request.POST)
    if not form.is_valid():
        return _render_review(request, organization, position_form=form, status=400)
    services.organization_place(organization=organization, by=request.user, **form.cleaned_data)
    messages.success(request, _("The position is saved."))
    return redirect("manage:directory-manage:review", pk=pk)


@require_POST
@manager_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete an entry whose contact asked for it (GDPR article 17)."""
    organization = get_object_or_404(Organization, pk=pk)
    try:
        services.organization_delete(organization=organization, by=request.user)
    except services.ModerationError as error:
        messages.error(request, str(error))
        return redirect("manage:directory-manage:review", pk=pk)
    messages.success(request, _("“%(name)s” is deleted.") % {"name": organization.name})
    return redirect("manage:directory-manage:queue")


@require_GET
@manager_required
def revision(request: HttpRequest, pk: int) -> HttpResponse:
    revision = get_object_or_404(OrganizationRevision.objects.select_related("organization"), pk=pk)
    return _render_revision(request, revision)


def _render_revision(
    request: HttpRequest,
    revision: OrganizationRevision,
    *,
    reject_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "revision": revision,
        "organization": revision.organization,
        "diff": revision.diff(),
        "reject_form": reject_form or ReasonForm(),
    }
    return render(request, "manage/directory/revision.html", context, status=status)


@require_POST
@manager_required
def revision_approve(request: HttpRequest, pk: int) -> HttpResponse:
    revision = get_object_or_404(OrganizationRevision, pk=pk)
    try:
        services.organization_revision_approve(revision=revision, by=request.user)
    except services.ModerationError as error:
        messages.error(request, str(error))
        return redirect("manage:directory-manage:revision", pk=pk)
    messages.success(request, _("The change is published."))
    return redirect("manage:directory-manage:queue")


@require_POST
@manager_required
def revision_reject(request: HttpRequest, pk: int) -> HttpResponse:
    revision = get_object_or_404(OrganizationRevision.objects.select_related("organization"), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_revision(request, revision, reject_form=form, status=400)
    try:
        services.organization_revision_reject(
            revision=revision, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.ModerationError as error:
        messages.error(request, str(error))
        return redirect("manage:directory-manage:revision", pk=pk)
    messages.success(request, _("The change is rejected; the entry stays as it was."))
    return redirect("manage:directory-manage:queue")
