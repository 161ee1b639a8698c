"""Celery tasks of the survey: reminders to organizations that have not submitted."""

from celery import shared_task
from celery.schedules import crontab

from . import services

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
