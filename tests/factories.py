"""factory_boy factories for the project's models."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from directory.models import Organization, Sector


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("slug",)

    name_en = factory.Sequence(lambda n: f"Sector {n}")
    name_de = factory.LazyAttribute(lambda sector: f"Branche {sector.name_en.split()[-1]}")
    slug = factory.LazyAttribute(lambda sector: slugify(sector.name_en))


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A published co-op in Berlin with a position, unless told otherwise."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Genossenschaft {n} eG")
    slug = factory.LazyAttribute(lambda org: slugify(org.name))
    kind = Organization.Kind.PLATFORM_COOP
    legal_form = Organization.LegalForm.EG
    summary_de = "Eine digitale Genossenschaft."
    summary_en = "A digital cooperative."
    website = factory.LazyAttribute(lambda org: f"https://{org.slug}.example.org")
    contact_name = "Erika Mustermann"
    contact_email = factory.LazyAttribute(lambda org: f"kontakt@{org.slug}.example.org")
    postal_code = "10969"
    city = "Berlin"
    state = "Berlin"
    country = "DE"
    latitude = 52.5
    longitude = 13.4
    geocode_status = Organization.GeocodeStatus.LOCATED
    geocode_source = "offline"
    geocode_precision = Organization.Precision.POSTAL_CODE
    status = Organization.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
