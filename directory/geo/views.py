"""What the forms ask the gazetteer from the browser: the federal state of a postal code."""

from django import forms
from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .gazetteer import german_state


class PostalCodeForm(forms.Form):
    postal_code = forms.RegexField(regex=r"^\s*\d{4,5}\s*$", max_length=12)


@require_safe
def postal_code_state(request: HttpRequest) -> JsonResponse:
    """Return ``{"state": "Sachsen"}`` for ``?postal_code=04109`` (``""`` when unknown).

    Answered from the offline gazetteer (no third party), so the signup and self-service forms
    pre-select the Bundesland while a person types the postal code.
    """
    form = PostalCodeForm(request.GET)
    state = german_state(postal_code=form.cleaned_data["postal_code"]) if form.is_valid() else ""
    response = JsonResponse({"state": state})
    patch_cache_control(response, public=True, max_age=86400)
    return response
