"""Open data: /directory/export.csv and /directory/export.geojson, and the CSV safety helper."""

import csv
import io
import json

import pytest
from django.urls import reverse

from coopmap.csvsafe import csv_lines, neutralize
from directory.models import Organization
from tests.factories import OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

# The sectors; the organizations; their sectors, once per chunk of CHUNK_SIZE organizations;
# and the savepoint and its release that the export's transaction is inside a test's.
EXPORT_QUERIES = 5
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"


def download(client, name: str, **params) -> tuple[object, bytes]:
    response = client.get(reverse(f"directory:export-{name}"), params)
    assert response.status_code == 200
    assert response.streaming
    return response, b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@pytest.fixture
def published_and_hidden(db):
    public = OrganizationFactory(
        name="Hostsharing eG",
        contact_name="Erika Privat",
        contact_email="erika.privat@example.org",
        public_email="info@hostsharing.example",
    )
    public.sectors.set([SectorFactory(name_en="Hosting"), SectorFactory(name_en="Cloud")])
    for status in ("unconfirmed", "pending", "rejected", "archived"):
        OrganizationFactory(
            name=f"Hidden {status} eG",
            status=status,
            published_at=None,
            contact_email=f"hidden-{status}@example.org",
        )
    return public


@pytest.mark.parametrize("name", ["csv", "geojson"])
def test_exports_never_contain_a_private_contact_or_an_unpublished_entry(
    client, published_and_hidden, name
):
    _, content = download(client, name)
    assert b"Hostsharing eG" in content
    assert b"info@hostsharing.example" in content
    assert b"erika.privat@example.org" not in content
    assert b"Erika Privat" not in content
    assert b"Hidden" not in content
    assert b"@example.org" not in content


def test_csv_export_has_a_header_and_one_row_per_published_organization(
    client, published_and_hidden
):
    response, content = download(client, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert not content.startswith(b"\xef\xbb\xbf")
    [row] = csv_rows(content)
    assert row["name"] == "Hostsharing eG"
    assert row["url"] == "http://testserver" + published_and_hidden.get_absolute_url()
    assert row["kind"] == "platform_coop"
    assert row["sectors"] == "cloud;hosting"
    assert row["city"] == "Berlin"
    assert row["latitude"] == "52.5"
    assert "contact_email" not in row
    assert "contact_name" not in row


def test_geojson_export_is_a_feature_collection_with_its_licence(client, published_and_hidden):
    OrganizationFactory(name="Nowhere eG", latitude=None, longitude=None)
    response, content = download(client, "geojson")
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(content)
    assert data["type"] == "FeatureCollection"
    assert data["license"] == ODBL
    assert "GeoNames" in data["attribution"]
    located, unlocated = data["features"]
    assert located["geometry"] == {"type": "Point", "coordinates": [13.4, 52.5]}
    assert located["properties"]["sectors"] == ["cloud", "hosting"]
    assert located["properties"]["name"] == "Hostsharing eG"
    assert unlocated["properties"]["name"] == "Nowhere eG"
    assert unlocated["geometry"] is None


@pytest.mark.parametrize(("name", "extension"), [("csv", "csv"), ("geojson", "geojson")])
def test_exports_are_downloads_with_a_dated_name_and_a_licence_link(client, name, extension):
    response, _ = download(client, name)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="coopmap-organizations-'
    )
    assert response["Content-Disposition"].endswith(f'.{extension}"')
    assert response["Link"] == f'<{ODBL}>; rel="license"'


@pytest.mark.parametrize("name", ["csv", "geojson"])
def test_exports_apply_the_lists_filters(client, name):
    OrganizationFactory(name="Plattform eG", kind=Organization.Kind.PLATFORM_COOP)
    OrganizationFactory(name="Freunde e.V.", kind=Organization.Kind.SUPPORTER, city="München")
    _, by_kind = download(client, name, kind="supporter")
    _, by_search = download(client, name, q="Muenchen")
    for content in (by_kind, by_search):
        assert b"Freunde e.V." in content
        assert b"Plattform eG" not in content


@pytest.mark.parametrize("name", ["csv", "geojson"])
def test_exports_with_an_invalid_filter_answer_400_saying_why(client, name):
    OrganizationFactory(name="Plattform eG")
    response = client.get(reverse(f"directory:export-{name}"), {"kind": "bank"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert b"kind: " in response.content
    assert b"Plattform eG" not in response.content


def test_empty_geojson_export_is_still_valid(client):
    _, content = download(client, "geojson")
    assert json.loads(content)["features"] == []


def test_csv_export_neutralizes_spreadsheet_formulas_but_keeps_numbers(client):
    OrganizationFactory(
        name='=HYPERLINK("http://evil.example","Click")',
        summary_de="+49 30 1234",
        summary_en="@SUM(A1)",
        city="-Köln",
        latitude=-33.9,
        longitude=-0.12,
    )
    _, content = download(client, "csv")
    [row] = csv_rows(content)
    assert row["name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["summary_de"] == "'+49 30 1234"
    assert row["summary_en"] == "'@SUM(A1)"
    assert row["city"] == "'-Köln"
    assert row["latitude"] == "-33.9"
    assert row["longitude"] == "-0.12"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "＝1"])
def test_neutralize_prefixes_text_that_a_spreadsheet_would_run(value):
    assert neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["Hostsharing", "", "a=b", -0.12, 3, None])
def test_neutralize_leaves_other_values_alone(value):
    assert neutralize(value) == value


def test_csv_lines_quote_cells_and_end_lines_with_crlf():
    assert list(csv_lines([["a,b", "=x", 1.5], ['"q"', None, -2]])) == [
        '"a,b",\'=x,1.5\r\n',
        '"""q""",,-2\r\n',
    ]


@pytest.mark.parametrize("name", ["csv", "geojson"])
@pytest.mark.parametrize("count", [3, 30])
def test_exports_cost_the_same_queries_however_many_organizations(
    client, django_assert_max_num_queries, name, count
):
    sectors = SectorFactory.create_batch(3)
    for organization in OrganizationFactory.create_batch(count):
        organization.sectors.set(sectors)
    with django_assert_max_num_queries(EXPORT_QUERIES):
        _, content = download(client, name)
    assert content.count(b"Genossenschaft ") == count


def test_exports_credit_the_source_of_imported_entries(client):
    from directory.models import ImportSource

    source = ImportSource.objects.create(
        name="Co-operatives UK",
        licence="ODC-By 1.0",
        attribution="Contains data from Co-operatives UK, ODC-By 1.0",
    )
    OrganizationFactory(name="Imported Co-op", import_source=source, source_record_id="R1")
    OrganizationFactory(name="Local Co-op")

    rows = {
        row["name"]: row
        for row in csv.DictReader(
            io.StringIO(b"".join(client.get("/directory/export.csv").streaming_content).decode())
        )
    }
    assert rows["Imported Co-op"]["source_attribution"] == source.attribution
    assert rows["Local Co-op"]["source_attribution"] == ""
    geojson = json.loads(b"".join(client.get("/directory/export.geojson").streaming_content))
    credits = {
        f["properties"]["name"]: f["properties"]["source_attribution"] for f in geojson["features"]
    }
    assert credits == {"Imported Co-op": source.attribution, "Local Co-op": ""}
