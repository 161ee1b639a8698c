"""The two real public datasets, imported end to end as a manager would (issue 6)."""

import csv
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.imports import services as import_services
from directory.models import ImportJob, ImportSource, Organization
from tests.directory.datasets import SUSY_MAP, UK_ATTRIBUTION, UK_COOPS, dataset

pytestmark = pytest.mark.django_db


def run_import(path, *, source, publish=True, kind="cooperative", **options):
    """Import a file through the same services as the web pages; return the finished job."""
    source = import_services.import_source_save(name=source, **options)
    job = import_services.import_job_create(
        data=path.read_bytes(), filename=path.name, source=source, kind=kind, enqueue_preview=False
    )
    job = import_services.import_job_preview(job_id=job.pk)
    job = import_services.import_job_start(job=job, publish=publish)
    job = import_services.import_job_run(job_id=job.pk, enqueue_geocoding=False)
    while import_services.import_job_geocode_batch(job_id=job.pk):
        pass
    job.refresh_from_db()
    return job


def test_uk_coops_import_end_to_end(client):
    path = dataset(UK_COOPS)
    with path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    with_coordinates = sum(1 for record in records if record["Geo Container Latitude"])
    assert len(records) == 7272
    assert len({record["Identifier"] for record in records}) == 7272

    job = run_import(
        path,
        source="Co-operatives UK",
        licence="ODC-By 1.0",
        attribution=UK_ATTRIBUTION,
        url="https://www.uk.coop/",
    )

    # Every row has a name and a unique identifier: nothing is rejected. Three rows repeat an
    # organization of an earlier row, checked by hand: "Lowther Club" = "The Lowther Club"
    # (same postcode), "Uniteddiversity" = "United Diversity" and "New Internationalist
    # Co-operative" = "New Internationalist" (same website). "Dot Project" appears twice with
    # two Companies House numbers: two legal entities, both imported.
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.duplicate_count, job.rejected_count) == (7269, 3, 0)
    assert Organization.objects.filter(import_source=job.source).count() == 7269
    assert Organization.objects.filter(name="Dot Project").count() == 2
    # The rows without coordinates went to the geocoder. The offline gazetteer has no British
    # postcodes but knows the towns of 258 of them (precision "city"); 44 rows name no town it
    # knows and are listed for follow-up.
    assert job.geocode_total == 7272 - with_coordinates == 302
    assert job.without_position_count == 44
    located = Organization.objects.filter(
        import_source=job.source, geocode_source="offline", latitude__isnull=False
    )
    assert located.count() == 258
    assert set(located.values_list("geocode_precision", flat=True)) == {"city"}
    # The Geo Container coordinates are the centre of the postcode.
    group = Organization.objects.get(source_record_id="R000001")
    assert (group.latitude, group.longitude) == (53.488061, -2.237449)
    assert group.geocode_precision == Organization.Precision.POSTAL_CODE
    assert group.country == "GB"
    assert group.legal_form == Organization.LegalForm.FOREIGN_COOP  # a UK "Society"
    assert group.street == "1 Angel Square"
    assert group.status == Organization.Status.PUBLISHED
    assert (
        Organization.objects.get(source_record_id="R000003").street == "Central House, Hermes Road"
    )

    # The imported co-ops are on the map: every published entry with a position is counted.
    response = client.get("/api/map/", {"bbox": "-180,-90,180,90", "zoom": 3})
    features = response.json()["features"]
    shown = sum(feature["properties"].get("count", 1) for feature in features)
    assert shown == Organization.objects.published().with_position().count() == 7269 - 44

    # The profile shows the attribution that ODC-By requires.
    response = client.get(group.get_absolute_url())
    assert UK_ATTRIBUTION in response.content.decode()
    assert "ODC-By 1.0" in response.content.decode()

    # The same file again: nothing is created or changed.
    again = run_import(path, source="Co-operatives UK")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 7269)
    assert again.duplicate_count == 3
    assert Organization.objects.count() == 7269


def test_susy_map_import_end_to_end(client):
    path = dataset(SUSY_MAP)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert len(features) == 1794
    assert len({feature["properties"]["_id"] for feature in features}) == 1794
    assert all(feature["geometry"]["type"] == "Point" for feature in features)

    job = run_import(
        path, source="SUSY solidarity economy map", licence="Public Domain", kind="initiative"
    )

    # All 1,794 points have a name and a position: nothing is rejected, nothing needs the
    # geocoder. 29 points repeat an organization of an earlier point, checked by hand: the same
    # name and website nearby (e.g. "Culinaris" three times, "Grassy  Hopper" = "Grassy
    # Hopper") or the same name at the same place ("Bulgarian Food Bank" twice at 0 m).
    # Since issue 9 the one duplicate engine never merges points more than 30 km apart: the
    # 16 offices of one organization in other cities ("Germanwatch e.V." in Bonn and Berlin,
    # "NAHhaft" in three cities, "Christliche Initiative Romero") are each imported, with a
    # note saying why they were not merged. Branches with their own names ("Südwind Tirol",
    # "Südwind Wien") on one website stay apart.
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.duplicate_count, job.rejected_count) == (1794 - 29, 29, 0)
    assert job.geocode_total == 0
    assert job.without_position_count == 0
    assert Organization.objects.filter(kind="initiative").count() == 1765

    food_bank = Organization.objects.get(name="Bulgarian Food Bank")
    assert food_bank.country == "BG"
    assert food_bank.contact_email == "contact@bgfoodbank.org"  # private contact data
    assert food_bank.website == ""  # its "contact:website" is the placeholder "update6"
    assert (
        Organization.objects.get(source_record_id="e98fb9126657fd09e8c7e43217000e20") == food_bank
    )
    # Country names in many languages and spellings end up as ISO codes.
    assert set(Organization.objects.values_list("country", flat=True)) >= {
        "AT",
        "GB",
        "DE",
        "GR",
        "BE",
        "PT",
    }
    # Every country is an ISO code (read as stored: django-countries wraps the field).
    countries = set(Organization.objects.values_list("country", flat=True)) - {""}
    assert all(re.fullmatch(r"[A-Z]{2}", str(country)) for country in countries)
    greek = Organization.objects.get(name="Σπείρα Γης")
    assert greek.slug == "speira-gis"

    # Contact e-mails of the file never reach the public.
    emails = [
        email for email in Organization.objects.values_list("contact_email", flat=True) if email
    ]
    assert len(emails) > 1000
    for url in (
        food_bank.get_absolute_url(),
        reverse("directory:detail-jsonld", args=[food_bank.slug]),
        reverse("directory:detail-murmurations", args=[food_bank.slug]),
        "/api/map/?bbox=-180,-90,180,90&zoom=3",
    ):
        assert "contact@bgfoodbank.org" not in client.get(url).content.decode()

    again = run_import(path, source="SUSY solidarity economy map", kind="initiative")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1765)
    assert Organization.objects.count() == 1765


def test_dry_run_of_a_dataset_writes_nothing(capsys):
    path = dataset(SUSY_MAP)
    call_command("import_organizations", str(path), "--dry-run", "--source", "SUSY")
    output = capsys.readouterr().out
    assert "1765 created" in output
    assert "29 skipped as duplicates" in output
    assert "Bulgarian Food Bank" in output  # the duplicate, with its reason
    assert "Dry run: nothing was written." in output
    assert not Organization.objects.exists()
    assert not ImportSource.objects.exists()
    assert not ImportJob.objects.exists()
