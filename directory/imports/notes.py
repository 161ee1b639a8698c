"""Errors and notes of an import, in words a manager reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from directory.models import Organization

# --- Errors and notes -------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file cannot be read as a list of organizations; the message says why, for people."""


# What the preview and the report say about a row. They are stored as (code, params) and put
# into words when shown, so that a manager reads them in the language of the page.
NOTES = {
    # rejections
    "no_name": _("No name."),
    "name_artefact": _("“%(value)s” is no name but something a spreadsheet or a web page left."),
    "geometry_unsupported": _("Geometry of type %(type)s cannot be placed on the map."),
    "coordinates_invalid": _("Coordinates %(value)s are not a position on Earth."),
    # duplicates
    "duplicate_row_register": _("Same register entry as row %(row)s."),
    "duplicate_row_website": _("Same website and name as row %(row)s."),
    "duplicate_row_name": _("Very similar name %(km)s km from row %(row)s."),
    "duplicate_row_id": _("Same id as row %(row)s."),
    "duplicate_org_register": _("Same register entry as “%(name)s” in the directory."),
    "duplicate_org_website": _("Same website and name as “%(name)s” in the directory."),
    "duplicate_org_name": _("Very similar name %(km)s km from “%(name)s” in the directory."),
    # the duplicate engine's decisions (directory/imports/duplicates.py), each explained
    "duplicate_of_row": _("Duplicate of row %(row)s “%(name)s”: %(reason)s"),
    "duplicate_of_org": _("Duplicate of “%(name)s” in the directory: %(reason)s"),
    "possible_duplicate_row": _("Imported, though it resembles row %(row)s “%(name)s”: %(reason)s"),
    "possible_duplicate_org": _(
        "Imported, though it resembles “%(name)s” in the directory: %(reason)s"
    ),
    "not_merged_row": _("Not merged with row %(row)s “%(name)s”, whose name is alike: %(reason)s"),
    "not_merged_org": _(
        "Not merged with “%(name)s” in the directory, whose name is alike: %(reason)s"
    ),
    "same_register": _("same register entry."),
    "same_website": _("same website %(site)s."),
    "same_website_other_name": _("same website %(site)s, but another name."),
    "same_email_domain": _("very similar name and the same e-mail domain %(site)s."),
    "similar_name_near": _("very similar name, %(km)s km apart."),
    "similar_name_in_town": _("same name in the same town (%(city)s)."),
    "distinct_register": _("another register entry."),
    "distinct_website": _("another website."),
    "distinct_far": _("%(km)s km apart."),
    "kilometres_apart": _("%(km)s km apart."),
    "overruled_create": _("Imported as a new entry: a manager overruled the duplicate check."),
    "overruled_skip": _("Skipped: a manager marked it as a duplicate."),
    # updates
    "kept_edited": _("Edited in the directory since the last import: left as it is."),
    # warnings
    "truncated": _("%(field)s shortened to %(length)s characters."),
    "placeholder": _("%(field)s “%(value)s” is a placeholder: left empty."),
    "website_invalid": _("Website “%(value)s” is not a web address: left empty."),
    "website_was_email": _("Website “%(value)s” is an e-mail address."),
    "email_invalid": _("E-mail “%(value)s” is not an e-mail address: left empty."),
    "email_several": _("Several e-mail addresses: kept %(value)s."),
    "country_unknown": _("Country “%(value)s” is unknown: left empty."),
    "country_guessed": _("Country “%(value)s” read as %(code)s."),
    "number_invalid": _("%(field)s “%(value)s” is not a number: left empty."),
    "position_incomplete": _("Latitude or longitude missing: no position taken from the file."),
    "position_zero": _("Position 0, 0 is a placeholder: no position taken from the file."),
    "position_centroid": _("Placed at the centre of its %(type)s."),
    "sector_unknown": _("Sector “%(value)s” is not one of the directory's sectors."),
}


@dataclass(frozen=True)
class Note:
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        params = dict(self.params)
        if "field" in params:
            params["field"] = field_label(params["field"])
        if isinstance(params.get("reason"), list):  # a decision of the duplicate engine
            params["reason"] = " ".join(describe(part) for part in params["reason"])
        if params.get("km", "") is None:  # notes stored before distances were optional
            params["km"] = "?"
        return str(NOTES[self.code]) % params

    def as_json(self) -> list:
        return [self.code, self.params]

    @classmethod
    def from_json(cls, value: list) -> Note:
        return cls(value[0], value[1])


def field_label(name: str) -> str:
    """Return the label of a mapping target or an organization field, in the active language."""
    from .mapping import TARGETS

    if name in TARGETS:
        return str(TARGETS[name].label)
    try:
        return str(Organization._meta.get_field(name).verbose_name)
    except LookupError:
        return name


def describe(note: list | Note) -> str:
    """Return a stored note (``[code, params]``) in words, in the active language."""
    return str(note if isinstance(note, Note) else Note.from_json(note))
