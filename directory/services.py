"""Writes of the directory: each change of an organization goes through one of these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from coopmap.emails import email_queue
from coopmap.queue import enqueue_on_commit
from coopmap.site import site_url
from coopmap.text import fold

from . import tokens
from .geo import geocoding
from .models import (
    ADDRESS_FIELDS,
    AuditLogEntry,
    Organization,
    OrganizationRevision,
    Sector,
    normalized_state,
)


def organization_schedule_geocoding(*, organization: Organization) -> None:
    """Mark ``organization`` as awaiting a position and geocode it once the transaction commits."""
    from .tasks import geocode_organization

    Organization.objects.filter(pk=organization.pk).update(
        geocode_status=Organization.GeocodeStatus.PENDING
    )
    organization.geocode_status = Organization.GeocodeStatus.PENDING
    enqueue_on_commit(geocode_organization, organization.pk)


def organizations_geocode_stale(*, older_than: timedelta) -> int:
    """Enqueue geocoding again for entries whose position is pending for longer than this.

    The broker may have been down when they were saved, or a worker died; return how many.
    """
    from .tasks import geocode_organization

    stale = Organization.objects.filter(
        geocode_status=Organization.GeocodeStatus.PENDING,
        updated_at__lt=timezone.now() - older_than,
    ).exclude(status=Organization.Status.UNCONFIRMED)
    count = 0
    for organization_id in stale.values_list("pk", flat=True).iterator():
        geocode_organization.delay(organization_id)
        count += 1
    return count


def organization_geocode(*, organization_id: int) -> Organization:
    """Look up the position of an organization's address and store it.

    Raises ``geocoding.GeocoderUnavailableError`` when the geocoder is down and the offline
    gazetteer does not know the place either, so the task retries; an address that no geocoder
    knows leaves the organization without a position ("not found"). The geocoder is asked
    outside the transaction, so that no row stays locked while a web service answers.
    """
    organization = Organization.objects.get(pk=organization_id)
    if organization.geocode_status == Organization.GeocodeStatus.MANUAL:
        return organization  # a manager placed the pin by hand: keep it
    address = _geocoding_address(organization)
    location = geocoding.locate(address) if (address.postal_code or address.city) else None
    return _organization_store_location(
        organization_id=organization_id, address=address, location=location
    )


@transaction.atomic
def _organization_store_location(
    *, organization_id: int, address: geocoding.Address, location: geocoding.Location | None
) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    if (
        organization.geocode_status == Organization.GeocodeStatus.MANUAL
        or _geocoding_address(organization) != address
    ):
        # Placed by hand or moved while the geocoder answered: that position is not ours to
        # overwrite (a changed address schedules its own geocoding).
        return organization
    if not (address.postal_code or address.city):
        organization.geocode_status = Organization.GeocodeStatus.NO_ADDRESS
    else:
        organization.geocode_status = (
            Organization.GeocodeStatus.LOCATED if location else Organization.GeocodeStatus.NOT_FOUND
        )
    organization.latitude = location.latitude if location else None
    organization.longitude = location.longitude if location else None
    organization.geocode_precision = location.precision if location else ""
    organization.geocode_source = location.source if location else ""
    organization.geocoded_at = timezone.now()
    if location and location.state and not organization.state:
        # The geocoder knows the state where the postal code did not tell (or there was none).
        organization.state = normalized_state(
            country=str(organization.country), state=location.state
        )
    organization.save(
        update_fields=[
            "state",
            "latitude",
            "longitude",
            "geocode_status",
            "geocode_precision",
            "geocode_source",
            "geocoded_at",
        ]
    )
    return organization


def _geocoding_address(organization: Organization) -> geocoding.Address:
    return geocoding.Address(
        street=organization.street.strip(),
        postal_code=organization.postal_code.strip(),
        city=organization.city.strip(),
        state=organization.state.strip(),
        country=str(organization.country or "DE").strip().upper(),
    )


# --- Signup, moderation and self-service ------------------------------------------------------


class ModerationError(Exception):
    """The entry is not in a state that allows this step (e.g. approving it twice)."""


def organization_signup(
    *, fields: dict, sectors: Iterable[Sector], language: str, signup_key: str
) -> Organization:
    """Store a new, unconfirmed entry with the contact's consent; e-mail the confirmation link.

    ``signup_key`` is unique per shown form: posting the same form twice raises IntegrityError
    on the second call instead of creating a second entry.
    """
    with transaction.atomic():
        organization = Organization(
            **fields,
            status=Organization.Status.UNCONFIRMED,
            geocode_status=Organization.GeocodeStatus.PENDING,
            contact_language=language,
            privacy_consent_at=timezone.now(),
            privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
            signup_key=signup_key,
        )
        _save_with_unique_slug(organization)
        organization.sectors.set(sectors)
        _log(organization, AuditLogEntry.Action.SUBMITTED, AuditLogEntry.ActorKind.VISITOR)
        email_queue(
            to=organization.contact_email,
            template="signup_confirm",
            context={
                "organization_name": organization.name,
                "contact_name": organization.contact_name,
                "confirm_url": _site_url(
                    "directory:signup-confirm", token=tokens.confirmation_token(organization)
                ),
                "days": settings.SIGNUP_CONFIRMATION_DAYS,
            },
            language=language,
        )
    return organization


@transaction.atomic
def organization_confirm(*, organization_id: int) -> Organization | None:
    """Confirm a signup: make it pending, locate it and tell the network.

    Return the organization, or ``None`` if it was confirmed before (links are single use).
    """
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    if organization.status != Organization.Status.UNCONFIRMED:
        return None
    organization.status = Organization.Status.PENDING
    organization.email_confirmed_at = timezone.now()
    organization.save(update_fields=["status", "email_confirmed_at", "updated_at"])
    _log(organization, AuditLogEntry.Action.CONFIRMED, AuditLogEntry.ActorKind.CONTACT)
    organization_schedule_geocoding(organization=organization)
    _notify_network(
        template="signup_announce",
        organization=organization,
        review_url=_site_url("manage:directory-manage:review", pk=organization.pk),
    )
    return organization


@transaction.atomic
def organization_approve(*, organization: Organization, by: AbstractBaseUser) -> Organization:
    """Publish a pending entry and tell its contact."""
    organization = _lock_in_status(organization, Organization.Status.PENDING)
    organization.status = Organization.Status.PUBLISHED
    organization.published_at = timezone.now()
    organization.save(update_fields=["status", "published_at", "updated_at"])
    _log(organization, AuditLogEntry.Action.APPROVED, AuditLogEntry.ActorKind.USER, by=by)
    _notify_contact(
        organization,
        template="signup_approved",
        profile_url=site_url() + organization.get_absolute_url(),
    )
    return organization


@transaction.atomic
def organization_reject(
    *, organization: Organization, by: AbstractBaseUser, reason: str
) -> Organization:
    """Reject a pending entry and e-mail the reason to its contact."""
    organization = _lock_in_status(organization, Organization.Status.PENDING)
    organization.status = Organization.Status.REJECTED
    organization.save(update_fields=["status", "updated_at"])
    _log(
        organization,
        AuditLogEntry.Action.REJECTED,
        AuditLogEntry.ActorKind.USER,
        by=by,
        details={"reason": reason},
    )
    _notify_contact(organization, template="signup_rejected", reason=reason)
    return organization


@transaction.atomic
def organization_place(
    *, organization: Organization, latitude: float, longitude: float, by: AbstractBaseUser
) -> Organization:
    """Put the entry's pin where a manager placed it; geocoding will not move it again."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    previous = [organization.latitude, organization.longitude]
    organization.latitude = latitude
    organization.longitude = longitude
    organization.geocode_status = Organization.GeocodeStatus.MANUAL
    organization.geocode_source = "manual"
    organization.geocode_precision = Organization.Precision.ADDRESS
    organization.geocoded_at = timezone.now()
    organization.save(
        update_fields=[
            "latitude",
            "longitude",
            "geocode_status",
            "geocode_source",
            "geocode_precision",
            "geocoded_at",
            "updated_at",
        ]
    )
    _log(
        organization,
        AuditLogEntry.Action.POSITION_CORRECTED,
        AuditLogEntry.ActorKind.USER,
        by=by,
        details={"from": previous, "to": [latitude, longitude]},
    )
    return organization


@transaction.atomic
def organization_send_edit_link(*, organization: Organization, language: str) -> None:
    """E-mail the entry's contact a link to edit, download or delete the entry."""
    _log(organization, AuditLogEntry.Action.EDIT_LINK_SENT, AuditLogEntry.ActorKind.VISITOR)
    email_queue(
        to=organization.contact_email,
        template="self_service_link",
        context={
            "organization_name": organization.name,
            "contact_name": organization.contact_name,
            "self_service_url": _site_url(
                "directory:self-service",
                slug=organization.slug,
                token=tokens.self_service_token(organization),
            ),
            "hours": settings.SELF_SERVICE_LINK_HOURS,
        },
        language=language,
    )


@transaction.atomic
def organization_revision_submit(
    *, organization: Organization, changes: dict, language: str
) -> OrganizationRevision:
    """Store the contact's change as a pending revision (replacing an older pending one).

    The entry itself is untouched: the last approved version stays public until a manager
    approves the revision.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    now = timezone.now()
    organization.revisions.filter(status=OrganizationRevision.Status.PENDING).update(
        status=OrganizationRevision.Status.SUPERSEDED, decided_at=now
    )
    revision = OrganizationRevision.objects.create(
        organization=organization, changes=changes, language=language, created_at=now
    )
    _log(
        organization,
        AuditLogEntry.Action.REVISION_SUBMITTED,
        AuditLogEntry.ActorKind.CONTACT,
        details={"revision": revision.pk, "fields": sorted(changes)},
    )
    _notify_network(
        template="self_service_revision_announce",
        organization=organization,
        review_url=_site_url("manage:directory-manage:revision", pk=revision.pk),
    )
    return revision


@transaction.atomic
@transaction.atomic
def organization_edit_by_manager(
    *, organization: Organization, changes: dict, by: AbstractBaseUser
) -> Organization:
    """Apply a manager's corrections (validated by the self-service form), before or after
    approval; log which fields changed and locate the entry again if its address changed."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = dict(changes)
    if "sectors" in changes:
        organization.sectors.set(Sector.objects.filter(slug__in=changes.pop("sectors")))
        changed = [*changes, "sectors"]
    else:
        changed = list(changes)
    for field_name, value in changes.items():
        setattr(organization, field_name, value)
    if changes:
        organization.save(update_fields=[*changes, "updated_at"])
    if changed:
        _log(
            organization,
            AuditLogEntry.Action.EDITED,
            AuditLogEntry.ActorKind.USER,
            by=by,
            details={"fields": sorted(changed)},
        )
    if ADDRESS_FIELDS & set(changes):
        organization_schedule_geocoding(organization=organization)
    return organization


def organization_revision_approve(
    *, revision: OrganizationRevision, by: AbstractBaseUser
) -> OrganizationRevision:
    """Apply a pending revision to its entry; locate the entry again if the address changed."""
    revision = _lock_pending_revision(revision)
    organization = Organization.objects.select_for_update().get(pk=revision.organization_id)
    changes = dict(revision.changes)
    if "sectors" in changes:
        organization.sectors.set(Sector.objects.filter(slug__in=changes.pop("sectors")))
    for field_name, value in changes.items():
        setattr(organization, field_name, value)
    # Check only what changes: older entries (imports) need not pass today's validation.
    unchanged = [f.name for f in Organization._meta.get_fields() if f.name not in changes]
    organization.full_clean(exclude=unchanged, validate_unique=False)
    organization.save(update_fields=[*changes, "updated_at"])
    revision.status = OrganizationRevision.Status.APPROVED
    revision.decided_at = timezone.now()
    revision.decided_by = by
    revision.save(update_fields=["status", "decided_at", "decided_by"])
    _log(
        organization,
        AuditLogEntry.Action.REVISION_APPROVED,
        AuditLogEntry.ActorKind.USER,
        by=by,
        details={"revision": revision.pk, "fields": sorted(revision.changes)},
    )
    if ADDRESS_FIELDS & set(changes):
        organization_schedule_geocoding(organization=organization)
    _notify_contact(
        organization,
        template="self_service_revision_approved",
        language=revision.language,
        profile_url=site_url() + organization.get_absolute_url(),
    )
    return revision


@transaction.atomic
def organization_revision_reject(
    *, revision: OrganizationRevision, by: AbstractBaseUser, reason: str
) -> OrganizationRevision:
    """Turn down a pending revision (the entry stays as it is) and e-mail the reason."""
    revision = _lock_pending_revision(revision)
    revision.status = OrganizationRevision.Status.REJECTED
    revision.rejection_reason = reason
    revision.decided_at = timezone.now()
    revision.decided_by = by
    revision.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    _log(
        revision.organization,
        AuditLogEntry.Action.REVISION_REJECTED,
        AuditLogEntry.ActorKind.USER,
        by=by,
        details={"revision": revision.pk, "reason": reason},
    )
    _notify_contact(
        revision.organization,
        template="self_service_revision_rejected",
        language=revision.language,
        reason=reason,
    )
    return revision


@transaction.atomic
def organization_export_personal_data(*, organization: Organization) -> dict:
    """Return everything stored about the entry, for its contact (GDPR article 15)."""
    _log(organization, AuditLogEntry.Action.DATA_EXPORTED, AuditLogEntry.ActorKind.CONTACT)
    skipped = {"id", "search_text", "signup_key"}
    entry = {
        field.name: field.value_from_object(organization)
        for field in Organization._meta.concrete_fields
        if field.name not in skipped
    }
    entry["country"] = str(organization.country)  # the ISO code, not django-countries' object
    entry["sectors"] = [sector.slug for sector in organization.sectors.all()]
    return {
        "exported_at": timezone.now(),
        "organization": entry,
        "revisions": [
            {
                "submitted": revision.created_at,
                "status": revision.status,
                "changes": revision.changes,
                "decided": revision.decided_at,
                "reason_for_rejection": revision.rejection_reason,
            }
            for revision in organization.revisions.all()
        ],
        "audit_log": [
            {
                "time": log_entry.created_at,
                "action": log_entry.action,
                "actor": log_entry.actor_kind,
                "details": log_entry.details,
            }
            for log_entry in organization.audit_log.all()
        ],
    }


@transaction.atomic
def organization_request_deletion(*, organization: Organization) -> Organization:
    """Record the contact's request to delete the entry (GDPR article 17); tell the network."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.deletion_requested_at is None:
        organization.deletion_requested_at = timezone.now()
        organization.save(update_fields=["deletion_requested_at", "updated_at"])
        _log(organization, AuditLogEntry.Action.DELETION_REQUESTED, AuditLogEntry.ActorKind.CONTACT)
        _notify_network(
            template="self_service_deletion_announce",
            organization=organization,
            review_url=_site_url("manage:directory-manage:review", pk=organization.pk),
        )
    return organization


@transaction.atomic
def organization_delete(*, organization: Organization, by: AbstractBaseUser) -> None:
    """Delete an entry whose contact asked for it, with its personal data; confirm by e-mail.

    The audit log keeps a trace without personal data: the name and the actions, no details.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.deletion_requested_at is None:
        raise ModerationError(_("Nobody asked to delete this entry."))
    if organization.contact_email:
        _notify_contact(organization, template="self_service_deleted")
    organization.audit_log.update(details={})
    _log(organization, AuditLogEntry.Action.DELETED, AuditLogEntry.ActorKind.USER, by=by)
    organization.delete()


@transaction.atomic
def organizations_delete_unconfirmed(*, older_than: timedelta) -> int:
    """Delete signups never confirmed within ``older_than``, leaving no trace; return how many.

    Unconfirmed addresses may belong to someone who never signed up, so nothing is kept.
    """
    expired = Organization.objects.filter(
        status=Organization.Status.UNCONFIRMED, created_at__lt=timezone.now() - older_than
    )
    AuditLogEntry.objects.filter(organization__in=expired).delete()
    _total, deleted = expired.delete()
    return deleted.get(Organization._meta.label, 0)


def _unique_slug(name: str) -> str:
    base = slugify(fold(name, accents=True, punctuation=True))[:200] or "organization"
    slug, number = base, 1
    while Organization.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


SLUG_ATTEMPTS = 20


def _save_with_unique_slug(organization: Organization) -> None:
    """Insert ``organization`` under the first free slug of its name.

    Finding a free slug and inserting are two steps: when several signups of one name arrive
    at once, all but one insert fails on the unique slug, and each of those tries the next
    free one (a savepoint keeps the surrounding transaction usable). Any other conflict (the
    same form posted twice) is raised.
    """
    for _attempt in range(SLUG_ATTEMPTS):
        organization.slug = _unique_slug(organization.name)
        try:
            with transaction.atomic():
                organization.save(force_insert=True)
            return
        except IntegrityError:
            if not Organization.objects.filter(slug=organization.slug).exists():
                raise
            organization.pk = None
    raise IntegrityError(f"no free slug for {organization.name!r}")


def _lock_in_status(organization: Organization, status: str) -> Organization:
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status != status:
        raise ModerationError(
            _("The status of this entry is “%(status)s”; nothing was changed.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _lock_pending_revision(revision: OrganizationRevision) -> OrganizationRevision:
    locked = (
        OrganizationRevision.objects.select_for_update()
        .select_related("organization")
        .get(pk=revision.pk)
    )
    if locked.status != OrganizationRevision.Status.PENDING:
        raise ModerationError(_("This change was decided already; nothing was changed."))
    return locked


def _log(
    organization: Organization,
    action: str,
    actor_kind: str,
    *,
    by: AbstractBaseUser | None = None,
    details: dict | None = None,
) -> AuditLogEntry:
    return AuditLogEntry.objects.create(
        organization=organization,
        organization_name=organization.name,
        actor=by,
        actor_kind=actor_kind,
        action=action,
        details=details or {},
    )


def _notify_contact(
    organization: Organization, *, template: str, language: str = "", **context
) -> None:
    email_queue(
        to=organization.contact_email,
        template=template,
        context={
            "organization_name": organization.name,
            "contact_name": organization.contact_name,
            **context,
        },
        language=language or organization.contact_language or settings.LANGUAGE_CODE,
    )


def _notify_network(*, template: str, organization: Organization, review_url: str) -> None:
    email_queue(
        to=settings.NETWORK_EMAIL,
        template=template,
        context={
            "organization_name": organization.name,
            "city": organization.city,
            "review_url": review_url,
        },
        language=settings.LANGUAGE_CODE,
    )


def _site_url(view_name: str, **kwargs) -> str:
    return site_url() + reverse(view_name, kwargs=kwargs)


# --- Publication ------------------------------------------------------------------------------


@transaction.atomic
def organization_publish(*, organization: Organization, by: AbstractBaseUser) -> Organization:
    """Make ``organization`` public in the directory, on the map and in the exports.

    ``published_at`` records the first publication and is kept when an archived entry returns.
    Publishing an entry that is already public changes nothing.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == Organization.Status.PUBLISHED:
        return organization
    organization.status = Organization.Status.PUBLISHED
    organization.published_at = organization.published_at or timezone.now()
    organization.save(update_fields=["status", "published_at", "updated_at"])
    _log(organization, AuditLogEntry.Action.PUBLISHED, AuditLogEntry.ActorKind.USER, by=by)
    return organization


@transaction.atomic
def organization_archive(*, organization: Organization, by: AbstractBaseUser) -> Organization:
    """Take ``organization`` out of public view while keeping its data; publishing restores it."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == Organization.Status.ARCHIVED:
        return organization
    organization.status = Organization.Status.ARCHIVED
    organization.save(update_fields=["status", "updated_at"])
    _log(organization, AuditLogEntry.Action.ARCHIVED, AuditLogEntry.ActorKind.USER, by=by)
    return organization
