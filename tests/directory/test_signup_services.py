"""With PostgreSQL, Redis and a real worker: a broker outage during a signup loses nothing."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from coopmap.celery import app
from coopmap.models import OutgoingEmail
from coopmap.tasks import send_unsent_emails
from directory.models import Organization
from tests.directory.signup_support import signup_data

pytestmark = pytest.mark.services

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def celery_worker_env(tmp_path):
    """Let the worker write the e-mails it sends as files that the test can read."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (the shared Redis server must keep running)."""
    app.conf.broker_url = url
    # The app keeps pools for the previous URL; kombu's registry keeps them open for reuse.
    app._pool = None
    app.amqp._producer_pool = None


def test_a_signup_while_the_broker_is_down_is_kept_and_its_email_sent_later(
    client, celery_worker_process, settings, tmp_path
):
    settings.SIGNUP_MIN_FILL_SECONDS = 0
    working_broker = app.conf.broker_url
    use_broker(DEAD_BROKER)
    try:
        response = client.post("/signup/", signup_data())
    finally:
        use_broker(working_broker)

    assert response.status_code == 302
    organization = Organization.objects.get()
    assert organization.status == Organization.Status.UNCONFIRMED
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.to == organization.contact_email

    # The periodic sweep, run by the real worker once the broker is back, picks it up.
    OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    send_unsent_emails.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutgoingEmail.Status.SENT:
            break
        time.sleep(0.2)
    assert email.status == OutgoingEmail.Status.SENT
    [sent_file] = (tmp_path / "mail").iterdir()
    sent = sent_file.read_text()
    assert "erika@buergerenergie-sued.example.org" in sent
    assert "/signup/confirm/" in sent
