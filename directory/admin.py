"""The Django admin for network managers: organizations and sectors.

Status changes go through the services (bulk actions), so that the admin, the manager area and
commands change an organization the same way.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import services
from .models import (
    ADDRESS_FIELDS,
    AuditLogEntry,
    ImportJob,
    ImportSource,
    Organization,
    OrganizationRevision,
    Sector,
)

# Written by the geocoder only.
LOCATION_FIELDS = [
    "latitude",
    "longitude",
    "geocode_status",
    "geocode_source",
    "geocode_precision",
    "geocoded_at",
]


def bulk_action(
    service: Callable[[Organization, AbstractBaseUser], object], *, description: str, done: str
) -> Callable:
    """Return an admin action that calls ``service`` for each selected organization.

    The changes are all made or none; ``done`` is the message, with ``%(count)d`` in it.
    """

    @admin.action(description=description, permissions=["change"])
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Organization]
    ) -> None:
        organizations = list(queryset)
        with transaction.atomic():
            for organization in organizations:
                service(organization, request.user)
        modeladmin.message_user(request, done % {"count": len(organizations)}, messages.SUCCESS)

    return action


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name_de", "name_en", "slug", "organization_count"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sector]:
        return super().get_queryset(request).annotate(organization_count=Count("organizations"))

    @admin.display(description=_("organizations"), ordering="organization_count")
    def organization_count(self, sector: Sector) -> int:
        return sector.organization_count


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = [
        "listed_name",
        "kind",
        "legal_form",
        "city",
        "state",
        "status",
        "geocode_status",
    ]
    list_filter = ["status", "kind", "legal_form", "sectors", "country", "state", "geocode_status"]
    search_fields = ["name", "slug", "city", "postal_code", "website", "contact_email"]
    list_per_page = 50
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["sectors"]
    # "example.org" typed without a scheme becomes https://example.org (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "archive", "locate_again"]
    readonly_fields = [*LOCATION_FIELDS, "status", "published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "legal_form", "sectors"]}),
        (
            _("Descriptions"),
            {"fields": ["summary_de", "summary_en", "description_de", "description_en"]},
        ),
        (_("Public contact"), {"fields": ["website", "public_email", "public_phone"]}),
        (
            _("Private contact"),
            {
                "fields": ["contact_name", "contact_email"],
                "description": _("Only network managers see these; they are never published."),
            },
        ),
        (_("Address"), {"fields": ["street", "postal_code", "city", "state", "country"]}),
        (
            _("Location"),
            {
                "fields": LOCATION_FIELDS,
                "description": _("Located automatically from the address after each change."),
            },
        ),
        (
            _("Facts"),
            {"fields": ["founded_year", "member_count", "register_court", "register_number"]},
        ),
        (
            _("Publication"),
            {"fields": ["status", "published_at", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description=_("name"), ordering="sort_name")
    def listed_name(self, organization: Organization) -> str:
        """Show the name; sort by it case- and accent-insensitively ("Ärzte" by "arzte")."""
        return organization.name

    def save_model(self, request: HttpRequest, obj: Organization, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or set(ADDRESS_FIELDS).intersection(form.changed_data):
            services.organization_schedule_geocoding(organization=obj)

    publish = bulk_action(
        lambda organization, user: services.organization_publish(
            organization=organization, by=user
        ),
        description=_("Publish the selected organizations"),
        done=ngettext_lazy(
            "%(count)d organization is published.",
            "%(count)d organizations are published.",
            "count",
        ),
    )
    archive = bulk_action(
        lambda organization, user: services.organization_archive(
            organization=organization, by=user
        ),
        description=_("Archive the selected organizations"),
        done=ngettext_lazy(
            "%(count)d organization is archived.", "%(count)d organizations are archived.", "count"
        ),
    )
    locate_again = bulk_action(
        lambda organization, user: services.organization_schedule_geocoding(
            organization=organization
        ),
        description=_("Locate the selected organizations again"),
        done=ngettext_lazy(
            "%(count)d organization will be located again.",
            "%(count)d organizations will be located again.",
            "count",
        ),
    )


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: what happened to which entry, by whom."""

    list_display = ["created_at", "organization_name", "action", "actor_kind", "actor"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["organization_name"]
    list_select_related = ["actor"]
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrganizationRevision)
class OrganizationRevisionAdmin(admin.ModelAdmin):
    """Changes proposed by contacts; decide them in /manage/, where the diff is shown."""

    list_display = ["organization", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["organization", "decided_by"]
    readonly_fields = [field.name for field in OrganizationRevision._meta.fields]


@admin.register(ImportSource)
class ImportSourceAdmin(admin.ModelAdmin):
    """Lists that entries were imported from; correct a licence or attribution here."""

    list_display = ["name", "licence", "created_at", "organization_count"]
    search_fields = ["name", "licence", "attribution"]
    readonly_fields = ["mapping", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportSource]:
        return super().get_queryset(request).annotate(organization_count=Count("organizations"))

    @admin.display(description=_("organizations"), ordering="organization_count")
    def organization_count(self, source: ImportSource) -> int:
        return source.organization_count


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Imports, read-only: they are run and confirmed in /manage/directory/imports/."""

    list_display = [
        "original_filename",
        "source",
        "status",
        "created_count",
        "updated_count",
        "duplicate_count",
        "rejected_count",
        "created_at",
    ]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    search_fields = ["original_filename", "source__name"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
