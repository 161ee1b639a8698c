"""The project's URLs plus a trivial JSON view: the floor of what any response costs on this stack
(middleware, URL resolution, JSON encoding, the test client), against which the map API is
measured."""

from django.http import JsonResponse
from django.urls import path

from coopmap.urls import urlpatterns as project_urlpatterns


def floor(request):
    return JsonResponse({"type": "FeatureCollection", "features": [], "total": 0})


urlpatterns = [path("bench/floor/", floor), *project_urlpatterns]
