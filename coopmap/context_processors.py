from django.conf import settings
from django.http import HttpRequest

from .site import site_url


def site(request: HttpRequest) -> dict:
    """Expose the few settings that every page's layout needs."""
    return {"NETWORK_EMAIL": settings.NETWORK_EMAIL, "SITE_URL": site_url()}
