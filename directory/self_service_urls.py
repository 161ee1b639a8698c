"""The contact's pages behind an edit link, mounted at ``directory/<slug>/self-service/<token>/``.

No ``app_name``: the names belong to the including ``directory`` namespace.
"""

from django.urls import path

from . import self_service_views

urlpatterns = [
    path("", self_service_views.self_service, name="self-service"),
    path("edit/", self_service_views.self_service_edit, name="self-service-edit"),
    path("export/", self_service_views.self_service_export, name="self-service-export"),
    path("delete/", self_service_views.self_service_delete, name="self-service-delete"),
]
