"""Site-wide response rules: request body limits, no caching of personal pages, and the
Permissions-Policy header."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

# URL namespaces whose every page is personal: the managers' area and the admin.
PRIVATE_NAMESPACES = {"manage", "admin"}
# Pages that are personal without a token in their address.
PRIVATE_URL_NAMES = {"login", "logout"}


def is_personal_page(request: HttpRequest) -> bool:
    """Whether the page belongs to one person: reached by a personal link, or a manager's."""
    match = request.resolver_match
    if match is None:
        return False
    return (
        "token" in match.kwargs
        or bool(PRIVATE_NAMESPACES.intersection(match.namespaces))
        or match.url_name in PRIVATE_URL_NAMES
    )


class SecurityHeadersMiddleware:
    """Refuse oversized bodies before they are read; mark personal pages ``no-store``.

    Sits after AuthenticationMiddleware (a logged-in manager may upload an import file) and
    before anything reads ``request.POST`` (CsrfViewMiddleware does so in ``process_view``,
    which runs only after every middleware's request phase).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        too_large = self.refuse_too_large(request)
        response = too_large or self.get_response(request)
        if is_personal_page(request):
            add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    def refuse_too_large(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("Bad request."), status=400, content_type="text/plain")
        if length <= settings.REQUEST_BODY_MAX_BYTES:
            return None
        if length <= upload_max_bytes() and request.user.is_authenticated:
            return None
        return HttpResponse(
            _("The request is too large."), status=413, content_type="text/plain; charset=utf-8"
        )


def upload_max_bytes() -> int:
    """The largest body a logged-in user may send.

    Twice an import file's limit: the import view reads and drops what exceeds the limit and
    says so in the form (directory/import_views.py), which is friendlier than a bare 413.
    """
    return 2 * settings.IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024
