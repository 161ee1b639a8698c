"""Reads of the survey: chainable queryset methods shared by pages, tasks and reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, Q


class SurveyQuerySet(models.QuerySet):
    def accepting_answers(self, *, now: datetime) -> SurveyQuerySet:
        """Return surveys that are open at ``now`` (status open, within their dates)."""
        return self.filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
            status="open",
        )

    def with_response_counts(self) -> SurveyQuerySet:
        """Annotate ``invited``, ``started`` (drafts and submitted) and ``submitted``."""
        return self.annotate(
            invited=Count(
                "invitations", filter=Q(invitations__last_sent_at__isnull=False), distinct=True
            ),
            started=Count("invitations__response", distinct=True),
            submitted=Count(
                "invitations__response",
                filter=Q(invitations__response__status="submitted"),
                distinct=True,
            ),
        )


class InvitationQuerySet(models.QuerySet):
    def sent(self) -> InvitationQuerySet:
        """Return invitations whose link has been e-mailed at least once."""
        return self.filter(last_sent_at__isnull=False)

    def not_submitted(self) -> InvitationQuerySet:
        """Return invitations without a submitted response (none yet, or a draft)."""
        return self.exclude(response__status="submitted")

    def reachable(self) -> InvitationQuerySet:
        """Return invitations of published organizations that have a contact e-mail."""
        return self.filter(organization__status="published").exclude(organization__contact_email="")

    def due_for_reminder(self, *, survey, now: datetime) -> InvitationQuerySet:
        """Return invitations of ``survey`` that should get a reminder at ``now``.

        Due: the link was sent, nothing was submitted, fewer reminders than the survey's
        limit went out, and the last e-mail (invitation, resend or reminder) is at least the
        survey's interval old.
        """
        cutoff = now - timedelta(days=survey.reminder_interval_days)
        return (
            self.filter(survey=survey, reminders_sent__lt=survey.reminder_limit)
            .sent()
            .not_submitted()
            .reachable()
            .filter(last_sent_at__lte=cutoff)
            .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=cutoff))
        )


class ResponseQuerySet(models.QuerySet):
    def submitted(self) -> ResponseQuerySet:
        return self.filter(status="submitted")

    def drafts(self) -> ResponseQuerySet:
        return self.filter(status="draft")

    def for_survey(self, survey) -> ResponseQuerySet:
        return self.filter(invitation__survey=survey)
