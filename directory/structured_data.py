"""What a profile page hands to machines: schema.org JSON-LD and the data of its small map."""

from django.conf import settings

from .models import Organization

# How close the profile map zooms in, by how precisely the position is known.
ZOOM_BY_PRECISION = {
    Organization.Precision.ADDRESS: 15,
    Organization.Precision.POSTAL_CODE: 13,
    Organization.Precision.CITY: 11,
}


def organization_json_ld(organization: Organization, *, profile_url: str) -> dict:
    """Return a schema.org ``Organization`` describing the public profile of ``organization``.

    Only public fields go in; empty ones are left out. The sectors must be prefetched.
    """
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": profile_url,
        "url": profile_url,
        "name": organization.name,
        "description": organization.summary or organization.description,
        "sameAs": [organization.website] if organization.website else None,
        "email": organization.public_email,
        "telephone": organization.public_phone,
        "foundingDate": str(organization.founded_year) if organization.founded_year else None,
        "knowsAbout": [sector.name for sector in organization.sectors.all()] or None,
        "address": _without_empty(
            {
                "@type": "PostalAddress",
                "streetAddress": organization.street,
                "postalCode": organization.postal_code,
                "addressLocality": organization.city,
                "addressRegion": organization.state,
                "addressCountry": organization.country,
            }
        ),
    }
    if organization.has_position:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": organization.latitude,
            "longitude": organization.longitude,
        }
    return _without_empty(data)


def profile_map_data(organization: Organization) -> dict | None:
    """Return what ``static/js/profile-map.js`` needs to show the organization's marker."""
    if not organization.has_position:
        return None
    return {
        "latitude": organization.latitude,
        "longitude": organization.longitude,
        "zoom": ZOOM_BY_PRECISION.get(organization.geocode_precision, 12),
        "name": organization.name,
        "tiles": settings.MAP_TILES_URL,
        "attribution": settings.MAP_ATTRIBUTION,
    }


def _without_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}
