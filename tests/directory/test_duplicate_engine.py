"""Issue 9, items 1-4 and 11: one duplicate engine, explained, never merging what differs.

Rows are small slices of the real cases named in the issue (Internet of Ownership export,
Co-operatives UK, the demo's Fairbnb).
"""

import pytest

from directory import imports
from directory.imports import services as import_services
from directory.models import Organization
from tests.directory.signup_support import signup_data
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def run(data: str, *, source="IoO", mapping=None, overrides=None, filename="list.csv"):
    """Import ``data`` as a manager would (preview, confirm, run); return the finished job."""
    source = import_services.import_source_save(name=source)
    job = import_services.import_job_create(
        data=data.encode(), filename=filename, source=source, enqueue_preview=False
    )
    if mapping or overrides:
        table = imports.read_table(data.encode(), filename=filename)
        options = imports.options_for(table, source.mapping)
        options.columns.update(mapping or {})
        options.overrides = overrides or {}
        job.mapping = options.as_json()
        job.save(update_fields=["mapping"])
    job = import_services.import_job_preview(job_id=job.pk)
    preview = job.preview
    job = import_services.import_job_start(job=job, publish=True)
    job = import_services.import_job_run(job_id=job.pk, enqueue_geocoding=False)
    job.refresh_from_db()
    job.preview_rows = preview["rows"]
    return job


def notes_of(job, row):
    return [
        imports.describe(note)
        for entry in job.preview_rows
        if entry["row"] == row
        for note in entry["notes"]
    ]


YELLOW_CABS = """Name,Website,Latitude,Longitude
Yellow Cab Co-op,https://yellowcabcoop.com,43.0389,-87.9065
Yellow Cab Cooperative,https://yellowcabsf.com,37.7749,-122.4194
"""


def test_1_other_website_far_away_is_never_a_duplicate_and_the_preview_says_why():
    job = run(YELLOW_CABS)
    assert (job.created_count, job.duplicate_count) == (2, 0)
    assert Organization.objects.filter(name__startswith="Yellow Cab").count() == 2
    (note,) = notes_of(job, 3)
    assert "Not merged with row 2 “Yellow Cab Co-op”" in note
    assert "another website" in note


def test_1_a_manager_overrules_a_duplicate_decision_per_row():
    data = "Name,City\nCoop Genossenschaft,Basel\nCoop Genossenschaft,Basel\n"
    assert run(data, source="a").duplicate_count == 1
    Organization.objects.all().delete()
    job = run(data, source="b", overrides={"3": "create"})
    assert (job.created_count, job.duplicate_count) == (2, 0)
    assert "a manager overruled" in " ".join(notes_of(job, 3))


def test_2_same_website_nearby_is_a_duplicate_of_the_demo_entry():
    fairbnb = OrganizationFactory(
        name="Fairbnb", website="https://fairbnb.coop/", latitude=44.4949, longitude=11.3426
    )
    job = run("Name,Website,Latitude,Longitude\nFairBnB,fairbnb.coop,44.5205,11.3426\n")
    assert (job.created_count, job.duplicate_count) == (0, 1)
    (entry,) = job.preview_rows
    assert entry["organization"]["id"] == fairbnb.pk  # the preview links to the entry
    assert "same website fairbnb.coop. 2.8 km apart." in notes_of(job, 2)[0]


def test_2_names_of_nothing_but_generic_words_and_same_names_in_one_city():
    data = (
        "Name,City,Latitude,Longitude\n"
        "Coop Genossenschaft,Basel,47.5596,7.5886\n"
        "Coop Genossenschaft,Basel,47.5480,7.5900\n"
        "Coop Genossenschaft,Basel,47.5700,7.6300\n"
        "Biohof Lindenhof,München,48.1351,11.5820\n"
        "Biohof Lindenhof,München,48.1900,11.6200\n"  # 6.7 km apart, same city
    )
    job = run(data)
    assert (job.created_count, job.duplicate_count) == (2, 3)
    assert "same name in the same town (basel). 3.3 km apart." in notes_of(job, 4)[0]


CBC = """Identifier,Name,Postcode,Latitude,Longitude
cbc,Community Builders Co-op,BD9 4DZ,53.8066,-1.7931
cbc,Community Builders Co-op Liverpool,L8 3TX,53.388534,-2.955974
"""


def test_3_the_same_file_twice_changes_nothing():
    first = run(CBC)
    positions = set(Organization.objects.values_list("source_record_id", "latitude"))
    assert (first.created_count, first.duplicate_count) == (2, 0)
    again = run(CBC)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert set(Organization.objects.values_list("source_record_id", "latitude")) == positions
    assert positions == {("cbc", 53.8066), ("cbc#2", 53.388534)}


IOO = """Name,Location,Website
Loconomics,San Francisco,https://loconomics.com
Stocksy United,Victoria,https://stocksy.com
Resonate,Berlin,https://resonate.is
"""


def test_4_a_better_mapping_repairs_the_earlier_import_of_the_same_source():
    first = run(IOO)
    assert first.created_count == 3
    assert set(Organization.objects.values_list("city", flat=True)) == {""}
    better = run(IOO, mapping={"city": ["Location"]})
    assert (better.created_count, better.updated_count, better.duplicate_count) == (0, 3, 0)
    assert Organization.objects.get(name="Resonate").city == "Berlin"
    again = run(IOO, mapping={"city": ["Location"]})
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)


def test_11_signups_ask_with_the_same_engine_and_its_reason(client):
    OrganizationFactory(name="Fairbnb", website="https://fairbnb.coop/", city="Bologna")
    response = client.post(
        "/signup/", signup_data(name="FairBnB", website="fairbnb.coop", city="Bologna")
    )
    (duplicate,) = response.context["form"].duplicates
    assert duplicate.name == "Fairbnb"
    assert duplicate.duplicate_reason == "same website fairbnb.coop."


def test_5_rejected_rows_keep_their_numbers_and_neutralize_formulas(manager_client):
    import csv
    import io

    from django.urls import reverse

    job = run("Name,Latitude,Longitude\n=cmd(),38.9,-76.99828\nNo Place,95,-76.99828\n")
    response = manager_client.get(
        reverse("manage:directory-manage:import-rejected-csv", args=[job.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2:] == ["Name", "Latitude", "Longitude"]
    assert rows[1][2:] == ["No Place", "95", "-76.99828"]


def test_1_the_preview_offers_to_overrule_each_row_and_links_the_matched_entry(
    manager_client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from directory.models import ImportJob

    existing = OrganizationFactory(name="Coop Genossenschaft", city="Basel", country="CH")
    source = import_services.import_source_save(name="Basel")
    job = import_services.import_job_create(
        data=b"Name,City,Country\nCoop Genossenschaft,Basel,CH\n",
        filename="basel.csv",
        source=source,
        enqueue_preview=False,
    )
    job = import_services.import_job_preview(job_id=job.pk)
    html = manager_client.get(job.get_absolute_url()).content.decode()
    assert reverse("manage:directory-manage:review", args=[existing.pk]) in html
    assert "Not a duplicate: import it" in html
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("manage:directory-manage:import-overrule", args=[job.pk]),
            {"row": 2, "decision": "create"},
        )
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.preview["counts"]["create"] == 1
    assert "Undo my decision" in manager_client.get(job.get_absolute_url()).content.decode()


def test_6_a_position_without_street_claims_no_address_precision():
    job = run(
        "Name,Location,Latitude,Longitude\nBuyCo,United Kingdom,54.0,-2.0\n", source="precision"
    )
    assert job.created_count == 1
    assert Organization.objects.get(name="BuyCo").geocode_precision == "city"
