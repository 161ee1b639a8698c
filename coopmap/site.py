"""The site's address for absolute links: the current request's, else ``SITE_URL``.

E-mails queued while answering a request (confirmation, edit and survey links) link to the
scheme and host that the visitor used, so they work whatever port ``make run`` served on or
whichever of the ``ALLOWED_HOSTS`` the site was reached by. Outside a request (the worker,
management commands) ``settings.SITE_URL`` is used.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

_request_site_url: ContextVar[str | None] = ContextVar("request_site_url", default=None)


def site_url() -> str:
    """Return ``scheme://host[:port]`` without a trailing slash."""
    return _request_site_url.get() or settings.SITE_URL


def request_site_url(request: HttpRequest) -> str | None:
    """The request's own address, if its host is one of ALLOWED_HOSTS (never with ``*``)."""
    if "*" in settings.ALLOWED_HOSTS:
        return None  # any Host header would pass: it could point links elsewhere
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{request.scheme}://{host}"


class RequestSiteURLMiddleware:
    """Make ``site_url()`` answer the current request's address while it is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_site_url.set(request_site_url(request))
        try:
            return self.get_response(request)
        finally:
            _request_site_url.reset(token)
