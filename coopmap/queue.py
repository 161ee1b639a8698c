"""Send Celery tasks through a transactional outbox, without ever failing or stalling the caller.

``enqueue_on_commit`` stores the task as a ``QueuedTask`` row in the caller's transaction and
publishes it once that commits; the row is deleted when the broker took the message. When the
broker is down the publish fails fast (no retries, short socket timeouts; see settings) and the
row stays: ``send_queued_tasks`` (a periodic task every few seconds) sends it when the broker is
back. So no task is lost to an outage or a crash between commit and publish, and a web request
never waits on a dead broker. Tasks are idempotent, so a message sent twice does no harm.
"""

import logging
import time
from datetime import timedelta

from celery import Task, current_app
from django.db import DatabaseError, transaction
from django.utils import timezone

from .models import QueuedTask

logger = logging.getLogger(__name__)

# A row younger than this may still be on its way out through its own on_commit publish.
SWEEP_GRACE = timedelta(seconds=10)
SWEEP_BATCH = 500
# After a failed publish, this process does not try the broker again for a few seconds: the
# requests of an outage answer at once instead of each waiting for the connect timeout.
RETRY_SECONDS = 5.0
_broker_down_until = 0.0


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send ``task`` with these arguments once the current transaction has committed.

    The arguments must be JSON values (ids, not objects). Without a broker (the embedded
    default, Celery eager) the task runs in-process after commit, with no outbox row.
    """
    if task.app.conf.task_always_eager:
        transaction.on_commit(lambda: _publish(task.name, list(args), kwargs))
        return
    row = QueuedTask.objects.create(name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _publish_row(row))


def _publish(name: str, args: list, kwargs: dict) -> bool:
    """Hand one message to the broker (or run it, if eager); return whether that worked."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        # retry=False: one attempt; the outbox is the retry.
        current_app.tasks[name].apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception as error:
        _broker_down_until = time.monotonic() + RETRY_SECONDS
        logger.warning("could not enqueue %s%r (%s); the outbox keeps it", name, args, error)
        return False
    return True


def _publish_row(row: QueuedTask) -> bool:
    if not _publish(row.name, row.args, row.kwargs):
        return False
    try:
        QueuedTask.objects.filter(pk=row.pk).delete()
    except DatabaseError:
        logger.warning("sent %s but could not delete its outbox row; it may be sent twice", row)
    return True


def queued_tasks_send(*, older_than: timedelta = SWEEP_GRACE) -> int:
    """Send the outbox's tasks that are older than ``older_than``; return how many went out.

    Stops at the first failure (the broker is still down). Rows are locked with SKIP LOCKED,
    so two sweeps at once send each task once.
    """
    sent = 0
    with transaction.atomic():
        rows = list(
            QueuedTask.objects.select_for_update(skip_locked=True).filter(
                created_at__lt=timezone.now() - older_than
            )[:SWEEP_BATCH]
        )
        for row in rows:
            if not _publish(row.name, row.args, row.kwargs):
                QueuedTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
                break
            row.delete()
            sent += 1
    return sent
