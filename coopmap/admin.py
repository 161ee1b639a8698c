from django.contrib import admin

from .models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "template", "language", "status", "attempts", "created_at"]
    list_filter = ["status", "template", "language"]
    search_fields = ["to", "subject"]
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]
