"""Find entries that a new signup probably duplicates: same website, or a similar name in town.

Portable on purpose: PostgreSQL's trigram extension is not available everywhere, so candidates
are narrowed in the database (same city or same domain) and compared with ``difflib``.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from django.db.models import Q

from .models import Organization, fold_text

SIMILAR_NAME_RATIO = 0.85
# Legal-form words say nothing about which organization it is ("Foo eG" is "Foo GmbH").
LEGAL_FORM_WORDS = {"eg", "ev", "gmbh", "ggmbh", "ug", "ag", "sce", "haftungsbeschraenkt", "co"}


def likely_duplicates(*, name: str, city: str, website: str) -> list[Organization]:
    """Return the published entries that are probably the organization described."""
    domain = website_domain(website)
    folded_name = normalized_name(name)
    candidates = Q()
    if domain:
        candidates |= Q(website__icontains=domain)
    if city.strip() and folded_name:
        candidates |= Q(city__iexact=city.strip())
    if not candidates:
        return []
    matches = []
    for other in Organization.objects.published().filter(candidates)[:200]:
        same_domain = bool(domain) and website_domain(other.website) == domain
        same_city = fold_text(other.city.strip()) == fold_text(city.strip())
        similar = (
            SequenceMatcher(None, folded_name, normalized_name(other.name)).ratio()
            >= SIMILAR_NAME_RATIO
        )
        if same_domain or (same_city and similar):
            matches.append(other)
    return matches


def website_domain(url: str) -> str:
    """Return the host of ``url`` without ``www.``, lower-cased ("" if there is none)."""
    if not url:
        return ""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.lower().removeprefix("www.")


def normalized_name(name: str) -> str:
    """Return ``name`` folded, without punctuation and legal-form words."""
    words = re.sub(r"[^\w]+", " ", fold_text(name).replace(".", "")).split()
    return " ".join(word for word in words if word not in LEGAL_FORM_WORDS)
