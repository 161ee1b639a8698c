"""Refuse to start a production configuration (``DEBUG=false``) that would be unsafe.

Called at the end of ``coopmap/settings.py``, so gunicorn, the Celery worker and every
management command stop with one message naming everything that is missing, instead of
serving with the development key or running tasks inside web requests.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_SECRET_KEY = "django-insecure-coopmap-development-key-do-not-use-in-production"  # noqa: S105

# What Django's check --deploy (security.W009) accepts as a secret key.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5

# Settings that have a development default and must be given explicitly in production.
REQUIRED_ENVIRONMENT = {
    "DATABASE_URL": "the PostgreSQL database",
    "REDIS_URL": "the Celery broker and cache (without it tasks run inside web requests)",
    "ALLOWED_HOSTS": "the host names the site answers to",
    "SITE_URL": "the site's public address, for links in e-mails sent by the worker",
}


def production_problems(settings: dict, environ: os._Environ | dict = os.environ) -> list[str]:
    """Return what makes ``settings`` unsafe to run with DEBUG off (nothing with DEBUG on)."""
    if settings["DEBUG"]:
        return []
    problems = []
    key = settings["SECRET_KEY"]
    if (
        key == DEVELOPMENT_SECRET_KEY
        or key.startswith("django-insecure-")
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    ):
        problems.append(
            f"SECRET_KEY must be a random value of at least {SECRET_KEY_MIN_LENGTH} characters "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(50))")'
        )
    for name, what in REQUIRED_ENVIRONMENT.items():
        if not environ.get(name):
            problems.append(f"{name} must be set: {what}")
    return problems


def refuse_insecure_production(settings: dict) -> None:
    """Raise ImproperlyConfigured if DEBUG is off and the configuration is unsafe."""
    problems = production_problems(settings)
    if problems:
        raise ImproperlyConfigured(
            "CoopMap refuses to start with DEBUG=false: "
            + "; ".join(problems)
            + ". (For development leave DEBUG unset.)"
        )


def origin_of(url: str) -> list[str]:
    """Return ``[scheme://host]`` of an absolute URL (for a CSP source list), else ``[]``."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []
