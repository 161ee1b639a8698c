"""Public, aggregated figures of the needs analysis: how many organizations need what, per
federal state. Only counts leave here, with small cells hidden; never an organization's answer.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from .models import Question, Survey
from .reporting import needs
from .reporting.types import ResultEncoder


def _survey(request: HttpRequest) -> Survey:
    """Return the survey asked for (``?survey=slug``), else the latest one asking about needs."""
    surveys = (
        Survey.objects.exclude(status=Survey.Status.DRAFT)
        .filter(sections__questions__role=Question.Role.NEED)
        .distinct()
    )
    if request.GET.get("survey"):
        return get_object_or_404(surveys, slug=request.GET["survey"])
    survey = surveys.order_by("-created_at").first()
    if survey is None:
        raise Http404(_("No survey asks about needs yet."))
    return survey


def _state_label(state: str | None) -> str:
    if state is None:
        return _("All organizations")
    return state or _("Abroad or not stated")


@cache_control(public=True, max_age=300)
def needs_by_state_json(request: HttpRequest) -> JsonResponse:
    """Return per federal state how many organizations need each kind of support (or one)."""
    survey = _survey(request)
    categories = dict(needs.need_categories(survey))
    category = request.GET.get("category", "")
    if category and category not in categories:
        return JsonResponse(
            {"error": _("Unknown category."), "categories": list(categories)}, status=400
        )
    codes = [category] if category else list(categories)
    data = needs.needs_by_state(survey, categories=codes, min_cell=settings.REPORT_MIN_CELL)
    return JsonResponse(
        {
            "survey": {"slug": survey.slug, "title": survey.title},
            "min_cell": settings.REPORT_MIN_CELL,
            "categories": [{"code": code, "label": categories[code]} for code in codes],
            "states": [{**row, "label": _state_label(row["state"])} for row in data["states"]],
            "total": {**data["total"], "label": _state_label(None)},
        },
        encoder=ResultEncoder,
        json_dumps_params={"ensure_ascii": False},
    )


def needs_by_state_page(request: HttpRequest) -> HttpResponse:
    """Show, per federal state, how many organizations need one kind of support."""
    survey = _survey(request)
    categories = needs.need_categories(survey)
    labels = dict(categories)
    category = request.GET.get("category") or (categories[0][0] if categories else "")
    if category not in labels:
        raise Http404(_("Unknown category."))
    data = needs.needs_by_state(survey, categories=[category], min_cell=settings.REPORT_MIN_CELL)
    rows = [
        {
            "label": _state_label(row["state"]),
            "respondents": row["respondents"],
            **row["needs"][category],
        }
        for row in data["states"]
    ]
    total = data["total"]
    context = {
        "survey": survey,
        "categories": categories,
        "category": category,
        "category_label": labels[category],
        "rows": rows,
        "total": {"respondents": total["respondents"], **total["needs"][category]},
        "min_cell": settings.REPORT_MIN_CELL,
    }
    return render(request, "survey/needs_by_state.html", context)
