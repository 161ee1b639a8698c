"""Site-wide Celery tasks: sending e-mails from the outbox."""

from datetime import timedelta

from celery import shared_task

from . import emails

PERIODIC_TASKS = {
    "send-unsent-emails": {"task": "coopmap.tasks.send_unsent_emails", "schedule": 300.0},
}


@shared_task(acks_late=True)
def send_email(email_id: int) -> None:
    """Send one e-mail of the outbox (idempotent: a sent e-mail is not sent again)."""
    emails.email_send(email_id=email_id)


@shared_task
def send_unsent_emails() -> int:
    """Enqueue every e-mail that should have gone out by now (the broker may have been down)."""
    return emails.emails_resend_unsent(older_than=timedelta(minutes=5))
