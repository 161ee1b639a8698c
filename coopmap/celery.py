"""The Celery application, configured from Django's settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopmap.settings")

app = Celery("coopmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_tasks(sender: Celery, **kwargs) -> None:
    """Add each app's ``PERIODIC_TASKS`` (name -> schedule entry) to the beat schedule."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        sender.conf.beat_schedule.update(getattr(module, "PERIODIC_TASKS", {}))
