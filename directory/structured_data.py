"""The data of a profile page's small map (its JSON-LD comes from ``linked_data.py``)."""

from .models import Organization

# How close the profile map zooms in, by how precisely the position is known.
ZOOM_BY_PRECISION = {
    Organization.Precision.ADDRESS: 15,
    Organization.Precision.POSTAL_CODE: 13,
    Organization.Precision.CITY: 11,
}


def profile_map_data(organization: Organization) -> dict | None:
    """Return what ``static/js/profile-map.js`` needs to show the organization's marker."""
    if not organization.has_position:
        return None
    return {
        "latitude": organization.latitude,
        "longitude": organization.longitude,
        "zoom": ZOOM_BY_PRECISION.get(organization.geocode_precision, 12),
        "name": organization.name,
    }
