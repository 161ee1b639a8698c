"""Answering the needs analysis through an organization's personal link."""

from django.urls import path

from . import needs_views, views

app_name = "survey"

urlpatterns = [
    # Before the personal links: "needs-by-state" is no token.
    path("needs-by-state/", needs_views.needs_by_state_page, name="needs-by-state"),
    path("needs-by-state.json", needs_views.needs_by_state_json, name="needs-by-state-json"),
    path("<str:token>/", views.survey_start, name="start"),
    path("<str:token>/step/<int:step>/", views.survey_section, name="section"),
    path("<str:token>/review/", views.survey_review, name="review"),
]
