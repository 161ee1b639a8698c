"""Issue 9, items 10 and 12: every German entry has its federal state; all ISO countries.

The real cases: self-registered entries in Leipzig, Köln and München had no Bundesland, so the
state filter, the reports and the needs by state counted them as "not stated"; an imported
Slovak entry failed the signup form's validation (a hand-typed list of 14 countries).
"""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import translation

from directory import services
from directory.forms import OrganizationForm
from directory.geo.gazetteer import GERMAN_STATES
from directory.models import Organization
from tests.directory.signup_support import signup_data
from tests.directory.test_self_service import edit_form_data, self_service_url
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/signup/"


@pytest.mark.parametrize(
    ("postal_code", "city", "state"),
    [
        ("04109", "Leipzig", "Sachsen"),
        ("50667", "Köln", "Nordrhein-Westfalen"),
        ("80331", "München", "Bayern"),
    ],
)
def test_signup_without_a_bundesland_gets_the_state_of_its_postal_code(
    client, django_capture_on_commit_callbacks, postal_code, city, state
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SIGNUP_URL, signup_data(postal_code=postal_code, city=city, name=f"Kollektiv {city}")
        )
    assert response.status_code == 302
    assert Organization.objects.get(name=f"Kollektiv {city}").state == state


def test_signup_form_offers_the_sixteen_states_and_keeps_the_choice(
    client, django_capture_on_commit_callbacks
):
    html = client.get(SIGNUP_URL).content.decode()
    assert 'name="state"' in html
    for state in GERMAN_STATES:
        assert f'value="{state}"' in html
    assert "js/state-from-postal-code.js" in html
    # A postal code on the state border (here: the person knows better) is not overruled.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, signup_data(state="Hessen", name="Grenzgänger eG"))
    assert Organization.objects.get(name="Grenzgänger eG").state == "Hessen"


def test_the_postal_code_endpoint_answers_from_the_gazetteer(client):
    assert client.get("/api/postal-code/", {"postal_code": "04109"}).json() == {"state": "Sachsen"}
    assert client.get("/api/postal-code/", {"postal_code": "99999"}).json() == {"state": ""}
    assert client.get("/api/postal-code/", {"postal_code": "<x>" * 100}).json() == {"state": ""}


def test_self_service_form_is_prefilled_from_the_postal_code(client):
    organization = OrganizationFactory(postal_code="04109", city="Leipzig", contact_email="a@b.de")
    Organization.objects.filter(pk=organization.pk).update(state="")  # an entry from before
    html = client.get(self_service_url(organization, "self-service-edit")).content.decode()
    assert '<option value="Sachsen" selected>' in html


def test_a_region_abroad_is_kept_and_a_german_state_abroad_dropped():
    scottish = OrganizationFactory(country="GB", state="Scotland", postal_code="G1 1AA")
    form = OrganizationForm(
        data=edit_form_data(scottish, state="Scotland", country="GB"), instance=scottish
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["state"] == "Scotland"
    form = OrganizationForm(data=edit_form_data(scottish, state="Bayern"), instance=scottish)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["state"] == ""


def test_german_states_are_stored_only_in_their_german_names():
    organization = OrganizationFactory(state="Bavaria", postal_code="80331", city="München")
    assert organization.state == "Bayern"
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(state="Bavaria")


@override_settings(GEOCODER="offline")
def test_the_geocoders_state_is_stored_when_the_postal_code_does_not_tell():
    # "Neustadt" lies in several states; no postal code. The geocoder picks one and says where.
    organization = OrganizationFactory(postal_code="", city="Neustadt an der Weinstraße")
    Organization.objects.filter(pk=organization.pk).update(state="")
    services.organization_geocode(organization_id=organization.pk)
    organization.refresh_from_db()
    assert organization.geocode_status == Organization.GeocodeStatus.LOCATED
    assert organization.state == "Rheinland-Pfalz"


def test_data_migration_fills_the_state_of_existing_entries():
    leipzig = OrganizationFactory(postal_code="04109", city="Leipzig")
    unknown = OrganizationFactory(postal_code="", city="Nirgendwo")
    abroad = OrganizationFactory(country="AT", state="Tirol", postal_code="6020", city="Innsbruck")
    Organization.objects.filter(pk__in=[leipzig.pk, unknown.pk]).update(state="")
    migration = importlib.import_module("directory.migrations.0010_german_state_and_countries")
    migration.fill_german_states(apps, None)
    states = dict(Organization.objects.values_list("pk", "state"))
    assert states == {leipzig.pk: "Sachsen", unknown.pk: "", abroad.pk: "Tirol"}


def test_imported_slovak_entry_passes_the_form_and_countries_are_translated():
    slovak = OrganizationFactory(country="SK", state="", postal_code="811 01", city="Bratislava")
    form = OrganizationForm(data=edit_form_data(slovak), instance=slovak)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["country"] == "SK"
    with translation.override("de"):
        html = str(OrganizationForm()["country"])
    assert '<option value="SK">Slowakei</option>' in html
    assert '<option value="DE" selected>Deutschland</option>' in html
    assert html.count("<option") > 240


def test_imports_derive_the_state_from_the_postal_code():
    from directory import imports

    table = imports.read_table(
        "Name,PLZ,Ort,Bundesland\nA eG,04109,Leipzig,\nB eG,50667,Köln,NRW\n".encode(),
        filename="list.csv",
    )
    options = imports.options_for(table)
    options.default_country = "DE"
    rows = [
        imports.normalize_record(record, options, kind="cooperative") for record in table.records
    ]
    assert [row.values["state"] for row in rows] == ["Sachsen", "Nordrhein-Westfalen"]
