from django.urls import include, path

from . import api, linked_data_views, self_service_views, signup_views, views
from .geo import views as geo_views

app_name = "directory"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("api/map/", api.map_features, name="map-api"),
    path("api/postal-code/", geo_views.postal_code_state, name="postal-code"),
    path("directory/", views.organization_list, name="list"),
    path("directory/export.csv", views.export_csv, name="export-csv"),
    path("directory/export.geojson", views.export_geojson, name="export-geojson"),
    path("directory/<slug:slug>/", views.organization_detail, name="detail"),
    path("directory/<slug:slug>/edit/", self_service_views.edit_link_request, name="edit-link"),
    path("directory/<slug:slug>/self-service/<str:token>/", include("directory.self_service_urls")),
    path("signup/", signup_views.signup, name="signup"),
    path("signup/sent/", signup_views.signup_done, name="signup-done"),
    path("signup/confirm/<str:token>/", signup_views.signup_confirm, name="signup-confirm"),
    path(
        "directory/<slug:slug>/jsonld",
        linked_data_views.organization_jsonld_view,
        name="detail-jsonld",
    ),
    path(
        "directory/<slug:slug>/murmurations.json",
        linked_data_views.organization_murmurations_view,
        name="detail-murmurations",
    ),
]
