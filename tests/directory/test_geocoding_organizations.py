"""Geocoding organizations: the service, the Celery task and its retries after an outage."""

import time

import pytest
from django.db import transaction

from coopmap.celery import app as celery_app
from directory import services
from directory.geo import geocoding
from directory.models import Organization
from directory.tasks import _backoff, geocode_organization
from tests.factories import OrganizationFactory
from tests.fakes.nominatim import fake_nominatim  # noqa: F401 - a fixture

UNLOCATED = {
    "latitude": None,
    "longitude": None,
    "geocode_status": Organization.GeocodeStatus.PENDING,
    "geocode_source": "",
    "geocode_precision": "",
}


def unlocated_organization(**address) -> Organization:
    return OrganizationFactory(
        **UNLOCATED,
        **{"street": "", "postal_code": "", "city": "", "state": "", **address},
    )


def schedule(organization: Organization) -> None:
    with transaction.atomic():
        services.organization_schedule_geocoding(organization=organization)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, as the embedded configuration does, even with a broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def nominatim(settings, fake_nominatim):  # noqa: F811
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = fake_nominatim.url
    settings.GEOCODER_MIN_DELAY_SECONDS = 0
    return fake_nominatim


@pytest.mark.django_db
def test_saved_organization_is_located_once_its_transaction_commits(
    eager_tasks, django_capture_on_commit_callbacks
):
    organization = unlocated_organization(postal_code="22335", city="Hamburg", state="Hamburg")

    with django_capture_on_commit_callbacks(execute=True):
        schedule(organization)

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert organization.geocode_precision == Organization.Precision.POSTAL_CODE
    assert organization.geocode_source == "offline"
    assert organization.geocoded_at is not None
    assert round(organization.latitude, 1) == 53.6
    assert round(organization.longitude, 1) == 10.0


@pytest.mark.django_db
def test_organization_in_an_unknown_place_saves_and_is_not_found(
    eager_tasks, django_capture_on_commit_callbacks
):
    organization = unlocated_organization(city="Xyzzyhausen")

    with django_capture_on_commit_callbacks(execute=True):
        schedule(organization)
        organization.refresh_from_db()
        assert organization.get_geocode_status_display() == "Location pending"

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.NOT_FOUND
    assert not organization.has_position
    assert not Organization.objects.with_position().filter(pk=organization.pk).exists()


@pytest.mark.django_db
def test_organization_without_town_or_postal_code_has_no_address_to_locate():
    organization = unlocated_organization(street="Mehringplatz 8")

    services.organization_geocode(organization_id=organization.pk)

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.NO_ADDRESS
    assert not organization.has_position


@pytest.mark.django_db
def test_moving_an_organization_to_an_unknown_place_removes_its_old_position():
    organization = OrganizationFactory(postal_code="", city="Xyzzyhausen")

    services.organization_geocode(organization_id=organization.pk)

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.NOT_FOUND
    assert organization.latitude is None
    assert organization.geocode_source == ""


@pytest.mark.django_db
def test_position_placed_by_hand_is_kept():
    organization = OrganizationFactory(
        latitude=52.0, longitude=13.0, geocode_status=Organization.GeocodeStatus.MANUAL
    )

    services.organization_geocode(organization_id=organization.pk)

    organization.refresh_from_db()
    assert (organization.latitude, organization.longitude) == (52.0, 13.0)
    assert organization.geocode_status == Organization.GeocodeStatus.MANUAL


@pytest.mark.django_db
def test_outage_leaves_the_organization_pending_until_the_next_run(
    eager_tasks, nominatim, django_capture_on_commit_callbacks
):
    organization = unlocated_organization(city="Kleinkleckersdorf", state="Niedersachsen")
    nominatim.status = 503

    with pytest.raises(geocoding.GeocoderUnavailableError):
        services.organization_geocode(organization_id=organization.pk)
    with django_capture_on_commit_callbacks(execute=True):
        schedule(organization)  # eager: no retry at once against the same outage

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.PENDING
    assert len(nominatim.requests) == 2

    nominatim.status = 200
    geocode_organization.delay(organization.pk)

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert organization.geocode_source == "nominatim"


@pytest.mark.django_db
def test_outage_puts_an_organization_with_a_street_on_the_map_at_once(nominatim):
    organization = unlocated_organization(
        street="Flughafenstraße 52a", postal_code="22335", city="Hamburg"
    )
    nominatim.status = 503

    services.organization_geocode(organization_id=organization.pk)

    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert organization.geocode_source == geocoding.OFFLINE_FALLBACK
    assert organization.geocode_precision == Organization.Precision.POSTAL_CODE

    nominatim.status = 200
    services.organization_geocode(organization_id=organization.pk)

    organization.refresh_from_db()
    assert organization.geocode_source == "nominatim"
    assert organization.geocode_precision == Organization.Precision.ADDRESS


def test_retries_wait_longer_and_longer_up_to_an_hour(settings):
    settings.GEOCODER_RETRY_DELAY_SECONDS = 30

    assert [_backoff(retries) for retries in range(9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


# --- With a real Celery worker (PostgreSQL, Redis): retries with backoff --------------------


@pytest.fixture
def geocoding_worker(request, monkeypatch, transactional_db, fake_nominatim):  # noqa: F811
    """Start a Celery worker that geocodes with the fake Nominatim and retries after 1 s."""
    monkeypatch.setenv("GEOCODER", "nominatim")
    monkeypatch.setenv("GEOCODER_URL", fake_nominatim.url)
    monkeypatch.setenv("GEOCODER_MIN_DELAY_SECONDS", "0")
    monkeypatch.setenv("GEOCODER_RETRY_DELAY_SECONDS", "1")
    return request.getfixturevalue("celery_worker_process")


def wait_for(condition, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


@pytest.mark.services
def test_worker_retries_until_the_service_is_back(geocoding_worker, fake_nominatim):  # noqa: F811
    organization = unlocated_organization(city="Kleinkleckersdorf", state="Niedersachsen")
    fake_nominatim.fail_next(2)

    schedule(organization)

    def located() -> bool:
        organization.refresh_from_db()
        return organization.geocode_status == Organization.GeocodeStatus.LOCATED

    wait_for(located)
    assert organization.geocode_source == "nominatim"
    times = fake_nominatim.request_times
    assert len(times) == 3
    assert times[1] - times[0] >= 0.9, "the first retry waits a second"
    assert times[2] - times[1] >= 1.9, "the second retry waits twice as long"


@pytest.mark.services
def test_worker_refines_a_stand_in_position_once_the_service_is_back(
    geocoding_worker,
    fake_nominatim,  # noqa: F811
):
    organization = unlocated_organization(
        street="Flughafenstraße 52a", postal_code="22335", city="Hamburg"
    )
    fake_nominatim.fail_next(1)
    seen = set()

    schedule(organization)

    def refined() -> bool:
        organization.refresh_from_db()
        seen.add((organization.geocode_source, organization.geocode_precision))
        return organization.geocode_source == "nominatim"

    wait_for(refined)
    assert (geocoding.OFFLINE_FALLBACK, "postal_code") in seen
    assert organization.geocode_precision == Organization.Precision.ADDRESS
    assert len(fake_nominatim.requests) == 2


@pytest.mark.django_db
def test_sweep_geocodes_entries_left_pending_by_a_broker_outage():
    from datetime import timedelta

    organization = OrganizationFactory(
        postal_code="22335",
        city="Hamburg",
        latitude=None,
        longitude=None,
        geocode_status=Organization.GeocodeStatus.PENDING,
    )
    Organization.objects.filter(pk=organization.pk).update(
        updated_at=organization.updated_at - timedelta(hours=1)
    )
    OrganizationFactory(latitude=None, longitude=None, geocode_status="pending")  # too recent

    assert services.organizations_geocode_stale(older_than=timedelta(minutes=30)) == 1
    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert abs(organization.latitude - 53.63) < 0.1
