"""CoopMap: the map, directory and needs analysis of the cooperative digital economy."""

from .celery import app as celery_app

__all__ = ("celery_app",)
