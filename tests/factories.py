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


# --- Survey (needs analysis) ------------------------------------------------------------------

from survey.models import (  # noqa: E402
    Invitation,
    MatrixItem,
    Option,
    Question,
    Response,
    Section,
    Survey,
)


class SurveyFactory(factory.django.DjangoModelFactory):
    """An open survey without dates, unless told otherwise."""

    class Meta:
        model = Survey
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"umfrage-{n}")
    title_de = factory.Sequence(lambda n: f"Umfrage {n}")
    title_en = factory.Sequence(lambda n: f"Survey {n}")
    intro_de = "Bitte beantworten Sie unsere Fragen."
    intro_en = "Please answer our questions."
    status = Survey.Status.OPEN


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"section-{n}")
    title_de = factory.Sequence(lambda n: f"Abschnitt {n}")
    title_en = factory.Sequence(lambda n: f"Section {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"question-{n}")
    kind = Question.Kind.SHORT_TEXT
    text_de = factory.Sequence(lambda n: f"Frage {n}?")
    text_en = factory.Sequence(lambda n: f"Question {n}?")
    scale_min_label_de = factory.LazyAttribute(
        lambda q: "gar nicht" if q.kind in Question.SCALE_KINDS else ""
    )
    scale_min_label_en = factory.LazyAttribute(
        lambda q: "not at all" if q.kind in Question.SCALE_KINDS else ""
    )
    scale_max_label_de = factory.LazyAttribute(
        lambda q: "sehr" if q.kind in Question.SCALE_KINDS else ""
    )
    scale_max_label_en = factory.LazyAttribute(
        lambda q: "very much" if q.kind in Question.SCALE_KINDS else ""
    )


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.SINGLE_CHOICE)
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"option-{n}")
    label_de = factory.LazyAttribute(lambda option: f"Antwort {option.code}")
    label_en = factory.LazyAttribute(lambda option: f"Answer {option.code}")


class MatrixItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatrixItem

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.MATRIX)
    position = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"item-{n}")
    label_de = factory.LazyAttribute(lambda item: f"Punkt {item.code}")
    label_en = factory.LazyAttribute(lambda item: f"Item {item.code}")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    survey = factory.SubFactory(SurveyFactory)
    organization = factory.SubFactory(OrganizationFactory)
    last_sent_at = factory.LazyFunction(timezone.now)
    send_count = 1


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    invitation = factory.SubFactory(InvitationFactory)
    survey_version = factory.LazyAttribute(lambda response: response.invitation.survey.version)
