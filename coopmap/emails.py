"""E-mail: render, store in the outbox, send through Celery, retry what was not sent.

Every e-mail has a template triple under ``templates/emails/``: ``<name>_subject.txt`` (one
line) and ``<name>.txt`` (plain text, extending ``emails/base.txt``), both rendered by the
"text" template engine, which does not HTML-escape, and optionally ``<name>.html`` (extending
``emails/base.html``; autoescaped). It is rendered in the
recipient's language, the language they used on the site.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutgoingEmail
from .queue import enqueue_on_commit
from .site import site_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None = None,
    reply_to: str = "",
) -> OutgoingEmail:
    """Render ``template`` in ``language`` for ``to``, store it, and send it after commit."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    context = {"SITE_URL": site_url(), "NETWORK_EMAIL": settings.NETWORK_EMAIL, **context}
    with translation.override(language):
        subject = " ".join(
            render_to_string(f"emails/{template}_subject.txt", context, using="text").split()
        )
        body_text = render_to_string(f"emails/{template}.txt", context, using="text")
        try:
            body_html = render_to_string(f"emails/{template}.html", context)
        except TemplateDoesNotExist:
            body_html = ""
    email = OutgoingEmail.objects.create(
        template=template,
        to=to,
        reply_to=reply_to,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    )
    from .tasks import send_email

    enqueue_on_commit(send_email, email.pk)
    return email


def email_send(*, email_id: int) -> OutgoingEmail:
    """Send one queued e-mail; do nothing if it was sent already (safe to run twice)."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        if email.status != OutgoingEmail.Status.QUEUED:
            return email
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers={"Content-Language": email.language},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as error:
            email.last_error = f"{type(error).__name__}: {error}"
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("sending e-mail %s failed: %s", email.pk, email.last_error)
            return email
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return email


def emails_resend_unsent(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Enqueue again every e-mail still queued after ``older_than``; return how many."""
    from .tasks import send_email

    count = 0
    for email_id in OutgoingEmail.objects.due_for_retry(older_than=older_than).values_list(
        "pk", flat=True
    ):
        send_email.delay(email_id)
        count += 1
    return count
