"""The map's pre-aggregated cells stay exact through every write, and the API adds them up.

PostgreSQL keeps ``MapCell`` in the same transaction as each change to an organization
(statement triggers); these tests compare it with a count from scratch after publishing,
moving, archiving, deleting, bulk writes and raw SQL, and compare the API's answers from the
cells with the live grouping. SQLite keeps no cells (the API groups live there).
"""

import random

import pytest
from django.core.management import call_command
from django.db import connection

from directory import map_cells
from directory.models import MapCell, Organization
from directory.querysets import BoundingBox
from directory.services import (
    organization_archive,
    organization_delete,
    organization_place,
    organization_publish,
    organization_request_deletion,
)
from tests.directory.test_map_api import counted, get_map, inside, scatter
from tests.factories import OrganizationFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the cells are kept by PostgreSQL triggers; SQLite groups the map live",
    ),
]

KINDS = [value for value, _label in Organization.Kind.choices]


def snapshot() -> dict:
    return {
        (cell.zoom, cell.grid_row, cell.grid_column, cell.kind): (
            cell.count,
            cell.south,
            cell.north,
            cell.west,
            cell.east,
            round(cell.latitude_sum, 6),
            round(cell.longitude_sum, 6),
        )
        for cell in MapCell.objects.all()
    }


def assert_exact() -> None:
    """The cells equal a count from scratch (sums to a millionth of a degree)."""
    kept = snapshot()
    with connection.cursor() as cursor:
        cursor.execute("SELECT directory_map_cells_rebuild()")
    rebuilt = snapshot()
    assert kept.keys() == rebuilt.keys()
    for key, values in rebuilt.items():
        assert kept[key][:5] == values[:5], key
        assert kept[key][5:] == pytest.approx(values[5:], abs=1e-6), key


@pytest.fixture
def manager(db):
    return UserFactory(username="manager")


def test_cells_count_every_published_located_organization_at_every_zoom(db):
    OrganizationFactory(latitude=52.52, longitude=13.405, kind="cooperative")
    OrganizationFactory(latitude=52.52, longitude=13.405, kind="cooperative")
    OrganizationFactory(latitude=48.14, longitude=11.58, kind="supporter")
    OrganizationFactory(status="pending", published_at=None)
    OrganizationFactory(latitude=None, longitude=None)

    for zoom in range(map_cells.MAX_CELL_ZOOM + 1):
        cells = MapCell.objects.filter(zoom=zoom)
        assert sum(cell.count for cell in cells) == 3
    berlin = MapCell.objects.get(zoom=10, kind="cooperative")
    assert (berlin.count, berlin.south, berlin.west) == (2, 52.52, 13.405)
    assert berlin.latitude_sum == pytest.approx(2 * 52.52)
    assert not MapCell.objects.filter(zoom=map_cells.MAX_CELL_ZOOM + 1).exists()
    assert_exact()


def test_cells_stay_exact_through_publish_move_archive_and_delete(manager):
    rng = random.Random(7)
    organizations = [
        OrganizationFactory(
            latitude=rng.gauss(52.5, 0.3),
            longitude=rng.gauss(13.4, 0.4),
            kind=rng.choice(KINDS),
            status="pending",
            published_at=None,
        )
        for _index in range(30)
    ]
    for organization in organizations:
        organization_publish(organization=organization, by=manager)
    assert_exact()

    # Moving the westmost, southmost … members shrinks the extents of their cells.
    extremes = sorted(organizations, key=lambda organization: organization.longitude)[:3]
    extremes += sorted(organizations, key=lambda organization: organization.latitude)[-3:]
    for organization in extremes:
        organization_place(organization=organization, latitude=48.1, longitude=11.6, by=manager)
    assert_exact()

    for organization in organizations[:10]:
        organization_archive(organization=organization, by=manager)
    assert_exact()
    organization_publish(organization=organizations[0], by=manager)
    assert_exact()

    for organization in organizations[10:15]:
        organization_request_deletion(organization=organization)
        organization_delete(organization=organization, by=manager)
    assert_exact()
    assert sum(cell.count for cell in MapCell.objects.filter(zoom=0)) == 30 - 10 + 1 - 5


def test_cells_stay_exact_through_bulk_writes_and_raw_sql(db):
    built = scatter(seed=11, count=300)
    assert_exact()

    Organization.objects.filter(kind="supporter").update(kind="cooperative")
    Organization.objects.filter(pk__in=[o.pk for o in built[::7]]).update(status="archived")
    Organization.objects.filter(pk__in=[o.pk for o in built[1::9]]).update(
        latitude=None, longitude=None
    )
    Organization.objects.filter(pk__in=[o.pk for o in built[2::5]]).update(name="Renamed eG")
    assert_exact()

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_organization SET latitude = -latitude, longitude = longitude / 2"
            " WHERE id % 3 = 0 AND latitude IS NOT NULL"
        )
    assert_exact()

    Organization.objects.filter(pk__in=[o.pk for o in built[::4]]).delete()
    assert_exact()
    Organization.objects.all().delete()
    assert not MapCell.objects.exists()


def test_cells_at_the_poles_and_the_antimeridian(db):
    for latitude, longitude in [(90, 180), (-90, -180), (89.9, 0), (-85.06, 179.999), (0, 180)]:
        OrganizationFactory(latitude=latitude, longitude=longitude)
    assert_exact()
    Organization.objects.update(latitude=85.0511287798066)
    assert_exact()


BOXES = [
    ("5.8,47.2,15.1,55.1", 6),
    ("-25,34,45,72", 3),
    ("-180,-90,180,90", 0),
    ("-180,-85,180,85", 3),
    ("12.9,52.3,13.9,52.7", 9),
    ("13.2,52.4,13.6,52.6", 12),
    ("13.3,52.45,13.5,52.55", 13),
    ("170,-60,-150,60", 4),
    ("-200,30,-140,60", 5),
]


@pytest.mark.parametrize(("bbox", "zoom"), BOXES)
@pytest.mark.parametrize("kinds", [[], ["cooperative"], ["cooperative", "supporter"]])
def test_the_api_answers_from_the_cells_exactly_as_the_live_grouping(
    client, monkeypatch, bbox, zoom, kinds
):
    scatter(seed=5, count=600)
    for latitude, longitude in [(-16.8, 179.98), (-18.6, -173.9), (60, -170.5), (45, 170)]:
        OrganizationFactory(latitude=latitude, longitude=longitude, kind="cooperative")
    filters = {"kind": kinds} if kinds else {}
    box = BoundingBox.parse(bbox)
    expected = sum(
        1
        for organization in Organization.objects.published()
        if inside(organization, box) and (not kinds or organization.kind in kinds)
    )

    from_cells = get_map(client, bbox, zoom, **filters)
    monkeypatch.setattr(map_cells, "MAX_VIEW_ZOOM", -1)
    live = get_map(client, bbox, zoom, **filters)

    assert from_cells["total"] == counted(from_cells)[0] == live["total"] == expected
    assert from_cells.get("organizations") == live.get("organizations")

    def features(collection):
        return sorted(
            (
                feature["properties"].get("count", 1),
                feature["properties"].get("slug", ""),
                tuple(round(value, 5) for value in feature["geometry"]["coordinates"]),
                tuple(round(value, 5) for value in feature.get("bbox", ())),
                feature["properties"].get("expansion_zoom"),
            )
            for feature in collection["features"]
        )

    assert features(from_cells) == features(live)


def test_the_api_reads_the_cells_in_two_queries_and_filters_fall_back_to_live(
    client, django_assert_max_num_queries
):
    scatter(seed=3, count=300)
    with django_assert_max_num_queries(2) as queries:
        get_map(client, "-25,34,45,72", 3, kind="cooperative")
    assert "directory_mapcell" in queries.captured_queries[0]["sql"]

    with django_assert_max_num_queries(2) as queries:
        get_map(client, "-25,34,45,72", 3, order="name", km="20")
    assert "directory_mapcell" in queries.captured_queries[0]["sql"]

    for filters in (
        {"q": "Genossenschaft"},
        {"legal_form": "eg"},
        {"state": "Berlin"},
        {"country": "DE"},
        {"near": "Berlin", "km": "50"},
    ):
        # (A search also reads the sectors, whose names it matches.)
        with django_assert_max_num_queries(3) as queries:
            collection = get_map(client, "-25,34,45,72", 3, **filters)
        assert "directory_mapcell" not in " ".join(q["sql"] for q in queries.captured_queries)
        assert counted(collection)[0] == collection["total"]


def test_what_the_api_counts_follows_a_publication_at_once(client, manager):
    organization = OrganizationFactory(status="pending", published_at=None)
    assert get_map(client, "5.8,47.2,15.1,55.1", 6)["total"] == 0
    organization_publish(organization=organization, by=manager)
    assert get_map(client, "5.8,47.2,15.1,55.1", 6)["total"] == 1
    organization_archive(organization=organization, by=manager)
    assert get_map(client, "5.8,47.2,15.1,55.1", 6)["total"] == 0


def test_the_rebuild_command_repairs_cells_that_were_written_around(client):
    OrganizationFactory(latitude=52.52, longitude=13.405)
    OrganizationFactory(latitude=48.14, longitude=11.58)
    with connection.cursor() as cursor:
        # As a data-only restore with triggers disabled would leave them.
        cursor.execute("DELETE FROM directory_mapcell WHERE zoom = 6")
    assert get_map(client, "5.8,47.2,15.1,55.1", 6)["total"] < 2

    call_command("rebuild_map_cells")

    assert get_map(client, "5.8,47.2,15.1,55.1", 6)["total"] == 2
    assert_exact()
