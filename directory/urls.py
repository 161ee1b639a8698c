from django.urls import path

from . import api, views

app_name = "directory"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("api/map/", api.map_features, name="map-api"),
    path("directory/", views.organization_list, name="list"),
    path("directory/export.csv", views.export_csv, name="export-csv"),
    path("directory/export.geojson", views.export_geojson, name="export-geojson"),
    path("directory/<slug:slug>/", views.organization_detail, name="detail"),
]
