"""The foundation: health check, manager permissions, language switch."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    expected_broker = "ok" if settings.REDIS_URL else "eager"
    assert response.json() == {"database": "ok", "broker": expected_broker}


def test_healthz_is_unhealthy_when_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


def test_manage_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("manage:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_manage_refuses_users_outside_the_network_managers(client):
    client.force_login(UserFactory())
    assert client.get(reverse("manage:dashboard")).status_code == 403


def test_manage_admits_network_managers_and_superusers(client, manager):
    client.force_login(manager)
    assert client.get(reverse("manage:dashboard")).status_code == 200
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(reverse("manage:dashboard")).status_code == 200


def test_pages_speak_german_first_and_switch_to_english(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de").headers["Content-Language"] == "de"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.get("/").headers["Content-Language"] == "en"


def test_a_visitor_without_language_preference_gets_german_pages():
    from django.test import Client

    response = Client().get(reverse("directory:list"))
    assert response.headers["Content-Language"] == "de"
    assert "Verzeichnis" in response.content.decode()


def test_german_catalogue_is_complete_and_compiled():
    """Every user-visible string has a German translation, and the committed .mo matches."""
    from pathlib import Path

    import polib

    folder = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES"
    catalogue = polib.pofile(folder / "django.po")
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    compiled = {(entry.msgctxt, entry.msgid) for entry in polib.mofile(folder / "django.mo")}
    translated = {(entry.msgctxt, entry.msgid) for entry in catalogue.translated_entries()}
    assert translated <= compiled, "run `make messages` to compile the catalogue"


def test_manager_overview_counts_what_waits_with_a_constant_number_of_queries(
    manager_client, django_assert_max_num_queries
):
    from directory.models import Organization, OrganizationRevision
    from tests.factories import OrganizationFactory, SurveyFactory

    OrganizationFactory.create_batch(3)
    OrganizationFactory(latitude=None, longitude=None)
    waiting = OrganizationFactory.create_batch(2, status=Organization.Status.PENDING)
    OrganizationRevision.objects.create(organization=waiting[0], changes={"city": "Potsdam"})
    SurveyFactory(status="open")

    with django_assert_max_num_queries(8):
        html = manager_client.get(reverse("manage:dashboard")).content.decode()

    figures = dict(re.findall(r'data-figure="([a-z-]+)">(\d+)<', html))
    assert figures == {
        "pending": "2",
        "changes": "1",
        "deletions": "0",
        "published": "4",
        "without-position": "1",
        "imports": "0",
    }
    assert "0 invited, 0 started, 0 submitted" in html
