"""The import pages as a manager meets them, and the guard in front of them."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from directory.geo import geocoding
from directory.imports import services as import_services
from directory.models import ImportJob, ImportSource, Organization
from tests.factories import OrganizationFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORTS = reverse("manage:directory-manage:imports")
CSV = (
    "Identifier,Name,Street Address,Postcode,Locality,Country,Website,Email,"
    "Latitude,Longitude,Sector\n"
    "A1,Alpha Kooperative,Hauptstr. 1,10115,Berlin,Deutschland,alpha.example,"
    "info@alpha.example,52.53,13.38,Hosting\n"
    'A2,=HYPERLINK("http://evil.example"),,,,DE,,,95,13,\n'
    "A3,Beta eG,Marktplatz 2,04109,Leipzig,DE,https://beta.example,,,,\n"
    "A4,Gamma eG,,,,DE,,,,,\n"
    "A5,Genossenschaft 1 eG,,10969,Berlin,DE,,,52.5,13.4,\n"
)


def upload(client, content=CSV, name="liste.csv", **fields):
    data = {
        "file": SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content),
        "source_name": "Netzwerkliste",
        "licence": "CC BY 4.0",
        "attribution": "Daten: Netzwerk e.V., CC BY 4.0",
        "kind": "cooperative",
        **fields,
    }
    return client.post(IMPORTS, data, HTTP_ACCEPT_LANGUAGE="en")  # messages in English


@pytest.mark.parametrize(
    "name", ["imports", "import-detail", "import-status", "import-rejected-csv"]
)
def test_import_pages_are_for_managers_only(client, name):
    job = _job()
    url = reverse(
        f"manage:directory-manage:{name}", **({} if name == "imports" else {"args": [job.pk]})
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert (
        client.post(reverse("manage:directory-manage:import-confirm", args=[job.pk])).status_code
        == 403
    )
    assert not ImportJob.objects.exclude(status=ImportJob.Status.PREVIEWED).exists()


def _job():
    source = ImportSource.objects.create(name="List")
    job = import_services.import_job_create(
        data=CSV.encode(), filename="l.csv", source=source, enqueue_preview=False
    )
    return import_services.import_job_preview(job_id=job.pk)


def test_a_manager_uploads_previews_and_confirms_an_import(
    manager_client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    SectorFactory(name_en="Hosting")
    existing = OrganizationFactory(name="Genossenschaft 1 eG")  # at 52.5, 13.4 like row 6
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(manager_client)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == job.get_absolute_url()
    assert job.status == ImportJob.Status.PREVIEWED
    assert Organization.objects.count() == 1  # nothing written before the confirmation

    with translation.override("en"), django_assert_max_num_queries(12):
        page = manager_client.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert {"create": 3, "duplicate": 1, "rejected": 1}.items() <= job.preview["counts"].items()
    assert 'data-count="create">3<' in html
    assert "Genossenschaft 1 eG" in html
    assert 'data-action="duplicate"' in html
    assert 'data-action="rejected"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("manage:directory-manage:import-confirm", args=[job.pk]), {"publish": "1"}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.duplicate_count, job.rejected_count) == (3, 1, 1)
    alpha = Organization.objects.get(source_record_id="A1")
    assert alpha.status == Organization.Status.PUBLISHED
    assert alpha.website == "http://alpha.example"
    assert [sector.name_en for sector in alpha.sectors.all()] == ["Hosting"]
    assert existing.name == Organization.objects.get(pk=existing.pk).name
    # Beta has an address but no coordinates: the geocoder places it by its postal code in
    # Leipzig. Gamma has no address at all: it is listed for follow-up.
    beta = Organization.objects.get(source_record_id="A3")
    assert (round(beta.latitude, 1), round(beta.longitude, 1)) == (51.3, 12.4)
    assert job.without_position_count == 1
    done = manager_client.get(job.get_absolute_url()).content.decode()
    follow_up = done.split('id="follow-up"')[1].split("</ul>")[0]
    assert "Gamma eG" in follow_up
    assert "Beta eG" not in follow_up
    status = manager_client.get(
        reverse("manage:directory-manage:import-status", args=[job.pk])
    ).json()
    assert status["status"] == "done"
    assert status["counts"]["created"] == 3
    assert not status["active"]

    # The rejected row, with its reason, in a CSV that a spreadsheet opens safely.
    response = manager_client.get(
        reverse("manage:directory-manage:import-rejected-csv", args=[job.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "3"
    assert "not a position on Earth" in rows[1][1]
    assert rows[1][rows[0].index("Name")] == '\'=HYPERLINK("http://evil.example")'


def test_a_manager_chooses_pending_review_and_corrects_the_mapping(
    manager_client, django_capture_on_commit_callbacks
):
    content = "Wer;Stadt;Land\nDelta eG;Dresden;SR\n"
    with django_capture_on_commit_callbacks(execute=True):
        upload(manager_client, content, "firmen.csv")
    job = ImportJob.objects.get()
    assert job.mapping["columns"].get("name") is None  # "Wer" ("who") is no header we know
    form = {
        "column_name": "Wer",
        "column_city": "Stadt",
        "column_country": "Land",
        "precision": "city",
        "default_country": "",
        "country_aliases": "SR=SK",
        "kind": "initiative",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("manage:directory-manage:import-mapping", args=[job.pk]), form
        )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("manage:directory-manage:import-confirm", args=[job.pk]), {"publish": ""}
        )
    delta = Organization.objects.get()
    assert (delta.name, delta.city, delta.country, delta.kind) == (
        "Delta eG",
        "Dresden",
        "SK",
        "initiative",
    )
    assert delta.status == Organization.Status.PENDING
    # The next file of this list needs no clicks: the mapping was saved with the source.
    assert ImportSource.objects.get().mapping["country_aliases"] == {"SR": "SK"}


def test_a_mapping_without_a_name_column_is_refused(
    manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(manager_client)
    job = ImportJob.objects.get()
    response = manager_client.post(
        reverse("manage:directory-manage:import-mapping", args=[job.pk]),
        {"column_name": "", "precision": "address", "kind": "cooperative"},
    )
    assert response.status_code == 400
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEWED


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "leer.csv", "file is empty."),
        ("Name;Ort\nKöln eG;Köln\n".encode("utf-16-le"), "kaputt.csv", "not readable text"),
        (b'{"type": "Feature"', "map.geojson", "not valid JSON"),
        (b'{"features": []}', "map.geojson", "neither a GeoJSON FeatureCollection"),
    ],
)
def test_malformed_uploads_get_a_clear_error_and_leave_everything_untouched(
    manager_client, content, name, message
):
    OrganizationFactory()
    with translation.override("en"):
        response = upload(manager_client, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organization.objects.count() == 1
    assert not ImportJob.objects.exists()


def test_an_upload_above_the_limit_is_refused_without_being_stored(
    manager_client, settings, tmp_path
):
    big = b"Name\n" + b"x" * (21 * 1024 * 1024)
    with translation.override("en"):
        response = upload(manager_client, big, "huge.csv")
    assert response.status_code == 400
    assert "files up to 20 MB can be imported" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not list((tmp_path / "media").glob("**/*.csv"))


def test_a_discarded_preview_writes_nothing(manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(manager_client)
    job = ImportJob.objects.get()
    manager_client.post(reverse("manage:directory-manage:import-discard", args=[job.pk]))
    assert ImportJob.objects.get().status == ImportJob.Status.DISCARDED
    assert not Organization.objects.exists()
    assert (
        manager_client.post(
            reverse("manage:directory-manage:import-confirm", args=[job.pk])
        ).status_code
        == 404
    )


def test_an_updated_file_updates_its_entries_but_not_what_a_manager_edited(tmp_path, capsys):
    first = tmp_path / "list.csv"
    first.write_text(CSV)
    call_command("import_organizations", str(first), "--source", "Liste", "--publish")
    alpha, beta = (
        Organization.objects.get(source_record_id="A1"),
        Organization.objects.get(source_record_id="A3"),
    )
    beta.summary_de = "Von Hand verbessert."
    beta.save()
    updated = tmp_path / "list-2.csv"
    updated.write_text(
        CSV.replace("Hauptstr. 1", "Hauptstr. 9").replace("Marktplatz 2", "Marktplatz 3")
        + "A6,Epsilon eG,,,Hamburg,DE,,,53.55,10.0,\n"
    )
    capsys.readouterr()
    call_command("import_organizations", str(updated), "--source", "Liste")
    output = capsys.readouterr().out
    assert "1 created, 1 updated, 2 unchanged, 1 kept" in output
    alpha.refresh_from_db()
    beta.refresh_from_db()
    assert alpha.street == "Hauptstr. 9"
    assert alpha.status == Organization.Status.PUBLISHED  # an update never changes the status
    assert beta.street == "Marktplatz 2"  # edited by a person since: kept
    assert Organization.objects.get(source_record_id="A6").status == Organization.Status.PENDING


def test_a_command_dry_run_writes_nothing_and_a_second_run_changes_nothing(tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(CSV)
    call_command("import_organizations", str(path), "--dry-run")
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert not Organization.objects.exists()
    assert not ImportSource.objects.exists()
    call_command("import_organizations", str(path))
    before = list(Organization.objects.values_list("pk", "updated_at", "name", "street"))
    call_command("import_organizations", str(path))
    assert "0 created, 0 updated, 4 unchanged" in capsys.readouterr().out
    assert list(Organization.objects.values_list("pk", "updated_at", "name", "street")) == before


def test_a_crashed_import_resumes_after_its_last_batch(settings, monkeypatch):
    monkeypatch.setattr(import_services, "BATCH_SIZE", 2)
    source = ImportSource.objects.create(name="List")
    job = import_services.import_job_create(
        data=CSV.encode(), filename="l.csv", source=source, enqueue_preview=False
    )
    job = import_services.import_job_preview(job_id=job.pk)
    job = import_services.import_job_start(job=job, publish=True)

    def crash(done, total):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        import_services.import_job_run(job_id=job.pk, progress=crash, enqueue_geocoding=False)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == (ImportJob.Status.RUNNING, 2, 1)
    import_services.import_job_run(job_id=job.pk, enqueue_geocoding=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.GEOCODING
    assert (job.created_count, job.rejected_count, job.duplicate_count) == (4, 1, 0)
    assert Organization.objects.count() == 4


def test_geocoding_runs_in_batches_and_waits_for_an_unreachable_geocoder(monkeypatch):
    source = ImportSource.objects.create(name="List")
    content = "Name,Postcode,City\n" + "".join(f"Coop {n},1011{n},Berlin\n" for n in range(5))
    job = import_services.import_job_create(
        data=content.encode(), filename="l.csv", source=source, enqueue_preview=False
    )
    import_services.import_job_preview(job_id=job.pk)
    import_services.import_job_start(job=job, publish=False)
    job = import_services.import_job_run(job_id=job.pk, enqueue_geocoding=False)
    assert (job.status, job.geocode_total) == (ImportJob.Status.GEOCODING, 5)

    def unreachable(address):
        raise geocoding.GeocoderUnavailableError

    monkeypatch.setattr(geocoding, "locate", unreachable)
    with pytest.raises(geocoding.GeocoderUnavailableError):
        import_services.import_job_geocode_batch(job_id=job.pk, limit=2)
    assert job.organizations.filter(geocode_status="pending").count() == 5

    monkeypatch.setattr(
        geocoding,
        "locate",
        lambda address: (
            geocoding.Location(52.5, 13.4, "postal_code", "fake")
            if address.postal_code != "10114"
            else None
        ),
    )
    assert import_services.import_job_geocode_batch(job_id=job.pk, limit=2) is True
    assert import_services.import_job_geocode_batch(job_id=job.pk, limit=2) is True
    assert import_services.import_job_geocode_batch(job_id=job.pk, limit=2) is False
    job.refresh_from_db()
    assert (job.status, job.geocode_done, job.without_position_count) == (
        ImportJob.Status.DONE,
        5,
        1,
    )
    assert job.organizations.filter(geocode_status="located").count() == 4


def test_stalled_imports_are_sent_again(django_capture_on_commit_callbacks):
    job = _job()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.QUEUED, updated_at="2020-01-01T00:00Z"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_services.import_jobs_resume() == [job.pk]
    assert ImportJob.objects.get().status == ImportJob.Status.PREVIEWED
