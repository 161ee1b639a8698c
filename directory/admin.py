from django.contrib import admin

from .models import Organization, Sector


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
