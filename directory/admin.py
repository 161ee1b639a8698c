from django.contrib import admin

from .models import AuditLogEntry, Organization, OrganizationRevision, Sector


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name_de", "name_en", "slug"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "legal_form", "city", "status", "geocode_status"]
    list_filter = ["status", "kind", "legal_form", "country", "geocode_status"]
    search_fields = ["name", "city", "website"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["sectors"]


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
