"""System checks that refuse a production configuration which would be unsafe."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[Error]:
    """Reject the development secret key and a missing broker outside DEBUG."""
    errors = []
    if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure-"):
        errors.append(
            Error("SECRET_KEY must be set in production.", id="coopmap.E001"),
        )
    if not settings.DEBUG and not settings.REDIS_URL:
        errors.append(
            Error(
                "REDIS_URL must be set in production: tasks would run inside web requests.",
                id="coopmap.E002",
            )
        )
    return errors


@register()
def check_geocoder(app_configs, **kwargs) -> list[Error]:
    """Reject a ``GEOCODER`` that names no geocoder, before the first address fails."""
    from directory.geo.geocoding import check_geocoder_setting

    problem = check_geocoder_setting()
    return [Error(problem, id="coopmap.E003")] if problem else []


@register()
def check_report_timeouts(app_configs, **kwargs) -> list[Error]:
    """Reports: resend < stuck, and stuck beyond the task time limit and the redelivery."""
    resend = settings.REPORT_RESEND_MINUTES * 60
    stuck = settings.REPORT_STUCK_MINUTES * 60
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    longest = max(settings.CELERY_TASK_TIME_LIMIT or 0, visibility)
    if 0 < resend < stuck and stuck > longest:
        return []
    return [
        Error(
            "REPORT_RESEND_MINUTES must be shorter than REPORT_STUCK_MINUTES, and that longer "
            f"than CELERY_TASK_TIME_LIMIT and CELERY_VISIBILITY_TIMEOUT ({longest} s): "
            "otherwise the sweep fails reports that a worker would still finish.",
            id="coopmap.E004",
        )
    ]
