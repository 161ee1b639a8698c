"""The foundation: health check, manager permissions, language switch."""

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
