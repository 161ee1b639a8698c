"""The form with which a network manager asks for a report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.geo.gazetteer import GERMAN_STATES
from directory.models import Organization, Sector

from .models import Report, ReportFile, Survey
from .reporting.aggregation import SIZE_CLASSES, SIZE_UNKNOWN, size_label
from .reporting.services import REPORT_FORMATS

FORMAT_LABELS = {
    "csv": ReportFile.Kind.CSV.label,
    "xlsx": ReportFile.Kind.XLSX.label,
    "pdf": ReportFile.Kind.PDF.label,
    "json": ReportFile.Kind.JSON.label,
}


def _checkboxes(label, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class ReportRequestForm(forms.Form):
    breakdown = forms.ChoiceField(
        label=_("Break the figures down by"),
        choices=Report.Breakdown.choices,
        required=False,
        help_text=_("One column per group, beside the column of all organizations."),
    )
    kind = _checkboxes(_("Kind"), Organization.Kind.choices)
    state = _checkboxes(_("Federal state"), ())
    legal_form = _checkboxes(_("Legal form"), Organization.LegalForm.choices)
    sector = _checkboxes(_("Sector"), ())
    size = _checkboxes(_("Size"), ())
    formats = forms.MultipleChoiceField(
        label=_("Files"),
        choices=[(code, FORMAT_LABELS[code]) for code in REPORT_FORMATS],
        initial=list(REPORT_FORMATS),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one file format.")},
    )
    internal = forms.BooleanField(
        label=_("Internal report: exact figures and each organization's answers"),
        required=False,
        help_text=_(
            "For the network managers only: do not pass these files on. Without it, figures "
            "resting on fewer organizations than the threshold are hidden. The PDF always hides "
            "them."
        ),
    )

    FILTERS = ("kind", "state", "legal_form", "sector", "size")

    def __init__(self, *args, survey: Survey, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        present = (
            Organization.objects.filter(survey_invitations__survey=survey)
            .exclude(state="")
            .values_list("state", flat=True)
            .distinct()
        )
        states = list(GERMAN_STATES) + sorted(set(present) - set(GERMAN_STATES))
        self.fields["state"].choices = [(state, state) for state in states]
        self.fields["sector"].choices = [
            (sector.slug, sector.name) for sector in Sector.objects.order_by("name_de")
        ]
        codes = [code for code, _low, _high in SIZE_CLASSES] + [SIZE_UNKNOWN]
        self.fields["size"].choices = [(code, size_label(code)) for code in codes]

    def filter_fields(self):
        return [self[name] for name in self.FILTERS]

    def parameters(self) -> dict:
        """Return the report parameters chosen (for ``services.report_request``)."""
        data = self.cleaned_data
        return {
            "breakdown": data["breakdown"],
            "filters": {name: data[name] for name in self.FILTERS if data[name]},
            "formats": data["formats"],
            "internal": data["internal"],
        }
