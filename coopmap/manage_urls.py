"""The network managers' area, ``/manage/``: each app contributes its own pages."""

from django.urls import include, path

from . import views

app_name = "manage"

urlpatterns = [
    path("", views.manage_dashboard, name="dashboard"),
    path("directory/", include("directory.manage_urls")),
    path("survey/", include("survey.manage_urls")),
]
