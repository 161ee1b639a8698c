"""Site-wide Celery tasks: the task outbox, the e-mail outbox and rate-limit housekeeping."""

from datetime import timedelta

from celery import shared_task

from . import emails, queue

PERIODIC_TASKS = {
    # Often, so that work held back by a broker outage runs within a minute of its return.
    "send-queued-tasks": {"task": "coopmap.tasks.send_queued_tasks", "schedule": 15.0},
    "send-unsent-emails": {"task": "coopmap.tasks.send_unsent_emails", "schedule": 300.0},
    "delete-expired-rate-limits": {
        "task": "coopmap.tasks.delete_expired_rate_limits",
        "schedule": 3600.0,
    },
}


@shared_task(acks_late=True)
def send_email(email_id: int) -> None:
    """Send one e-mail of the outbox (idempotent: a sent e-mail is not sent again)."""
    emails.email_send(email_id=email_id)


@shared_task
def send_unsent_emails() -> int:
    """Enqueue every e-mail that should have gone out by now (a lost message, a failed send)."""
    return emails.emails_resend_unsent(older_than=timedelta(minutes=5))


@shared_task(expires=60)
def send_queued_tasks() -> int:
    """Send the tasks of the outbox that the broker could not take when they were queued."""
    return queue.queued_tasks_send()


@shared_task
def delete_expired_rate_limits() -> int:
    from directory.spam import rate_limits_delete_expired

    return rate_limits_delete_expired()
