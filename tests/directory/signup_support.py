"""Helpers shared by the signup, moderation and self-service tests."""

from __future__ import annotations

import re
import secrets
import time

from django.core import signing

from coopmap.models import OutgoingEmail
from directory import spam


def form_token(*, seconds_ago: float = 60, key: str | None = None) -> str:
    """Return a form stamp as the signup page issues it, shown ``seconds_ago``."""
    stamp = {"key": key or secrets.token_urlsafe(24), "started": time.time() - seconds_ago}
    return signing.dumps(stamp, salt=spam.FORM_TOKEN_SALT)


def signup_data(**overrides) -> dict:
    """Return a complete, valid signup form as a person would send it."""
    data = {
        "name": "Bürgerenergie Süd eG",
        "kind": "cooperative",
        "legal_form": "eg",
        "summary_de": "Energie in Bürgerhand.",
        "summary_en": "",
        "description_de": "",
        "description_en": "",
        "website": "buergerenergie-sued.example.org",
        "public_email": "",
        "public_phone": "",
        "street": "Marienplatz 1",
        "postal_code": "80331",
        "city": "München",
        "country": "DE",
        "founded_year": "2012",
        "member_count": "340",
        "register_court": "Amtsgericht München",
        "register_number": "GnR 2790",
        "contact_name": "Erika Mustermann",
        "contact_email": "erika@buergerenergie-sued.example.org",
        "privacy_consent": "on",
        "homepage": "",
        "form_token": form_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def link_in_email(email: OutgoingEmail, path_part: str) -> str:
    """Return the path of the first link in ``email`` that contains ``path_part``."""
    match = re.search(r"https?://[^/\s]+(\S*" + re.escape(path_part) + r"\S*)", email.body_text)
    assert match, f"no link with {path_part!r} in:\n{email.body_text}"
    return match.group(1)
