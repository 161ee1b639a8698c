"""Spam protection for public forms, with no third-party service.

Three checks: a honeypot field that people never see, a minimum time between showing and
submitting a form (a signed timestamp in the form), and a rate limit per client address
through the cache. Bots get a polite failure; people are never blocked, only asked to wait.
"""

from __future__ import annotations

import enum
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

FORM_TOKEN_SALT = "directory.spam.form-token"  # noqa: S105 (a salt, not a secret)
HONEYPOT_FIELD = "homepage"
FORM_TOKEN_FIELD = "form_token"  # noqa: S105 (a field name)


class Verdict(enum.Enum):
    HUMAN = "human"
    BOT = "bot"  # filled the honeypot
    TOO_FAST = "too_fast"  # submitted quicker than a person can, or without a valid stamp
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class FormStamp:
    key: str  # unique per rendered form: posting it twice creates one entry
    started: float  # when the form was shown (Unix time)


def new_form_token() -> str:
    """Return a signed stamp for a freshly shown form."""
    stamp = {"key": secrets.token_urlsafe(24), "started": time.time()}
    return signing.dumps(stamp, salt=FORM_TOKEN_SALT)


def read_form_token(token: str) -> FormStamp | None:
    """Return the stamp in ``token``, or ``None`` if it is missing or was tampered with."""
    try:
        data = signing.loads(token, salt=FORM_TOKEN_SALT)
        return FormStamp(key=str(data["key"]), started=float(data["started"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def judge_submission(request: HttpRequest, *, scope: str) -> Verdict:
    """Decide whether a POSTed form comes from a person, a bot, too fast, or too often."""
    if request.POST.get(HONEYPOT_FIELD, "").strip():
        return Verdict.BOT
    stamp = read_form_token(request.POST.get(FORM_TOKEN_FIELD, ""))
    if stamp is None or time.time() - stamp.started < settings.SIGNUP_MIN_FILL_SECONDS:
        return Verdict.TOO_FAST
    if rate_limit_exceeded(client_key(request, scope), limit=settings.SIGNUP_RATE_LIMIT):
        return Verdict.RATE_LIMITED
    return Verdict.HUMAN


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address, trusting as many proxies as configured."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_key(request: HttpRequest, scope: str) -> str:
    """Return the rate-limit key of this client for ``scope``."""
    return f"{scope}:{client_address(request)}"


def rate_limit_exceeded(key: str, *, limit: int) -> bool:
    """Return whether ``key`` was counted ``limit`` times in the current period."""
    return cache.get(f"ratelimit:{key}", 0) >= limit


def rate_limit_count(key: str) -> None:
    """Count one use of ``key`` (a fixed window of ``SIGNUP_RATE_LIMIT_SECONDS``)."""
    key = f"ratelimit:{key}"
    cache.add(key, 0, timeout=settings.SIGNUP_RATE_LIMIT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.SIGNUP_RATE_LIMIT_SECONDS)
