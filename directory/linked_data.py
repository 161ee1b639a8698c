"""An organization's public profile as linked data: schema.org JSON-LD and Murmurations.

Built in one place so that the profile page's JSON-LD block, the ``/jsonld`` URL and the
Murmurations profile say the same. Public fields only: the contact person and the contact
e-mail never appear here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from .models import Organization

MURMURATIONS_SCHEMA = "organizations_schema-v1.0.0"


def absolute_url(path: str, base_url: str = "") -> str:
    return (base_url or settings.SITE_URL).rstrip("/") + path


def organization_jsonld(organization: Organization, *, base_url: str = "") -> dict:
    """Return the schema.org ``Organization`` of a published entry as a JSON-LD dict."""
    profile = absolute_url(organization.get_absolute_url(), base_url)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": profile,
        "url": profile,
        "name": organization.name,
    }
    if organization.summary or organization.description:
        data["description"] = organization.summary or organization.description
    if organization.website:
        data["sameAs"] = [organization.website]
    if organization.public_email:
        data["email"] = organization.public_email
    if organization.public_phone:
        data["telephone"] = organization.public_phone
    if organization.founded_year:
        data["foundingDate"] = str(organization.founded_year)
    if organization.legal_form:
        data["legalName"] = organization.name
        data["additionalType"] = organization.get_legal_form_display()
    address = {
        key: value
        for key, value in (
            ("streetAddress", organization.street),
            ("postalCode", organization.postal_code),
            ("addressLocality", organization.city),
            ("addressRegion", organization.state),
            ("addressCountry", organization.country.code),
        )
        if value
    }
    if address:
        data["address"] = {"@type": "PostalAddress", **address}
    if organization.has_position:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": organization.latitude,
            "longitude": organization.longitude,
        }
    sectors = [sector.name for sector in organization.sectors.all()]
    if sectors:
        data["knowsAbout"] = sectors
    data["keywords"] = ", ".join([str(organization.get_kind_display()), *sectors])
    if organization.import_source_id:
        source = organization.import_source
        based_on = {"@type": "Dataset", "name": source.name}
        if source.url:
            based_on["url"] = source.url
        if source.licence:
            based_on["license"] = source.licence
        if source.attribution:
            based_on["creditText"] = source.attribution
        data["isBasedOn"] = based_on
    return data


def organization_murmurations(organization: Organization, *, base_url: str = "") -> dict:
    """Return a published entry as a Murmurations ``organizations_schema-v1.0.0`` profile."""
    profile = absolute_url(organization.get_absolute_url(), base_url)
    data: dict = {
        "linked_schemas": [MURMURATIONS_SCHEMA],
        "name": organization.name,
        "primary_url": organization.website or profile,
        "tags": _unique(
            [str(organization.get_kind_display())]
            + [sector.name for sector in organization.sectors.all()]
            + ([str(organization.get_legal_form_display())] if organization.legal_form else [])
        ),
        "urls": _unique_urls(
            [{"name": "CoopMap", "url": profile}]
            + ([{"name": "Website", "url": organization.website}] if organization.website else [])
        ),
        "status": "active",
    }
    description = organization.summary or organization.description
    if description:
        data["description"] = description
    town = " ".join(part for part in (organization.postal_code, organization.city) if part)
    full_address = ", ".join(
        part for part in (organization.street, town, organization.country.code) if part
    )
    if full_address:
        data["full_address"] = full_address
    if organization.country:
        data["country_iso_3166"] = organization.country.code
    if organization.has_position:
        data["geolocation"] = {"lat": organization.latitude, "lon": organization.longitude}
    if organization.founded_year:
        data["starts_at"] = int(datetime(organization.founded_year, 1, 1, tzinfo=UTC).timestamp())
    if organization.public_email:
        data["contact_details"] = {"email": organization.public_email}
    if organization.public_phone:
        data["telephone"] = organization.public_phone
    return data


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _unique_urls(items: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for item in items:
        if item["url"] not in seen:
            seen.add(item["url"])
            unique.append(item)
    return unique
