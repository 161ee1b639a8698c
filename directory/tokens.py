"""Signed links that people receive by e-mail: confirm a signup, keep an entry current.

Each kind of link has its own salt, so a token is good for one purpose only, and carries the
entry's primary key, so a link for one entry never opens another. Nothing is stored: the
signature and its timestamp are the proof.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core import signing

from .models import Organization

CONFIRMATION_SALT = "directory.signup-confirmation"
SELF_SERVICE_SALT = "directory.self-service"


class InvalidTokenError(Exception):
    """The link was altered, belongs to nothing, or was made for another purpose."""


class ExpiredTokenError(InvalidTokenError):
    """The link was genuine but is too old."""


def confirmation_token(organization: Organization) -> str:
    """Return the token of the link that confirms ``organization``'s signup."""
    return signing.TimestampSigner(salt=CONFIRMATION_SALT).sign(str(organization.pk))


def confirmation_organization_id(token: str) -> int:
    """Return the primary key that ``token`` confirms; raise if it is invalid or expired."""
    max_age = timedelta(days=settings.SIGNUP_CONFIRMATION_DAYS)
    return int(_unsign(token, salt=CONFIRMATION_SALT, max_age=max_age))


def self_service_token(organization: Organization) -> str:
    """Return the token of the edit link for ``organization``'s contact.

    It also signs a digest of the contact's address: once the contact changes, old links die.
    """
    value = f"{organization.pk}.{_contact_digest(organization)}"
    return signing.TimestampSigner(salt=SELF_SERVICE_SALT).sign(value)


def self_service_organization(token: str) -> Organization:
    """Return the confirmed entry that ``token`` opens; raise if it is invalid or expired."""
    max_age = timedelta(hours=settings.SELF_SERVICE_LINK_HOURS)
    pk, _, digest = _unsign(token, salt=SELF_SERVICE_SALT, max_age=max_age).partition(".")
    organization = (
        Organization.objects.exclude(status=Organization.Status.UNCONFIRMED)
        .filter(pk=int(pk))
        .first()
    )
    if organization is None or digest != _contact_digest(organization):
        raise InvalidTokenError
    return organization


def _unsign(token: str, *, salt: str, max_age: timedelta) -> str:
    try:
        return signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredTokenError from error
    except signing.BadSignature as error:
        raise InvalidTokenError from error


def _contact_digest(organization: Organization) -> str:
    return hashlib.sha256(organization.contact_email.strip().lower().encode()).hexdigest()[:16]
