"""The outbox: e-mails are stored with the action that causes them and never lost."""

import pytest
from django.core import mail

from coopmap import emails
from coopmap.models import OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_templates(settings):
    from pathlib import Path

    settings.TEMPLATES = [
        {**engine, "DIRS": [Path(__file__).parent / "templates", *engine["DIRS"]]}
        for engine in settings.TEMPLATES
    ]


def test_queued_email_is_sent_after_commit_as_text_and_html(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.email_queue(
            to="kontakt@example.org", template="greeting", context={"name": "<b>Jörg</b>"}
        )
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    [message] = mail.outbox
    assert message.to == ["kontakt@example.org"]
    assert message.subject == "Hello <b>Jörg</b>"
    # Plain text is not HTML-escaped; the HTML part escapes what people typed.
    assert "Hello <b>Jörg</b>, welcome & enjoy." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "&lt;b&gt;Jörg&lt;/b&gt;" in html
    assert "<b>Jörg</b>" not in html


def test_nothing_is_sent_before_the_transaction_commits():
    emails.email_queue(to="a@example.org", template="greeting", context={"name": "A"})
    assert mail.outbox == []
    assert OutgoingEmail.objects.unsent().count() == 1


def test_sending_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.email_queue(to="a@example.org", template="greeting", context={"name": "A"})
    emails.email_send(email_id=email.pk)
    assert len(mail.outbox) == 1


def test_broker_outage_keeps_the_email_and_the_sweep_sends_it(
    settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from coopmap.celery import app

    previous_broker = app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            email = emails.email_queue(to="a@example.org", template="greeting", context={})
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = previous_broker
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert mail.outbox == []

    assert emails.emails_resend_unsent(older_than=timedelta(0)) == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_failed_delivery_is_recorded_and_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1  # refused
    email = emails.email_queue(to="a@example.org", template="greeting", context={"name": "A"})
    emails.email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
