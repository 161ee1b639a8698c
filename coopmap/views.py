"""Site-wide views: health check, privacy notice, the managers' dashboard."""

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .permissions import manager_required


def login_locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):
    """Say why a login is refused after too many failures, and for how long (django-axes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


def healthz(request: HttpRequest) -> JsonResponse:
    """Report whether the database and the Celery broker answer (200) or not (503)."""
    status = {"database": "ok", "broker": "eager" if not settings.REDIS_URL else "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        status["database"] = "error"
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        except redis.RedisError:
            status["broker"] = "error"
    healthy = status["database"] == "ok" and status["broker"] in ("ok", "eager")
    return JsonResponse(status, status=200 if healthy else 503)


def privacy(request: HttpRequest) -> HttpResponse:
    context = {"confirmation_days": settings.SIGNUP_CONFIRMATION_DAYS}
    return render(request, "privacy.html", context)


@manager_required
def manage_dashboard(request: HttpRequest) -> HttpResponse:
    """Show what waits for the managers: moderation, entries without position, the surveys."""
    from directory.models import ImportJob, Organization, OrganizationRevision
    from survey.models import Survey

    organizations = Organization.objects.aggregate(
        pending=Count("pk", filter=Q(status=Organization.Status.PENDING)),
        deletion_requests=Count("pk", filter=Q(deletion_requested_at__isnull=False)),
        published=Count("pk", filter=Q(status=Organization.Status.PUBLISHED)),
        published_without_position=Count(
            "pk", filter=Q(status=Organization.Status.PUBLISHED, latitude__isnull=True)
        ),
    )
    context = {
        "organizations": organizations,
        "pending_changes": OrganizationRevision.objects.filter(
            status=OrganizationRevision.Status.PENDING
        ).count(),
        "running_imports": ImportJob.objects.filter(status__in=ImportJob.ACTIVE_STATUSES).count(),
        "surveys": Survey.objects.exclude(status=Survey.Status.DRAFT)
        .with_participation()
        .order_by("-created_at")[:5],
    }
    return render(request, "manage/dashboard.html", context)
