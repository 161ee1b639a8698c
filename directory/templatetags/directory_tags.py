"""Template helpers of the directory's pages."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The escapes of Django's json_script: no "</script>" or "<!--" can close the element early.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data: dict) -> SafeString:
    """Render ``data`` as a ``<script type="application/ld+json">`` element, safely escaped."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag(takes_context=True)
def lang_attribute(context: template.Context, german: str, english: str) -> SafeString:
    """Return ` lang="…"` when the text shown (see ``pick_language``) is not in the page's language.

    Screen readers then read a German fallback text on an English page with German voice.
    """
    page_language = "en" if context.get("LANGUAGE_CODE", "de").startswith("en") else "de"
    if page_language == "en" and german and not english:
        return format_html(' lang="{}"', "de")
    if page_language == "de" and english and not german:
        return format_html(' lang="{}"', "en")
    return mark_safe("")
