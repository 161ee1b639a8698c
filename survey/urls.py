"""Answering the needs analysis through an organization's personal link."""

from django.urls import path

from . import views

app_name = "survey"

urlpatterns = [
    path("<str:token>/", views.survey_start, name="start"),
    path("<str:token>/step/<int:step>/", views.survey_section, name="section"),
    path("<str:token>/review/", views.survey_review, name="review"),
]
