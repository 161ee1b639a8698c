"""The public profile of an organization at /directory/<slug>/."""

import json
import re

import pytest
from django.urls import reverse

from directory.models import Organization
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

PROFILE_QUERIES = 2  # the organization, its sectors


@pytest.fixture
def hostsharing(db):
    organization = OrganizationFactory(
        name="Hostsharing eG",
        slug="hostsharing",
        kind=Organization.Kind.PLATFORM_COOP,
        legal_form=Organization.LegalForm.EG,
        summary_de="Hamburger Hosting-Genossenschaft.",
        summary_en="Hamburg hosting cooperative.",
        description_de="Die Mitglieder teilen eine Community-Cloud.",
        description_en="Its members share a community cloud.",
        website="https://www.hostsharing.net",
        public_email="info@hostsharing.example",
        public_phone="+49 40 123 456",
        contact_name="Erika Privat",
        contact_email="erika.privat@example.org",
        street="Flughafenstraße 52a",
        postal_code="22335",
        city="Hamburg",
        state="Hamburg",
        latitude=53.63,
        longitude=10.0,
        geocode_precision=Organization.Precision.ADDRESS,
        founded_year=2000,
        member_count=1234,
        register_court="Amtsgericht Hamburg",
        register_number="GnR 1234",
    )
    organization.sectors.set([SectorFactory(name_en="Hosting", name_de="Hosting")])
    return organization


def in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_profile_shows_the_public_fields(client, hostsharing):
    html = in_english(client).get(hostsharing.get_absolute_url()).content.decode()
    for text in (
        "<h1>Hostsharing eG</h1>",
        "Platform co-op",
        "Registered cooperative (eG)",
        "Hamburg hosting cooperative.",
        "Its members share a community cloud.",
        ">Hosting</a>",
        'href="https://www.hostsharing.net"',
        'href="mailto:info@hostsharing.example"',
        'href="tel:+4940123456"',
        "Flughafenstraße 52a",
        "22335 Hamburg",
        "<dd>2000</dd>",
        "<dd>1,234</dd>",
        "Amtsgericht Hamburg, GnR 1234",
        f'href="{reverse("directory:list")}"',
        f'href="{reverse("directory:map")}"',
    ):
        assert text in html, text


def test_profile_never_shows_the_private_contact(client, hostsharing):
    content = client.get(hostsharing.get_absolute_url()).content
    assert b"erika.privat@example.org" not in content
    assert b"Erika Privat" not in content


def test_profile_speaks_the_visitors_language_and_falls_back_to_the_other(
    german_client, hostsharing
):
    german = german_client.get(hostsharing.get_absolute_url()).content.decode()
    assert "Die Mitglieder teilen eine Community-Cloud." in german
    assert "Its members share a community cloud." not in german

    english = in_english(german_client).get(hostsharing.get_absolute_url()).content.decode()
    assert "Its members share a community cloud." in english
    assert "Die Mitglieder teilen" not in english

    hostsharing.description_en = ""
    hostsharing.save()
    fallback = german_client.get(hostsharing.get_absolute_url()).content.decode()
    assert re.search(r'class="prose"\s+lang="de">', fallback)
    assert "Die Mitglieder teilen eine Community-Cloud." in fallback


@pytest.mark.parametrize("status", sorted(set(Organization.Status) - {"published"}))
def test_profile_of_an_unpublished_organization_is_not_found(client, status):
    organization = OrganizationFactory(status=status, published_at=None)
    assert client.get(organization.get_absolute_url()).status_code == 404


def test_register_number_without_court_says_the_court_is_not_stated(client):
    organization = OrganizationFactory(register_court="", register_number="HRB 102467")
    html = in_english(client).get(organization.get_absolute_url()).content.decode()
    assert "HRB 102467 (court not stated)" in html


def test_profile_with_a_position_has_a_small_map(client, hostsharing):
    html = client.get(hostsharing.get_absolute_url()).content.decode()
    assert 'id="profile-map"' in html
    assert "/static/leaflet/leaflet.css" in html
    assert re.search(r'<script src="/static/leaflet/leaflet(-src)?\.js">', html)
    assert '<script src="/static/js/profile-map.js" type="module">' in html
    data = json.loads(
        re.search(r'<script id="profile-map-data" type="application/json">(.*?)</script>', html)[1]
    )
    assert data["latitude"] == 53.63
    assert data["longitude"] == 10.0
    assert data["zoom"] == 15
    assert data["name"] == "Hostsharing eG"


@pytest.mark.parametrize(
    ("geocode_status", "message"),
    [
        (Organization.GeocodeStatus.PENDING, "Location pending"),
        (Organization.GeocodeStatus.NOT_FOUND, "No location known"),
        (Organization.GeocodeStatus.NO_ADDRESS, "No location known"),
    ],
)
def test_profile_without_a_position_says_so_and_has_no_map(client, geocode_status, message):
    organization = OrganizationFactory(latitude=None, longitude=None, geocode_status=geocode_status)
    html = in_english(client).get(organization.get_absolute_url()).content.decode()
    assert message in html
    assert 'id="profile-map"' not in html
    assert "leaflet" not in html


def test_profile_describes_the_organization_in_schema_org_json_ld(client, hostsharing):
    data = json_ld(client.get(hostsharing.get_absolute_url()).content.decode())
    profile_url = "http://testserver/directory/hostsharing/"
    assert data == {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": profile_url,
        "url": profile_url,
        "name": "Hostsharing eG",
        "legalName": "Hostsharing eG",
        "additionalType": str(Organization.LegalForm.EG.label),
        "keywords": f"{Organization.Kind.PLATFORM_COOP.label}, Hosting",
        "description": "Hamburg hosting cooperative.",  # the visitor's language
        "sameAs": ["https://www.hostsharing.net"],
        "email": "info@hostsharing.example",
        "telephone": "+49 40 123 456",
        "foundingDate": "2000",
        "knowsAbout": ["Hosting"],
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Flughafenstraße 52a",
            "postalCode": "22335",
            "addressLocality": "Hamburg",
            "addressRegion": "Hamburg",
            "addressCountry": "DE",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 53.63, "longitude": 10.0},
    }


def test_json_ld_leaves_out_unknown_fields(client):
    organization = OrganizationFactory(
        website="", latitude=None, longitude=None, founded_year=None, postal_code="", street=""
    )
    data = json_ld(client.get(organization.get_absolute_url()).content.decode())
    assert not {"sameAs", "geo", "foundingDate", "email", "telephone"} & set(data)
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Berlin",
        "addressRegion": "Berlin",
        "addressCountry": "DE",
    }


def test_json_ld_cannot_be_broken_out_of_by_a_name(client):
    organization = OrganizationFactory(name="Evil </script><script>alert(1)</script> eG")
    html = client.get(organization.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)["name"] == "Evil </script><script>alert(1)</script> eG"


@pytest.mark.parametrize("count", [3, 30])
def test_profile_costs_the_same_queries_however_many_organizations_and_sectors(
    client, django_assert_max_num_queries, count
):
    organizations = OrganizationFactory.create_batch(count)
    organizations[0].sectors.set(SectorFactory.create_batch(count))
    with django_assert_max_num_queries(PROFILE_QUERIES):
        response = client.get(organizations[0].get_absolute_url())
    assert response.status_code == 200
