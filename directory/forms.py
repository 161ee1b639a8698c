"""Forms of the directory: signup, the contact's edits, and the managers' moderation."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coopmap.forms import IdMultipleChoiceField

from . import spam
from .geo.gazetteer import GERMAN_STATES, german_state
from .imports.duplicates import likely_duplicates
from .models import (
    GERMAN_STATE_CHOICES,
    SELF_SERVICE_FIELDS,
    Organization,
    Sector,
    normalized_state,
)

# Postal code formats of the countries whose codes are easy to check; others are free text.
POSTAL_CODE_FORMATS = {
    "DE": (r"\d{5}", _("A German postal code has five digits, for example 10969.")),
    "AT": (r"\d{4}", _("An Austrian postal code has four digits, for example 1010.")),
    "CH": (r"\d{4}", _("A Swiss postal code has four digits, for example 8001.")),
    "LI": (r"\d{4}", _("A postal code in Liechtenstein has four digits, for example 9490.")),
    "LU": (r"(L-)?\d{4}", _("A postal code in Luxembourg has four digits, for example 1009.")),
    "BE": (r"\d{4}", _("A Belgian postal code has four digits, for example 1000.")),
    "DK": (r"\d{4}", _("A Danish postal code has four digits, for example 1050.")),
    "NL": (r"\d{4} ?[A-Za-z]{2}", _("A Dutch postal code looks like 1012 AB.")),
}
REQUIRED_FIELDS = {"name", "kind", "postal_code", "city", "contact_name", "contact_email"}


class OrganizationForm(forms.ModelForm):
    """An entry's public fields and its private contact, as the contact fills them in."""

    website = forms.CharField(
        label=_("Website"),
        max_length=300,
        required=False,
        help_text=_("For example example.org or https://example.org/"),
    )
    state = forms.ChoiceField(
        label=_("Federal state"),
        required=False,
        help_text=_("In Germany; filled in from the postal code if you leave it open."),
    )
    sectors = IdMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    fieldsets = [
        (
            _("About the organization"),
            ["name", "kind", "legal_form", "sectors", "summary_de", "summary_en"],
        ),
        (_("Description"), ["description_de", "description_en"]),
        (_("Public contact details"), ["website", "public_email", "public_phone"]),
        (_("Address"), ["street", "postal_code", "city", "state", "country"]),
        (
            _("Figures and register entry"),
            ["founded_year", "member_count", "register_court", "register_number"],
        ),
        (_("Contact person (never published)"), ["contact_name", "contact_email"]),
    ]

    class Meta:
        model = Organization
        fields = list(SELF_SERVICE_FIELDS)
        widgets = {
            "description_de": forms.Textarea(attrs={"rows": 5}),
            "description_en": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "summary_de": _("One or two sentences. Give at least one of the two languages."),
            "contact_email": _(
                "We send the confirmation link here. It is never shown to the public."
            ),
            "register_number": _("For example GnR 123 (cooperative register)."),
        }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")  # the stylesheet marks required fields instead
        super().__init__(*args, **kwargs)
        for name in REQUIRED_FIELDS:
            self.fields[name].required = True
        self.fields["founded_year"].widget.attrs.update(min=1800, max=date.today().year)
        sectors = self.initial.get("sectors")
        if sectors and isinstance(sectors[0], str):  # slugs, as a pending revision stores them
            self.initial["sectors"] = list(Sector.objects.filter(slug__in=sectors))
        self.fields["member_count"].widget.attrs.update(min=0)
        self._set_up_state()

    def _set_up_state(self) -> None:
        """Offer the German federal states (and a region abroad the entry already has), the
        current one pre-selected or, if there is none, the one of the postal code."""
        choices = [("", _("– not stated –")), *GERMAN_STATE_CHOICES]
        current = self.initial.get("state") or ""
        if current and current not in GERMAN_STATES:
            choices.append((current, current))  # a region abroad, as an import wrote it
        if not current and str(self.initial.get("country") or "DE") == "DE":
            self.initial["state"] = german_state(
                postal_code=self.initial.get("postal_code") or "",
                city=self.initial.get("city") or "",
            )
        field = self.fields["state"]
        field.choices = choices
        field.widget.attrs["data-state-from-postal-code"] = reverse("directory:postal-code")

    def clean_website(self) -> str:
        """Accept "example.org" as https://example.org; refuse what is no web address."""
        value = self.cleaned_data["website"].strip()
        if not value:
            return ""
        if "://" not in value:
            value = f"https://{value}"
        URLValidator(
            schemes=["http", "https"],
            message=_("Enter a web address such as https://example.org."),
        )(value)
        return value

    def clean_founded_year(self) -> int | None:
        year = self.cleaned_data["founded_year"]
        if year is not None and year > date.today().year:
            raise forms.ValidationError(_("The founding year cannot lie in the future."))
        return year

    def clean(self) -> dict:
        cleaned = super().clean()
        country, postal_code = cleaned.get("country"), cleaned.get("postal_code", "").strip()
        if postal_code and country in POSTAL_CODE_FORMATS:
            pattern, message = POSTAL_CODE_FORMATS[country]
            if not re.fullmatch(pattern, postal_code):
                self.add_error("postal_code", message)
        if country:
            state = cleaned.get("state", "")
            if country != "DE" and state in GERMAN_STATES:
                state = ""  # a German federal state abroad: chosen before the country changed
            cleaned["state"] = normalized_state(
                country=country,
                state=state,
                postal_code=postal_code,
                city=cleaned.get("city", ""),
            )
        if "summary_de" in cleaned and not (cleaned["summary_de"] or cleaned.get("summary_en")):
            self.add_error("summary_de", _("Describe the organization in one or two sentences."))
        return cleaned

    def grouped_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Return the fields in their fieldsets, for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]

    def organization_fields(self) -> dict:
        """Return the cleaned values of the entry's own fields (without sectors)."""
        return {name: self.cleaned_data[name] for name in SELF_SERVICE_FIELDS if name != "sectors"}

    def changes(self) -> dict:
        """Return {field: new value} for what differs from the stored entry (sectors as slugs)."""
        # Validation has written the new values into self.instance: compare with the database.
        organization = Organization.objects.get(pk=self.instance.pk)
        changes = {}
        for name in SELF_SERVICE_FIELDS:
            if name == "sectors":
                current = sorted(sector.slug for sector in organization.sectors.all())
                new = sorted(sector.slug for sector in self.cleaned_data["sectors"])
            else:
                current, new = getattr(organization, name), self.cleaned_data[name]
            if current != new:
                changes[name] = new
        return changes


class SignupForm(OrganizationForm):
    """The public signup form: an entry, consent, and the spam checks' hidden fields."""

    privacy_consent = forms.BooleanField(
        label=_("I agree to the storage of these details as described in the privacy notice."),
        error_messages={"required": _("Please agree to the privacy notice to sign up.")},
    )
    different_organization = forms.BooleanField(
        label=_("This is a different organization; add it anyway."), required=False
    )
    # A field people never see (hidden by CSS, skipped by keyboard and screen readers).
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.duplicates: list[Organization] = []
        self.fields["form_token"].initial = spam.new_form_token()

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("name"):
            self.duplicates = likely_duplicates(
                name=cleaned["name"],
                city=cleaned.get("city", ""),
                website=cleaned.get("website", ""),
            )
        if self.duplicates and not cleaned.get("different_organization"):
            raise forms.ValidationError(
                _(
                    "This organization may already be in the directory. If it is a different "
                    "one, tick the box below and send the form again."
                ),
                code="duplicate",
            )
        return cleaned


class EditLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("The address the network has for this entry's contact person."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the contact person)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class PositionForm(forms.Form):
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
