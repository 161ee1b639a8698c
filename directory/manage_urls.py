"""Directory pages of the managers' area (moderation), mounted at ``/manage/directory/``."""

from django.urls import path

from . import manage_views

app_name = "directory-manage"

urlpatterns = [
    path("", manage_views.queue, name="queue"),
    path("<int:pk>/", manage_views.review, name="review"),
    path("<int:pk>/approve/", manage_views.approve, name="approve"),
    path("<int:pk>/reject/", manage_views.reject, name="reject"),
    path("<int:pk>/position/", manage_views.place, name="place"),
    path("<int:pk>/delete/", manage_views.delete, name="delete"),
    path("changes/<int:pk>/", manage_views.revision, name="revision"),
    path("changes/<int:pk>/approve/", manage_views.revision_approve, name="revision-approve"),
    path("changes/<int:pk>/reject/", manage_views.revision_reject, name="revision-reject"),
]
