"""Directory pages of the managers' area (moderation), mounted at ``/manage/directory/``."""

from django.urls import path

from . import manage_views
from .imports import views as import_views

app_name = "directory-manage"

urlpatterns = [
    path("", manage_views.queue, name="queue"),
    path("without-position/", manage_views.without_position, name="without-position"),
    path("<int:pk>/", manage_views.review, name="review"),
    path("<int:pk>/edit/", manage_views.edit, name="edit"),
    path("<int:pk>/approve/", manage_views.approve, name="approve"),
    path("<int:pk>/reject/", manage_views.reject, name="reject"),
    path("<int:pk>/position/", manage_views.place, name="place"),
    path("<int:pk>/delete/", manage_views.delete, name="delete"),
    path("changes/<int:pk>/", manage_views.revision, name="revision"),
    path("changes/<int:pk>/approve/", manage_views.revision_approve, name="revision-approve"),
    path("changes/<int:pk>/reject/", manage_views.revision_reject, name="revision-reject"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status.json", import_views.import_status, name="import-status"),
    path("imports/<int:pk>/mapping/", import_views.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/overrule/", import_views.import_overrule, name="import-overrule"),
    path("imports/<int:pk>/discard/", import_views.import_discard, name="import-discard"),
    path(
        "imports/<int:pk>/rejected.csv",
        import_views.import_rejected_csv,
        name="import-rejected-csv",
    ),
]
