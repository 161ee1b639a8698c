"""``manage.py load_demo``: the network's real partners and the sectors, safe to run twice."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from geopy.distance import distance

from directory.models import Organization, Sector

pytestmark = pytest.mark.django_db

# Where the partners really are (their verified street, else their city), and how close the
# offline gazetteer must come: a postal code area's centre, or the city centre.
TRUE_POSITIONS = {
    "hostsharing": ((53.6289, 10.0158), 2),  # Flughafenstraße 52a, 22335 Hamburg
    "smartde": ((52.4990, 13.3915), 2),  # Mehringplatz 8, 10969 Berlin
    "k8-institut-fuer-strategische-aesthetik": ((49.2354, 6.9969), 3),  # 66111 Saarbrücken
    "platform-cooperatives-germany": ((52.5200, 13.4050), 3),  # Berlin
    "supermarkt-berlin": ((52.5200, 13.4050), 3),  # Berlin
    "fairbnb": ((44.4949, 11.3426), 3),  # Bologna
}
WITHOUT_VERIFIED_CITY = ["iteratec-nurdemteam", "deutsche-datenschutzgenossenschaft", "h3-o"]


@pytest.fixture(autouse=True)
def _offline_geocoder(settings):
    settings.GEOCODER = "offline"


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def snapshot() -> tuple[list, list, list]:
    """Return every row load_demo writes, with its timestamps."""
    return (
        list(Sector.objects.order_by("pk").values_list()),
        list(Organization.objects.order_by("pk").values_list()),
        list(Organization.sectors.through.objects.order_by("pk").values_list()),
    )


def test_running_load_demo_twice_changes_nothing():
    load_demo()
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    assert "Sectors: 0 created, 0 updated, 30 unchanged." in output
    partners = output.split("Partner organizations:")[1]
    assert partners.count(": unchanged;") == 9


def test_load_demo_loads_every_partner_published():
    output = load_demo()

    partners = json.loads((Path(django_settings.BASE_DIR) / "fixtures/partners.json").read_text())
    assert Organization.objects.published().count() == len(partners) == 9
    assert 20 <= Sector.objects.count() <= 30
    for partner in partners:
        assert f"{partner['name']}: created" in output


@pytest.mark.parametrize(("slug", "true_position"), TRUE_POSITIONS.items())
def test_partner_is_on_the_map_at_its_real_place(slug, true_position):
    point, tolerance_km = true_position
    load_demo()

    organization = Organization.objects.get(slug=slug)

    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert organization.geocode_source == "offline"
    assert distance((organization.latitude, organization.longitude), point).km < tolerance_km


def test_partners_located_from_postal_code_or_city_say_so():
    load_demo()

    precisions = dict(Organization.objects.values_list("slug", "geocode_precision"))
    assert precisions["hostsharing"] == "postal_code"
    assert precisions["k8-institut-fuer-strategische-aesthetik"] == "postal_code"
    assert precisions["fairbnb"] == "city"
    assert precisions["supermarkt-berlin"] == "city"


def test_partners_without_a_verified_city_have_no_position():
    output = load_demo()

    for slug in WITHOUT_VERIFIED_CITY:
        organization = Organization.objects.get(slug=slug)
        assert not organization.has_position
        assert organization.geocode_status == Organization.GeocodeStatus.NO_ADDRESS
        assert organization.city == organization.postal_code == organization.street == ""
        assert f"{organization.name}: created; no map position" in output
    assert Organization.objects.published().with_position().count() == len(TRUE_POSITIONS)


def test_partners_carry_only_their_verified_facts():
    load_demo()

    k8 = Organization.objects.get(slug="k8-institut-fuer-strategische-aesthetik")
    fairbnb = Organization.objects.get(slug="fairbnb")
    supermarkt = Organization.objects.get(slug="supermarkt-berlin")
    hostsharing = Organization.objects.get(slug="hostsharing")

    assert (k8.kind, k8.legal_form) == ("network_partner", "ggmbh")
    assert (k8.register_court, k8.register_number) == ("", "HRB 102467")
    assert (k8.street, k8.postal_code, k8.city, k8.founded_year) == (
        "",
        "66111",
        "Saarbrücken",
        2015,
    )
    assert (fairbnb.kind, fairbnb.legal_form, fairbnb.country) == (
        "platform_coop",
        "foreign_coop",
        "IT",
    )
    assert fairbnb.street == ""
    assert "03735181202" in fairbnb.register_entry
    assert (supermarkt.kind, supermarkt.legal_form) == ("network_partner", "")
    assert (hostsharing.street, hostsharing.founded_year) == ("Flughafenstraße 52a", 2000)
    assert set(hostsharing.sectors.values_list("slug", flat=True)) == {
        "hosting-cloud",
        "open-source",
        "video-conferencing",
    }
    assert not Organization.objects.exclude(contact_email="").exists()
    assert not Organization.objects.filter(summary_de="").exists()
    assert not Organization.objects.filter(summary_en="").exists()


def test_load_demo_restores_a_changed_partner_and_relocates_it():
    load_demo()
    Organization.objects.filter(slug="hostsharing").update(
        website="https://example.org", city="Bologna", postal_code=""
    )

    output = load_demo()

    hostsharing = Organization.objects.get(slug="hostsharing")
    assert "Hostsharing eG: updated" in output
    assert hostsharing.website == "https://www.hostsharing.net"
    assert hostsharing.city == "Hamburg"
    assert distance((hostsharing.latitude, hostsharing.longitude), (53.63, 10.02)).km < 2


def test_load_demo_leaves_a_managers_moderation_alone():
    load_demo()
    Organization.objects.filter(slug="smartde").update(status=Organization.Status.ARCHIVED)

    load_demo()

    assert Organization.objects.get(slug="smartde").status == Organization.Status.ARCHIVED
