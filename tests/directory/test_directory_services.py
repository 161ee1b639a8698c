"""The publication services: organization_publish and organization_archive."""

import pytest
from django.utils import timezone

from directory.models import Organization
from directory.services import organization_archive, organization_publish
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def by(db):
    return UserFactory(username="publisher")


@pytest.mark.parametrize(
    "status",
    [
        Organization.Status.UNCONFIRMED,
        Organization.Status.PENDING,
        Organization.Status.REJECTED,
    ],
)
def test_publish_makes_an_organization_public_and_dates_it(by, status):
    organization = OrganizationFactory(status=status, published_at=None)
    before = timezone.now()

    published = organization_publish(organization=organization, by=by)

    organization.refresh_from_db()
    assert organization.status == Organization.Status.PUBLISHED
    assert organization.published_at >= before
    assert published.published_at == organization.published_at
    assert Organization.objects.published().filter(pk=organization.pk).exists()


def test_publishing_twice_keeps_the_first_date(by):
    organization = OrganizationFactory(status=Organization.Status.PENDING, published_at=None)
    first = organization_publish(organization=organization, by=by).published_at
    assert organization_publish(organization=organization, by=by).published_at == first


def test_archive_hides_an_organization_and_publishing_brings_it_back(by):
    organization = OrganizationFactory()
    first_published = organization.published_at

    organization_archive(organization=organization, by=by)
    assert not Organization.objects.published().filter(pk=organization.pk).exists()
    organization.refresh_from_db()
    assert organization.status == Organization.Status.ARCHIVED

    organization_publish(organization=organization, by=by)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PUBLISHED
    assert organization.published_at == first_published


def test_publish_acts_on_the_stored_row_not_a_stale_copy(by):
    organization = OrganizationFactory(status=Organization.Status.PENDING, published_at=None)
    stale = Organization.objects.get(pk=organization.pk)
    Organization.objects.filter(pk=organization.pk).update(name="Renamed eG")

    organization_publish(organization=stale, by=by)

    organization.refresh_from_db()
    assert organization.name == "Renamed eG"
    assert organization.status == Organization.Status.PUBLISHED
