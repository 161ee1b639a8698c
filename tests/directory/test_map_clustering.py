"""The pure parts of the map: boxes in any longitude frame and a grid that is square on screen."""

import math

import pytest

from directory.clustering import (
    CELL_PIXELS,
    MAX_VIEW_PIXELS,
    Grid,
    cell_members,
    mercator_latitude,
    mercator_y,
    view_pixels,
)
from directory.models import Organization
from directory.querysets import BoundingBox
from tests.factories import OrganizationFactory


@pytest.mark.parametrize(
    ("bbox", "normal", "view_west"),
    [
        ("5.8,47.2,15.1,55.1", (5.8, 15.1), None),
        ("170,-30,-170,-10", (170, -170), None),
        ("170,-30,190,-10", (170, -170), 170),
        ("-190,-30,-170,-10", (170, -170), -190),
        ("370,0,380,10", (10, 20), 370),
        ("-540,-90,540,90", (-180, 180), -180),
        ("100,0,460,10", (-180, 180), 100),
    ],
)
def test_a_box_in_any_frame_is_normalized_for_the_database(bbox, normal, view_west):
    box = BoundingBox.parse(bbox)

    assert (box.west, box.east) == pytest.approx(normal)
    assert box.view_west == view_west


def test_longitudes_come_back_in_the_frame_the_box_was_given_in():
    leaflet = BoundingBox.parse("170,-30,190,-10")
    world = BoundingBox.parse("100,-90,460,90")

    assert leaflet.to_view_longitude(-175.5) == 184.5
    assert leaflet.to_view_longitude(175.5) == 175.5
    assert world.to_view_longitude(-175.5) == 184.5
    assert world.to_view_longitude(120.0) == 120.0


def test_grid_rows_are_as_tall_on_screen_as_columns_are_wide():
    box = BoundingBox.parse("-25,34,45,72")
    grid = Grid.for_view(box, 5)

    assert len(grid.row_starts) > 3
    steps = [
        mercator_y(north) - mercator_y(south)
        for south, north in zip(grid.row_starts, grid.row_starts[1:], strict=False)
    ]
    assert steps == pytest.approx([grid.size] * len(steps))
    assert grid.size * 256 * 2**5 / 360 == CELL_PIXELS


def test_mercator_latitude_inverts_mercator_y():
    for latitude in (-80, -45.5, 0, 12.25, 52.52, 85):
        assert mercator_latitude(mercator_y(latitude)) == pytest.approx(latitude)


def test_the_grid_of_a_huge_view_is_coarsened_to_a_bounded_size():
    world = BoundingBox.parse("-180,-85,180,85")
    grid = Grid.for_view(world, 18)

    assert grid.zoom < 18
    assert max(view_pixels(world, grid.zoom)) <= MAX_VIEW_PIXELS
    assert len(grid.row_starts) + 1 <= MAX_VIEW_PIXELS // CELL_PIXELS


def test_a_cluster_expands_at_the_zoom_where_its_members_part():
    grid = Grid.for_view(BoundingBox.parse("5.8,47.2,15.1,55.1"), 6)

    near = grid.expansion_zoom(west=13.38, south=52.50, east=13.46, north=52.54)
    far = grid.expansion_zoom(west=13.0, south=52.0, east=14.0, north=53.0)
    same_place = grid.expansion_zoom(west=13.4, south=52.5, east=13.4, north=52.5)

    assert 6 < far < near < same_place


def test_each_organization_falls_into_the_cell_of_its_position(db):
    box = BoundingBox.parse("-25,34,45,72")
    grid = Grid.for_view(box, 5)
    expected = {}
    for index, start in enumerate(grid.row_starts):
        row = grid.first_row + index + 1  # a row start belongs to the row north of it
        middle = mercator_latitude((row + 0.5) * grid.size)
        for slug, latitude in ((f"on-{index}", start), (f"in-{index}", middle)):
            OrganizationFactory(slug=slug, latitude=latitude, longitude=10.0)
            expected[slug] = row * grid.stride + math.floor(190 / grid.size)
    south = OrganizationFactory(slug="south", latitude=box.south, longitude=-25.0)
    expected[south.slug] = grid.first_row * grid.stride + math.floor(155 / grid.size)

    members = cell_members(Organization.objects.in_bbox(box), grid)

    assert {row["slug"]: row["cell"] for row in members} == expected
