"""The production path: a real Celery worker on PostgreSQL and Redis sends the outbox."""

import time
from datetime import timedelta

import pytest
from django.db import transaction

from coopmap import emails
from coopmap.models import OutgoingEmail
from coopmap.queue import enqueue_on_commit
from coopmap.tasks import send_email

pytestmark = pytest.mark.services


def wait_for(condition, *, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def outbox_row(subject: str) -> OutgoingEmail:
    return OutgoingEmail.objects.create(
        template="manual",
        to="kontakt@example.org",
        language="de",
        subject=subject,
        body_text="Hallo!",
    )


def is_sent(email: OutgoingEmail) -> bool:
    return OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.SENT


def test_real_worker_sends_a_queued_email(celery_worker_process):
    with transaction.atomic():
        email = outbox_row("Willkommen bei CoopMap")
        enqueue_on_commit(send_email, email.pk)

    assert wait_for(lambda: is_sent(email)), f"see {celery_worker_process.log_path}"
    [sent_file] = list(celery_worker_process.mail_dir.iterdir())
    assert "Willkommen bei CoopMap" in sent_file.read_text()


def test_email_queued_while_no_worker_runs_is_sent_once_one_starts(celery_worker_process):
    celery_worker_process.kill()
    email = outbox_row("Nach dem Absturz")
    assert emails.emails_resend_unsent(older_than=timedelta(0)) == 1
    assert not is_sent(email)

    celery_worker_process.start()
    assert wait_for(lambda: is_sent(email)), f"see {celery_worker_process.log_path}"
