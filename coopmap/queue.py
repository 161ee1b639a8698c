"""Send Celery tasks after the database transaction commits, without ever failing the caller."""

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send ``task`` with these arguments once the current transaction has committed.

    A broker outage is logged, not raised: callers keep the state of the work in the database
    (an unsent e-mail, a queued report, a pending position), and a periodic sweep sends it
    again, so a request never fails and nothing is lost because Redis is down.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            logger.warning("could not enqueue %s%r; the periodic sweep will retry", task.name, args)

    transaction.on_commit(send)
