"""Directory pages of the managers' area (moderation, imports)."""

from django.urls import path

app_name = "directory-manage"

urlpatterns: list = []
