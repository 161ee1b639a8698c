"""Reads of the survey: chainable queryset methods shared by pages, tasks and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, Q


def participation_counts(path: str = "") -> dict[str, Count]:
    """Return the aggregates of participation: THE definition, used by every page and report.

    ``path`` leads from the queried model to ``Invitation`` ("" on invitations themselves,
    "invitations" on surveys). Invited: every organization with a personal link, however
    the link was made (e-mailed, or created to pass on by hand). Started: a response exists
    (draft or submitted). Submitted: the response is submitted. Every response belongs to an
    invitation, so neither count can exceed the invited.
    """

    def to(name: str) -> str:
        return f"{path}__{name}" if path else name

    return {
        "invited": Count(path or "pk", distinct=True),
        "started": Count(to("response"), distinct=True),
        "submitted": Count(
            to("response"), filter=Q(**{to("response__status"): "submitted"}), distinct=True
        ),
    }


@dataclass(frozen=True)
class ParticipationFigures:
    """Invited, started and submitted organizations of a survey (or part of it), and rates."""

    invited: int = 0
    started: int = 0
    submitted: int = 0

    @staticmethod
    def _rate(count: int, total: int) -> float | None:
        return min(count / total, 1.0) if total else None

    @property
    def started_rate(self) -> float | None:
        return self._rate(self.started, self.invited)

    @property
    def response_rate(self) -> float | None:
        """Submitted of invited (0..1), None without invitations."""
        return self._rate(self.submitted, self.invited)

    @property
    def started_percent(self) -> int | None:
        rate = self.started_rate
        return None if rate is None else round(rate * 100)

    @property
    def response_percent(self) -> int | None:
        rate = self.response_rate
        return None if rate is None else round(rate * 100)


class SurveyQuerySet(models.QuerySet):
    def accepting_answers(self, *, now: datetime) -> SurveyQuerySet:
        """Return surveys that are open at ``now`` (status open, within their dates)."""
        return self.filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
            status="open",
        )

    def with_participation(self) -> SurveyQuerySet:
        """Annotate ``invited``, ``started`` and ``submitted`` (``participation_counts``);
        ``Survey.participation`` then reads them without another query."""
        return self.annotate(**participation_counts("invitations"))


class InvitationQuerySet(models.QuerySet):
    def participation(self) -> ParticipationFigures:
        """Return the participation of these invitations (one query)."""
        return ParticipationFigures(**self.aggregate(**participation_counts()))

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
