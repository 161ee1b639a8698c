"""Published profiles as schema.org JSON-LD and Murmurations profiles, for other maps."""

import json
import re

import pytest
from django.urls import reverse

from directory.linked_data import MURMURATIONS_SCHEMA, organization_jsonld
from directory.models import ImportSource, Organization
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    source = ImportSource.objects.create(
        name="Co-operatives UK",
        licence="ODC-By 1.0",
        attribution="Contains data from Co-operatives UK, ODC-By 1.0",
        url="https://www.uk.coop/",
    )
    organization = OrganizationFactory(
        name="Hosting eG",
        street="Hauptstraße 1",
        founded_year=2019,
        public_email="hallo@hosting.example",
        import_source=source,
        source_record_id="R1",
    )
    organization.sectors.add(SectorFactory(name_en="Hosting", name_de="Hosting"))
    return organization


def test_jsonld_of_a_profile_is_a_schema_org_organization_with_its_source(client, imported):
    response = client.get(reverse("directory:detail-jsonld", args=[imported.slug]))
    assert response["Content-Type"] == "application/ld+json"
    data = response.json()
    profile = f"http://testserver/directory/{imported.slug}/"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert (data["@id"], data["name"], data["sameAs"]) == (
        profile,
        "Hosting eG",
        [imported.website],
    )
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Hauptstraße 1",
        "postalCode": "10969",
        "addressLocality": "Berlin",
        "addressRegion": "Berlin",
        "addressCountry": "DE",
    }
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 52.5, "longitude": 13.4}
    assert data["foundingDate"] == "2019"
    assert "Hosting" in data["keywords"]
    assert data["isBasedOn"]["creditText"] == "Contains data from Co-operatives UK, ODC-By 1.0"
    assert organization_jsonld(imported, base_url="http://testserver/") == data


def test_murmurations_profile_follows_the_organizations_schema(client, imported):
    data = client.get(reverse("directory:detail-murmurations", args=[imported.slug])).json()
    assert data["linked_schemas"] == [MURMURATIONS_SCHEMA] == ["organizations_schema-v1.0.0"]
    assert data["name"] == "Hosting eG"
    assert re.match(r"^https?://", data["primary_url"])
    assert data["primary_url"] == imported.website
    assert {"Hosting"} <= set(data["tags"])
    assert len(data["tags"]) == len(set(data["tags"]))
    assert all(re.match(r"^https?://", url["url"]) for url in data["urls"])
    assert data["country_iso_3166"] == "DE"
    assert data["geolocation"] == {"lat": 52.5, "lon": 13.4}
    assert data["starts_at"] == 1546300800  # 1 January 2019, 00:00 UTC
    assert data["contact_details"] == {"email": "hallo@hosting.example"}
    assert data["full_address"] == "Hauptstraße 1, 10969 Berlin, DE"


@pytest.mark.parametrize("name", ["directory:detail-jsonld", "directory:detail-murmurations"])
def test_linked_data_has_no_private_contact_and_no_unpublished_entry(client, imported, name):
    body = client.get(reverse(name, args=[imported.slug])).content.decode()
    assert imported.contact_email not in body
    assert imported.contact_name not in body
    pending = OrganizationFactory(status=Organization.Status.PENDING, published_at=None)
    assert client.get(reverse(name, args=[pending.slug])).status_code == 404


def test_a_profile_without_website_points_murmurations_at_its_page(client):
    organization = OrganizationFactory(website="", latitude=None, longitude=None)
    data = client.get(reverse("directory:detail-murmurations", args=[organization.slug])).json()
    assert data["primary_url"] == f"http://testserver/directory/{organization.slug}/"
    assert "geolocation" not in data
    json.dumps(data)  # plain JSON all through


def test_the_profile_page_names_the_source_and_the_licence_of_an_imported_entry(client, imported):
    html = client.get(imported.get_absolute_url()).content.decode()
    assert "Contains data from Co-operatives UK, ODC-By 1.0" in html
    assert 'href="https://www.uk.coop/"' in html
    own = OrganizationFactory()
    assert "provenance" not in client.get(own.get_absolute_url()).content.decode()
