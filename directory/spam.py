"""Spam protection for public forms, with no third-party service.

Three checks: a honeypot field that people never see, a minimum time between showing and
submitting a form (a signed timestamp in the form), and a rate limit per client address,
counted in the database (``rate_limit_take``). Bots get a polite failure; people are never
blocked, only asked to wait.
"""

from __future__ import annotations

import enum
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from coopmap.models import RateLimitCounter

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


def judge_submission(request: HttpRequest) -> Verdict:
    """Decide whether a POSTed form comes from a person, a bot, or came too fast.

    How often a client may act is counted separately, right before the action
    (``rate_limit_take``), so that a form with mistakes uses up nothing.
    """
    if request.POST.get(HONEYPOT_FIELD, "").strip():
        return Verdict.BOT
    stamp = read_form_token(request.POST.get(FORM_TOKEN_FIELD, ""))
    if stamp is None or time.time() - stamp.started < settings.SIGNUP_MIN_FILL_SECONDS:
        return Verdict.TOO_FAST
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


def rate_limit_take(key: str, *, limit: int, period: int | None = None) -> bool:
    """Count one use of ``key`` and return whether it is within ``limit`` per period.

    One atomic increment before the action: of any number of concurrent requests exactly
    ``limit`` are allowed per fixed window of ``period`` seconds (``SIGNUP_RATE_LIMIT_SECONDS``
    by default). A refused attempt counts too, so hammering does not reopen the window.
    """
    period = period or settings.SIGNUP_RATE_LIMIT_SECONDS
    window = int(time.time() // period)
    with transaction.atomic():
        counter, created = RateLimitCounter.objects.get_or_create(
            key=key[:200],
            window=window,
            defaults={
                "count": 1,
                "expires_at": timezone.now() + timedelta(seconds=period),
            },
        )
        if not created:
            # The UPDATE locks the row until commit: concurrent takes queue up behind it.
            RateLimitCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)
            counter.refresh_from_db(fields=["count"])
    return counter.count <= limit


def rate_limits_delete_expired() -> int:
    """Delete the counters of windows that are over; return how many."""
    deleted, _by_model = RateLimitCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
