"""Celery tasks of the survey: reminders to organizations that have not submitted."""

from celery import shared_task
from celery.schedules import crontab

from . import services
from .reporting import services as reporting

PERIODIC_TASKS = {
    # Once a day in the morning (Europe/Berlin); each survey sets how many reminders at most
    # and how many days apart (Survey.reminder_limit, Survey.reminder_interval_days).
    "survey-send-reminders": {
        "task": "survey.tasks.send_survey_reminders",
        "schedule": crontab(hour=9, minute=30),
    },
}


@shared_task
def send_survey_reminders() -> int:
    """Send the reminders that are due; safe to run twice (nobody is reminded twice)."""
    return services.invitations_remind()


# --- Reports ----------------------------------------------------------------------------------

PERIODIC_TASKS["survey-sweep-reports"] = {
    # Fails stuck reports and sends queued ones again whose message may have been lost.
    "task": "survey.tasks.sweep_reports",
    "schedule": 60.0,
}


@shared_task
def build_report(report_id: int) -> None:
    """Build a report; idempotent, and rebuilt from scratch if a worker died midway.

    Acknowledged late and rejected on a lost worker (settings), so the message comes back.
    """
    reporting.report_build(report_id=report_id)


@shared_task
def sweep_reports() -> dict:
    """Fail reports stuck past the limit and send again those whose message may be lost."""
    outcome = reporting.reports_sweep()
    return {"failed": outcome.failed, "resent": outcome.resent}
