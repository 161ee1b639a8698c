"""Limits and names that hold when many requests arrive at the same moment (PostgreSQL).

Each thread has its own database connection, as gunicorn's workers do.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from coopmap.models import OutgoingEmail
from directory import services
from directory.models import Organization
from tests.directory.signup_support import signup_data
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def at_once(count: int, action) -> list:
    """Run ``action(number)`` in ``count`` threads released together; return the results."""
    barrier = threading.Barrier(count)

    def run(number: int):
        try:
            barrier.wait()
            return action(number)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_twelve_signups_of_one_name_at_once_get_twelve_distinct_slugs():
    fields = {
        "name": "Kooperative Nord",
        "kind": "cooperative",
        "postal_code": "20095",
        "city": "Hamburg",
        "country": "DE",
        "contact_name": "Erika Mustermann",
        "contact_email": "erika@example.org",
    }

    def signup(number: int) -> str:
        return services.organization_signup(
            fields=fields, sectors=[], language="de", signup_key=f"form-{number}"
        ).slug

    slugs = at_once(12, signup)
    assert len(set(slugs)) == 12
    assert "kooperative-nord" in slugs
    assert Organization.objects.count() == 12


def test_the_signup_limit_holds_when_a_flood_arrives_at_once(settings):
    settings.SIGNUP_MIN_FILL_SECONDS = 0
    settings.SIGNUP_RATE_LIMIT = 5

    def post(number: int) -> int:
        data = signup_data(name=f"Flut {number}", website="")
        return Client().post("/signup/", data, REMOTE_ADDR="198.51.100.9").status_code

    statuses = at_once(30, post)
    assert sorted(statuses).count(302) == 5
    assert statuses.count(429) == 25
    assert Organization.objects.count() == 5


def test_the_edit_link_limit_holds_when_requests_arrive_at_once(settings):
    settings.SIGNUP_RATE_LIMIT = 100  # per client address: not the limit under test here
    organization = OrganizationFactory(contact_email="kontakt@example.org")
    url = f"/directory/{organization.slug}/edit/"

    def ask(number: int) -> int:
        client = Client()
        return client.post(
            url, {"email": "kontakt@example.org"}, REMOTE_ADDR=f"192.0.2.{number + 1}"
        ).status_code

    assert set(at_once(12, ask)) == {302}
    assert OutgoingEmail.objects.filter(to="kontakt@example.org").count() == 3
