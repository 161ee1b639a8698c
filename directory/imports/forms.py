"""Forms of the import pages: upload a list, correct its mapping, confirm it."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from directory import imports
from directory.models import ImportSource, Organization

from .mapping import ImportOptions
from .reading import GEOMETRY


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (any delimiter and encoding a spreadsheet writes) or GeoJSON."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.geojson,.json"}),
    )
    source = forms.ModelChoiceField(
        ImportSource.objects.all(),
        label=_("List"),
        required=False,
        empty_label=_("A new list (name it below)"),
        help_text=_("An updated file of a list imported before updates the entries it created."),
    )
    source_name = forms.CharField(label=_("Name of a new list"), max_length=200, required=False)
    licence = forms.CharField(label=_("Licence"), max_length=200, required=False)
    attribution = forms.CharField(
        label=_("Attribution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The credit the licence requires; shown on each imported profile."),
    )
    url = forms.URLField(
        label=_("Web address of the list"), max_length=500, required=False, assume_scheme="https"
    )
    kind = forms.ChoiceField(
        label=_("Kind of the new entries"),
        choices=Organization.Kind.choices,
        initial=Organization.Kind.COOPERATIVE,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; files up to %(limit)s MB can be imported.")
                % {"size": round(upload.size / 1_048_576, 1), "limit": round(limit / 1_048_576)}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("source") and not (cleaned.get("source_name") or "").strip():
            self.add_error("source_name", _("Choose a list or name a new one."))
        return cleaned


class ImportMappingForm(forms.Form):
    """One choice of column per field, built from the columns of the uploaded file."""

    precision = forms.ChoiceField(
        label=_("The file's coordinates point at"),
        choices=[(value, label) for value, label in Organization.Precision.choices if value],
    )
    default_country = forms.CharField(
        label=_("Country of rows without one (ISO code)"), max_length=2, required=False
    )
    country_aliases = forms.CharField(
        label=_("Read country values as"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "SR=SK"}),
        help_text=_("One correction per line: VALUE=CODE, e.g. SR=SK."),
    )
    kind = forms.ChoiceField(label=_("Kind of the new entries"), choices=Organization.Kind.choices)

    def __init__(self, *args, columns: list[str], options: ImportOptions, kind: str, **kwargs):
        initial = {
            "precision": options.precision,
            "default_country": options.default_country,
            "country_aliases": "\n".join(
                f"{key}={value}" for key, value in options.country_aliases.items()
            ),
            "kind": kind,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.options = options
        labels = {GEOMETRY: _("(position of the feature)")}
        choices = [("", _("— not imported —"))] + [
            (column, labels.get(column, column)) for column in columns
        ]
        self.target_fields = []
        for name, target in imports.TARGETS.items():
            guessed = options.columns.get(name, [])
            self.fields[f"column_{name}"] = forms.ChoiceField(
                label=target.label,
                choices=choices,
                required=False,
                initial=guessed[0] if guessed else "",
            )
            self.target_fields.append(f"column_{name}")
        self.order_fields(
            [*self.target_fields, "precision", "default_country", "country_aliases", "kind"]
        )

    def clean_default_country(self):
        return self.cleaned_data["default_country"].strip().upper()

    def clean_country_aliases(self):
        aliases = {}
        for line in self.cleaned_data["country_aliases"].splitlines():
            if not line.strip():
                continue
            value, sep, code = line.partition("=")
            if not sep or len(code.strip()) != 2:
                raise forms.ValidationError(_("Write one VALUE=CODE per line, e.g. SR=SK."))
            aliases[value.strip()] = code.strip().upper()
        return aliases

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("column_name"):
            self.add_error("column_name", _("Choose the column with the organizations' names."))
        return cleaned

    def import_options(self) -> ImportOptions:
        """Return the options chosen; a field left at its guess keeps the guessed fallbacks."""
        columns = {}
        for name in imports.TARGETS:
            chosen = self.cleaned_data.get(f"column_{name}")
            guessed = self.options.columns.get(name, [])
            if chosen:
                columns[name] = guessed if guessed and guessed[0] == chosen else [chosen]
        return ImportOptions(
            columns=columns,
            precision=self.cleaned_data["precision"],
            default_country=self.cleaned_data["default_country"],
            country_aliases=self.cleaned_data["country_aliases"],
        )


class ImportConfirmForm(forms.Form):
    publish = forms.TypedChoiceField(
        label=_("New entries"),
        choices=[
            ("", _("wait for review (pending)")),
            ("1", _("are published at once")),
        ],
        coerce=bool,
        empty_value=False,
        required=False,
        widget=forms.RadioSelect,
        initial="",
    )
