"""Invitations, resends and reminders: e-mailed personal links, each at most once."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from coopmap.models import OutgoingEmail
from directory.models import Organization
from survey import services, tasks
from survey.models import Invitation, Response, Survey
from survey.tokens import invitation_token
from tests.factories import InvitationFactory, OrganizationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/survey/\S+/")


@pytest.fixture
def organizations(db):
    """Two reachable organizations, one without contact e-mail, one not published."""
    return {
        "alpha": OrganizationFactory(name="Alpha eG"),
        "beta": OrganizationFactory(name="Beta eG"),
        "mute": OrganizationFactory(name="Ohne Mail eG", contact_email=""),
        "pending": OrganizationFactory(
            name="Pending eG", status=Organization.Status.PENDING, published_at=None
        ),
    }


def invite_all(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.survey_invite_all(survey=survey)


def test_inviting_all_e_mails_each_published_organization_its_link(
    survey, organizations, django_capture_on_commit_callbacks
):
    outcome = invite_all(survey, django_capture_on_commit_callbacks)

    invited = {invitation.organization.name for invitation in outcome.sent}
    assert invited == {"Alpha eG", "Beta eG"}
    assert [organization.name for organization in outcome.without_email] == ["Ohne Mail eG"]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "kontakt@alpha-eg.example.org",
        "kontakt@beta-eg.example.org",
    ]
    for invitation in Invitation.objects.all():
        message = next(m for m in mail.outbox if m.to == [invitation.organization.contact_email])
        assert invitation_token(invitation) in message.body
        assert invitation.last_sent_at is not None
        assert invitation.send_count == 1


def test_inviting_all_twice_invites_nobody_twice(
    survey, organizations, django_capture_on_commit_callbacks
):
    invite_all(survey, django_capture_on_commit_callbacks)
    again = invite_all(survey, django_capture_on_commit_callbacks)
    assert again.created == again.sent == []
    assert Invitation.objects.count() == 2
    assert len(mail.outbox) == 2


def test_an_organization_gets_its_invitation_once_it_has_an_address(
    survey, organizations, django_capture_on_commit_callbacks
):
    invite_all(survey, django_capture_on_commit_callbacks)
    Organization.objects.filter(pk=organizations["mute"].pk).update(contact_email="neu@example.org")
    outcome = invite_all(survey, django_capture_on_commit_callbacks)
    assert [invitation.organization.name for invitation in outcome.sent] == ["Ohne Mail eG"]


def test_invitations_made_in_the_admin_are_e_mailed_by_invite_all(
    survey, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(survey=survey, last_sent_at=None, send_count=0)
    outcome = invite_all(survey, django_capture_on_commit_callbacks)
    assert outcome.sent == [invitation]
    assert len(mail.outbox) == 1


def test_the_link_in_the_e_mail_opens_the_organizations_survey(
    client, survey, organizations, django_capture_on_commit_callbacks
):
    invite_all(survey, django_capture_on_commit_callbacks)
    message = next(m for m in mail.outbox if "alpha" in m.to[0])
    url = LINK.search(message.body).group(0)
    page = client.get(url.removeprefix("http://127.0.0.1:8000"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Alpha eG" in page.content.decode()
    html, _mimetype = message.alternatives[0]
    assert url in html


def test_invitation_e_mails_speak_the_organizations_language(
    survey, django_capture_on_commit_callbacks
):
    english = InvitationFactory(survey=survey, language="en")
    german = InvitationFactory(survey=survey)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(invitation=english)
        services.invitation_send(invitation=german)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert by_recipient[english.organization.contact_email].subject.startswith(
        "Your organization's invitation"
    )
    assert survey.title_en in by_recipient[english.organization.contact_email].subject
    assert survey.title_de in by_recipient[german.organization.contact_email].subject
    assert by_recipient[german.organization.contact_email].extra_headers["Content-Language"] == (
        "de"
    )


def test_resending_sends_the_same_link_again(survey, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(survey=survey, last_sent_at=None, send_count=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(invitation=invitation)
        services.invitation_send(invitation=invitation)
    first, second = mail.outbox
    assert LINK.search(first.body).group(0) == LINK.search(second.body).group(0)
    invitation.refresh_from_db()
    assert invitation.send_count == 2


def test_no_e_mail_without_a_contact_address(survey):
    invitation = InvitationFactory(survey=survey, organization__contact_email="")
    with pytest.raises(services.NoContactEmailError):
        services.invitation_send(invitation=invitation)
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("status", [Survey.Status.DRAFT, Survey.Status.CLOSED])
def test_draft_and_closed_surveys_take_no_invitations(status, organizations):
    survey = Survey.objects.create(slug="s", title_de="S", status=status)
    with pytest.raises(services.SurveyNotOpenError):
        services.survey_invite_all(survey=survey)
    assert not Invitation.objects.exists()


def test_a_survey_opening_later_may_already_invite(organizations):
    survey = Survey.objects.create(
        slug="s", title_de="S", status="open", opens_at=timezone.now() + timedelta(days=3)
    )
    assert len(services.survey_invite_all(survey=survey).sent) == 2


# --- The command ------------------------------------------------------------------------------


def test_survey_invite_command_reports_and_is_safe_to_run_twice(survey, organizations):
    out = StringIO()
    call_command("survey_invite", survey.slug, stdout=out)
    output = out.getvalue()
    assert "2 invitations created, 2 e-mailed." in output
    assert "Skipped 1 organizations without a contact e-mail address" in output
    assert "Ohne Mail eG" in output
    assert OutgoingEmail.objects.count() == 2

    out = StringIO()
    call_command("survey_invite", survey.slug, stdout=out)
    assert "0 invitations created, 0 e-mailed." in out.getvalue()
    assert OutgoingEmail.objects.count() == 2


def test_survey_invite_command_rejects_unknown_and_draft_surveys():
    with pytest.raises(CommandError, match="No survey with the slug 'nope'"):
        call_command("survey_invite", "nope")
    Survey.objects.create(slug="entwurf", title_de="Entwurf")
    with pytest.raises(CommandError, match="Open the survey"):
        call_command("survey_invite", "entwurf")


# --- Reminders --------------------------------------------------------------------------------


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def test_reminders_wait_for_the_interval_after_the_invitation(survey):
    fresh = InvitationFactory(survey=survey, last_sent_at=days_ago(6))
    due = InvitationFactory(survey=survey, last_sent_at=days_ago(7.1))
    assert services.invitations_remind() == 1
    due.refresh_from_db()
    fresh.refresh_from_db()
    assert (due.reminders_sent, fresh.reminders_sent) == (1, 0)
    assert OutgoingEmail.objects.get().template == "survey_reminder"


def test_reminders_are_limited_and_spaced_days_apart(survey):
    invitation = InvitationFactory(survey=survey, last_sent_at=days_ago(30))
    now = timezone.now()
    assert services.invitations_remind(now=now) == 1
    assert services.invitations_remind(now=now + timedelta(days=3)) == 0, "too soon"
    assert services.invitations_remind(now=now + timedelta(days=7)) == 1
    assert services.invitations_remind(now=now + timedelta(days=14)) == 0, "limit of 2 reached"
    assert services.invitations_remind(now=now + timedelta(days=60)) == 0
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 2
    assert OutgoingEmail.objects.filter(template="survey_reminder").count() == 2


def test_the_survey_configures_how_many_reminders_and_how_far_apart(survey):
    Survey.objects.filter(pk=survey.pk).update(reminder_limit=3, reminder_interval_days=2)
    InvitationFactory(survey=survey, last_sent_at=days_ago(2.1))
    now = timezone.now()
    sent = [services.invitations_remind(now=now + timedelta(days=day)) for day in range(10)]
    assert sent == [1, 0, 1, 0, 1, 0, 0, 0, 0, 0]


def test_a_resend_postpones_the_next_reminder(survey):
    invitation = InvitationFactory(survey=survey, last_sent_at=days_ago(8))
    services.invitation_send(invitation=invitation)
    assert services.invitations_remind() == 0


def test_no_reminders_to_who_submitted_nor_to_who_was_never_sent_the_link(survey):
    submitted = InvitationFactory(survey=survey, last_sent_at=days_ago(10))
    ResponseFactory(
        invitation=submitted, status=Response.Status.SUBMITTED, submitted_at=timezone.now()
    )
    InvitationFactory(survey=survey, last_sent_at=None)
    InvitationFactory(survey=survey, last_sent_at=days_ago(10), organization__contact_email="")
    InvitationFactory(
        survey=survey,
        last_sent_at=days_ago(10),
        organization__status=Organization.Status.ARCHIVED,
    )
    assert services.invitations_remind() == 0


def test_who_started_is_reminded_that_the_answers_are_kept(
    survey, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(survey=survey, last_sent_at=days_ago(10), language="en")
    ResponseFactory(invitation=invitation)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_remind() == 1
    [message] = mail.outbox
    assert message.subject.startswith("Reminder:")
    assert "has started answering" in message.body
    assert invitation_token(invitation) in message.body


@pytest.mark.parametrize(
    "survey_fields",
    [{"status": Survey.Status.CLOSED}, {"closes_at": timezone.now() - timedelta(hours=1)}],
)
def test_no_reminders_for_a_closed_survey(survey_fields):
    survey = Survey.objects.create(slug="s", title_de="S", status="open")
    InvitationFactory(survey=survey, last_sent_at=days_ago(10))
    Survey.objects.filter(pk=survey.pk).update(**survey_fields)
    assert services.invitations_remind() == 0


def test_the_reminder_task_is_scheduled_daily_and_sends_what_is_due(survey):
    from coopmap.celery import app

    app.loader.import_default_modules()
    assert app.conf.beat_schedule["survey-send-reminders"]["task"] == (
        "survey.tasks.send_survey_reminders"
    )
    InvitationFactory(survey=survey, last_sent_at=days_ago(10))
    assert tasks.send_survey_reminders.delay().get() == 1
    assert tasks.send_survey_reminders.delay().get() == 0
