"""Template helpers of the directory's pages."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

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


@register.simple_tag
def basemap_config() -> SafeString:
    """Render the settings of ``static/js/basemap.js`` as a json_script element."""
    tiles = ""
    if settings.MAP_TILES_URL:
        tiles = reverse("tile", kwargs={"z": 0, "x": 0, "y": 0}).replace("0/0/0", "{z}/{x}/{y}")
    outline_attribution = gettext(
        'Outlines: <a href="https://www.naturalearthdata.com/">Natural Earth</a>, places: '
        '<a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)'
    )
    data = {
        "tiles": tiles,
        "tiles_attribution": settings.MAP_ATTRIBUTION,
        "outline_attribution": outline_attribution,
        "min_zoom": 3,
        "max_zoom": settings.MAP_TILES_MAX_ZOOM if tiles else 14,
        "outline_place_zoom": 11,
        "world": static("basemap/world.geojson"),
        "states": static("basemap/de-states.geojson"),
        "cities": static("basemap/cities.json"),
        "fallback_notice": gettext(
            "The map tiles could not be loaded: the map shows its own outlines."
        ),
    }
    return json_script(data, "basemap-config")
