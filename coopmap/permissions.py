"""Who may use the network managers' area."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def is_network_manager(user) -> bool:
    """Return whether ``user`` belongs to the network managers (superusers always do)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=settings.NETWORK_MANAGERS_GROUP).exists()


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send anonymous visitors to the login page and refuse logged-in non-managers (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_network_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
