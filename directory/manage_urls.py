"""Directory pages of the managers' area (moderation, imports)."""

from django.urls import path

from . import import_views

app_name = "directory-manage"

urlpatterns: list = [
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status.json", import_views.import_status, name="import-status"),
    path("imports/<int:pk>/mapping/", import_views.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/discard/", import_views.import_discard, name="import-discard"),
    path(
        "imports/<int:pk>/rejected.csv",
        import_views.import_rejected_csv,
        name="import-rejected-csv",
    ),
]
