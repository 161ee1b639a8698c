"""Site-wide data: the outbox of e-mails that the app sends."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmailQuerySet(models.QuerySet):
    def unsent(self) -> "OutgoingEmailQuerySet":
        return self.filter(status=OutgoingEmail.Status.QUEUED)

    def due_for_retry(self, *, older_than: timezone.timedelta) -> "OutgoingEmailQuerySet":
        """Return queued e-mails whose sending should long have happened (lost or failed)."""
        return self.unsent().filter(created_at__lt=timezone.now() - older_than)


class OutgoingEmail(models.Model):
    """An e-mail, stored in the same transaction as the action that causes it.

    The row is the durable record: if the broker is down when the action commits, the periodic
    sweep (``coopmap.tasks.send_unsent_emails``) sends it later.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    template = models.CharField(_("template"), max_length=100)
    to = models.EmailField(_("recipient"))
    reply_to = models.EmailField(_("reply to"), blank=True)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "created_at"], name="email_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="email_sent_has_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class RateLimitCounter(models.Model):
    """How often one key (a scope and a client address, or an entry) acted in one time window.

    Kept in the database, not the cache: counting is one atomic increment before the action,
    so a burst of concurrent requests cannot slip past the limit, and a Redis outage neither
    lifts the limit nor fails the request.
    """

    key = models.CharField(_("key"), max_length=200)
    window = models.BigIntegerField(_("window"))  # Unix time // period
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="ratelimit_key_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window}: {self.count}"


class QueuedTask(models.Model):
    """A Celery task to send, stored in the transaction of the action that causes it.

    The transactional outbox of every task (``coopmap.queue.enqueue_on_commit``): the row is
    deleted once the broker took the message. If the broker was down, the frequent sweep
    (``coopmap.tasks.send_queued_tasks``) sends it as soon as the broker is back.
    """

    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
