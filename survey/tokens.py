"""The personal survey link of an invitation: a random key, signed with the site's secret.

The key is random (``secrets.token_urlsafe``), so links cannot be guessed; the signature means
that a copy of the database alone opens no survey. The same invitation always yields the same
link, so e-mails, resends and reminders all carry the link the organization already knows.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.urls import reverse

SALT = "survey.invitation"
SEPARATOR = "."


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=SEPARATOR)


def new_invitation_key() -> str:
    """Return a fresh random key for an invitation (24 URL-safe characters)."""
    return secrets.token_urlsafe(18)


def invitation_token(invitation) -> str:
    """Return the token of ``invitation``'s personal link."""
    return _signer().sign(invitation.key)


def invitation_key_from_token(token: str) -> str | None:
    """Return the key that ``token`` carries, or None if its signature is wrong."""
    try:
        return _signer().unsign(token)
    except signing.BadSignature:
        return None


def invitation_url_path(invitation) -> str:
    return reverse("survey:start", kwargs={"token": invitation_token(invitation)})
