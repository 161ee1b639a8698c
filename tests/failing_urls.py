"""The site's URLs plus one that fails, to see the server error page."""

from django.urls import path

from coopmap.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("a deliberate failure")


urlpatterns = [*site_urlpatterns, path("fails/", fail)]
