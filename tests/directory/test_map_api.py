"""The map API: server-side clusters that always add up to every match in the box."""

import random

import pytest

from directory import clustering
from directory.clustering import CELL_PIXELS, LIST_LIMIT, MAX_VIEW_PIXELS, Grid, cell_degrees
from directory.models import Organization
from directory.querysets import BoundingBox
from tests.factories import OrganizationFactory, SectorFactory

API = "/api/map/"
KINDS = [value for value, _label in Organization.Kind.choices]

BOXES = [
    ("5.8,47.2,15.1,55.1", 6),  # Germany
    ("-25,34,45,72", 3),  # Europe
    ("-180,-90,180,90", 0),  # the world
    ("12.9,52.3,13.9,52.7", 9),  # Berlin and around
    ("13.2,52.4,13.6,52.6", 12),  # Berlin
    ("13.35,52.48,13.45,52.53", 15),  # a few streets: organizations one by one
]


def get_map(client, bbox, zoom, **filters):
    response = client.get(API, {"bbox": bbox, "zoom": zoom, **filters})
    assert response.status_code == 200, response.content
    return response.json()


def counted(collection):
    """Return how many organizations the features stand for, and the slugs of single ones."""
    total, singles = 0, set()
    for feature in collection["features"]:
        properties = feature["properties"]
        if properties.get("cluster"):
            assert properties["count"] >= 2
            total += properties["count"]
        else:
            total += 1
            singles.add(properties["slug"])
    return total, singles


def inside(organization, box: BoundingBox) -> bool:
    if organization.latitude is None or not box.south <= organization.latitude <= box.north:
        return False
    if box.west <= box.east:
        return box.west <= organization.longitude <= box.east
    return organization.longitude >= box.west or organization.longitude <= box.east


def scatter(seed=20240611, count=400):
    """Create published and unpublished organizations: dense in Berlin, sparse across Europe,
    some on cell borders and on the edges of the boxes above, some without a position."""
    rng = random.Random(seed)
    organizations = []
    for _index in range(count):
        if rng.random() < 0.4:
            latitude, longitude = rng.gauss(52.51, 0.08), rng.gauss(13.40, 0.12)
        else:
            latitude, longitude = rng.uniform(35, 70), rng.uniform(-20, 40)
        organizations.append((latitude, longitude))
    for bbox, zoom in BOXES:
        box = BoundingBox.parse(bbox)
        grid = Grid.for_view(box, zoom)
        size = cell_degrees(grid.zoom)
        middle_latitude = (box.south + box.north) / 2
        middle_longitude = (box.west + box.east) / 2
        first_column = -180 + size * int((box.west + 180) / size + 1)
        organizations += [
            (box.south, middle_longitude),
            (box.north, middle_longitude),
            (middle_latitude, box.west),
            (middle_latitude, box.east),
            (box.north, box.east),
            (middle_latitude, first_column),
            (middle_latitude, first_column + size),
            *((start, middle_longitude) for start in grid.row_starts[:3]),
        ]
    statuses = [Organization.Status.PUBLISHED] * 8 + [
        Organization.Status.PENDING,
        Organization.Status.ARCHIVED,
    ]
    built = []
    for index, (latitude, longitude) in enumerate(organizations):
        has_position = rng.random() > 0.03
        built.append(
            OrganizationFactory.build(
                name=f"Genossenschaft {index:04d}",
                slug=f"genossenschaft-{index:04d}",
                kind=rng.choice(KINDS),
                latitude=latitude if has_position else None,
                longitude=longitude if has_position else None,
                status=rng.choice(statuses),
            )
        )
    return Organization.objects.bulk_create(built)


@pytest.fixture
def scattered(db):
    return scatter()


@pytest.mark.parametrize(("bbox", "zoom"), BOXES)
@pytest.mark.parametrize("kind", [None, "cooperative"])
def test_cluster_counts_add_up_to_every_published_match_in_the_box(
    client, scattered, bbox, zoom, kind
):
    box = BoundingBox.parse(bbox)
    expected = {
        organization.slug
        for organization in scattered
        if organization.status == Organization.Status.PUBLISHED
        and inside(organization, box)
        and kind in (None, organization.kind)
    }
    assert expected, "the scenario should put organizations into every box"

    collection = get_map(client, bbox, zoom, **({"kind": kind} if kind else {}))

    total, singles = counted(collection)
    assert total == collection["total"] == len(expected)
    assert singles <= expected
    if len(expected) <= LIST_LIMIT:
        assert [entry["slug"] for entry in collection["organizations"]] == sorted(expected)
    else:
        assert "organizations" not in collection


def test_clusters_form_at_low_zoom_and_organizations_stand_alone_at_high_zoom(client, scattered):
    germany = get_map(client, "5.8,47.2,15.1,55.1", 6)
    streets = get_map(client, "13.35,52.48,13.45,52.53", 15)

    assert any(feature["properties"].get("cluster") for feature in germany["features"])
    assert len(germany["features"]) < germany["total"]
    assert not any(feature["properties"].get("cluster") for feature in streets["features"])
    assert len(streets["features"]) == streets["total"]


def test_a_cluster_sits_at_the_mean_of_its_members_and_expands_where_it_says(client, db):
    positions = [(52.50, 13.38), (52.52, 13.42), (52.54, 13.40), (52.51, 13.46)]
    for latitude, longitude in positions:
        OrganizationFactory(latitude=latitude, longitude=longitude)

    [cluster] = get_map(client, "5.8,47.2,15.1,55.1", 6)["features"]

    assert cluster["properties"]["cluster"] is True
    assert cluster["properties"]["count"] == 4
    longitude, latitude = cluster["geometry"]["coordinates"]
    assert latitude == pytest.approx(sum(p[0] for p in positions) / 4)
    assert longitude == pytest.approx(sum(p[1] for p in positions) / 4)
    assert cluster["bbox"] == [13.38, 52.50, 13.46, 52.54]
    west, south, east, north = cluster["bbox"]
    expanded = get_map(
        client, f"{west},{south},{east},{north}", cluster["properties"]["expansion_zoom"]
    )
    assert len(expanded["features"]) > 1
    assert expanded["total"] == 4


def test_organizations_at_the_same_place_stay_countable_at_every_zoom(client, db):
    for _index in range(3):
        OrganizationFactory(latitude=52.52, longitude=13.405)

    for zoom in (3, 10, 14, 18):
        collection = get_map(client, "13.3,52.4,13.5,52.6", zoom)
        assert counted(collection)[0] == 3


def test_unpublished_and_unlocated_organizations_never_appear(client, db):
    shown = OrganizationFactory(name="Published eG")
    hidden = [
        OrganizationFactory(status=status, published_at=None)
        for status in ("unconfirmed", "pending", "rejected")
    ]
    hidden.append(OrganizationFactory(status="archived"))
    hidden.append(OrganizationFactory(latitude=None, longitude=None))

    for zoom in (3, 15):
        collection = get_map(client, "-180,-90,180,90", zoom)
        assert collection["total"] == 1
        assert [entry["slug"] for entry in collection["organizations"]] == [shown.slug]
        content = str(collection)
        assert not any(organization.slug in content for organization in hidden)


def test_the_payload_holds_no_private_fields(client, db):
    OrganizationFactory(contact_name="Erika Geheim", contact_email="geheim@example.org")
    OrganizationFactory(contact_name="Max Geheim", contact_email="max@example.org")
    OrganizationFactory(latitude=53.55, longitude=9.99, contact_email="hamburg@example.org")

    for zoom in (6, 16):
        response = client.get(API, {"bbox": "-180,-90,180,90", "zoom": zoom})
        assert b"Geheim" not in response.content
        assert b"@example.org" not in response.content
        for feature in response.json()["features"]:
            assert set(feature["properties"]) <= {
                "slug",
                "name",
                "kind",
                "city",
                "summary",
                "url",
            } | {
                "cluster",
                "count",
                "expansion_zoom",
            }


def test_filters_narrow_the_map_like_the_directory(client, db):
    hosting = SectorFactory(name_en="Hosting", slug="hosting")
    cloud = SectorFactory(name_en="Cloud", slug="cloud")
    both = OrganizationFactory(name="Hostsharing eG", legal_form="eg")
    both.sectors.set([hosting, cloud])
    OrganizationFactory(name="K8 Institut", kind="network_partner", legal_form="ggmbh")
    OrganizationFactory(name="Unrelated eG", latitude=53.55, longitude=9.99)

    by_sector = get_map(client, "5.8,47.2,15.1,55.1", 6, sector=["hosting", "cloud"])
    by_kind = get_map(client, "5.8,47.2,15.1,55.1", 6, kind="network_partner")
    by_form = get_map(client, "5.8,47.2,15.1,55.1", 6, legal_form="ggmbh")

    # An organization in two of the chosen sectors still counts once.
    assert by_sector["total"] == 1
    assert [entry["name"] for entry in by_sector["organizations"]] == ["Hostsharing eG"]
    assert [entry["name"] for entry in by_kind["organizations"]] == ["K8 Institut"]
    assert [entry["name"] for entry in by_form["organizations"]] == ["K8 Institut"]


def test_boxes_across_the_antimeridian_and_beyond_180_find_the_same_organizations(client, db):
    OrganizationFactory(slug="suva", latitude=-18.14, longitude=178.44)
    OrganizationFactory(slug="taveuni", latitude=-16.8, longitude=179.98)
    OrganizationFactory(slug="vava-u", latitude=-18.65, longitude=-173.98)
    OrganizationFactory(slug="berlin", latitude=52.52, longitude=13.4)

    def positions(bbox):
        collection = get_map(client, bbox, 14)
        return {
            feature["properties"]["slug"]: feature["geometry"]["coordinates"][0]
            for feature in collection["features"]
        }

    # How Leaflet asks after panning east over the antimeridian: longitudes come back in its frame.
    assert positions("170,-25,190,-10") == {"suva": 178.44, "taveuni": 179.98, "vava-u": 186.02}
    # The same box the GeoJSON way (WEST > EAST): longitudes stay within -180..180.
    assert positions("170,-25,-170,-10") == {"suva": 178.44, "taveuni": 179.98, "vava-u": -173.98}
    # Panned west, one turn around: the western part moves by -360.
    assert positions("-190,-25,-170,-10") == {
        "suva": -181.56,
        "taveuni": -180.02,
        "vava-u": -173.98,
    }
    assert get_map(client, "-540,-90,540,90", 1)["total"] == 4
    assert get_map(client, "373,52,374,53", 10)["organizations"][0]["slug"] == "berlin"


def test_a_huge_box_at_high_zoom_is_clustered_coarser_not_cut(client, scattered):
    published = sum(
        1
        for organization in scattered
        if organization.status == "published" and organization.latitude is not None
    )
    collection = get_map(client, "-180,-90,180,90", 18)

    assert collection["total"] == counted(collection)[0] == published
    assert len(collection["features"]) <= (MAX_VIEW_PIXELS // CELL_PIXELS) ** 2


@pytest.mark.parametrize(
    "params",
    [
        {"zoom": "6"},
        {"bbox": "5.8,47.2,15.1,55.1"},
        {"bbox": "5.8,47.2,15.1", "zoom": "6"},
        {"bbox": "west,south,east,north", "zoom": "6"},
        {"bbox": "5.8,47.2,15.1,55.1,3", "zoom": "6"},
        {"bbox": "nan,47.2,15.1,55.1", "zoom": "6"},
        {"bbox": "5.8,55.1,15.1,47.2", "zoom": "6"},
        {"bbox": "5.8,-95,15.1,55.1", "zoom": "6"},
        # Longitudes that overflow or lose every digit of precision (once a 500 or a wrong 200).
        {"bbox": "-1.7976931348623157e308,-90,-1.7976931348623e308,90", "zoom": "0"},
        {"bbox": "1e308,-90,-1e308,90", "zoom": "0"},
        {"bbox": "-1e308,-90,1e308,90", "zoom": "3"},
        {"bbox": "1e15,50,1e15,55", "zoom": "3"},
        {"bbox": "5.8,47.2,inf,55.1", "zoom": "6"},
        {"bbox": "5.8,47.2,15.1,-inf", "zoom": "6"},
        {"bbox": "5.8,47.2,15.1,1e400", "zoom": "6"},
        # WEST > EAST says "across the antimeridian" only with longitudes within -180..180.
        {"bbox": "190,-10,170,10", "zoom": "5"},
        {"bbox": "1000,47,15,55", "zoom": "6"},
        # Not plain decimal numbers, though Python's float() would take them.
        {"bbox": "1_000,47,15,55", "zoom": "6"},
        {"bbox": "0x10,47,15,55", "zoom": "6"},
        {"bbox": "5.8,47.2,15.1,55.1" + "0" * 300, "zoom": "6"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "-1"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "1e308"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "nan"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "99999999999999999999999"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "23"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "six"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "6", "kind": "bank"},
        {"bbox": "5.8,47.2,15.1,55.1", "zoom": "6", "sector": "no-such-sector"},
    ],
)
def test_bad_input_gets_a_400_with_a_readable_message(client, db, params):
    response = client.get(API, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    message = response.json()["error"]
    assert len(message) > 20
    assert "Traceback" not in message


def test_bad_input_messages_name_the_problem(client, db):
    def message(params):
        return client.get(API, params, HTTP_ACCEPT_LANGUAGE="en").json()["error"]

    assert "WEST,SOUTH,EAST,NORTH" in message({"bbox": "1,2,3", "zoom": 5})
    assert "SOUTH <= NORTH" in message({"bbox": "1,50,3,40", "zoom": 5})
    assert "22" in message({"bbox": "1,40,3,50", "zoom": 40})
    assert "36000" in message({"bbox": "1e308,-90,-1e308,90", "zoom": 0})
    assert "antimeridian" in message({"bbox": "190,-10,170,10", "zoom": 5})


@pytest.mark.parametrize(
    ("bbox", "zoom"),
    [
        ("-36000,-90,36000,90", 0),
        ("35990,50,36000,55", 6),
        ("-180,-90,180,90", 22),
        ("-180,-90,180,90", 0),
        ("13.4,52.5,13.4,52.5", 22),
        ("179.99,-90,-179.99,90", 3),
        ("-180,0,-180,0", 0),
        ("5.8,1e-320,15.1,55.1", 6),
    ],
)
def test_extreme_but_valid_boxes_get_an_answer_that_adds_up(client, db, bbox, zoom):
    OrganizationFactory(latitude=52.5, longitude=13.4)
    OrganizationFactory(latitude=-90, longitude=-180)
    OrganizationFactory(latitude=90, longitude=180)
    OrganizationFactory(latitude=0, longitude=-180)
    box = BoundingBox.parse(bbox)

    collection = get_map(client, bbox, zoom)

    expected = sum(inside(organization, box) for organization in Organization.objects.all())
    assert collection["total"] == counted(collection)[0] == expected
    for feature in collection["features"]:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -90 <= latitude <= 90
        assert abs(longitude) <= 36000 + 360


@pytest.mark.parametrize(("bbox", "zoom"), BOXES)
def test_the_api_needs_two_queries_however_many_organizations_exist(
    client, django_assert_max_num_queries, scattered, bbox, zoom
):
    with django_assert_max_num_queries(2):
        get_map(client, bbox, zoom)
    OrganizationFactory.create_batch(LIST_LIMIT + 5)
    with django_assert_max_num_queries(2):
        get_map(client, bbox, zoom, kind=KINDS)


def test_a_sector_filter_adds_one_query_to_check_the_sector(
    client, django_assert_max_num_queries, scattered
):
    SectorFactory(slug="hosting")
    with django_assert_max_num_queries(3):
        get_map(client, "5.8,47.2,15.1,55.1", 6, sector="hosting")


def test_responses_may_be_cached_briefly_and_revalidated(client, db):
    OrganizationFactory()
    first = client.get(API, {"bbox": "5.8,47.2,15.1,55.1", "zoom": 6})

    assert "public" in first["Cache-Control"]
    assert "max-age=60" in first["Cache-Control"]
    again = client.get(
        API, {"bbox": "5.8,47.2,15.1,55.1", "zoom": 6}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    bad = client.get(API, {"bbox": "x", "zoom": 6})
    assert "max-age" not in bad.get("Cache-Control", "")


def test_too_many_organizations_at_high_zoom_stay_clustered(client, db, monkeypatch):
    monkeypatch.setattr(clustering, "MAX_INDIVIDUAL", 3)
    for index in range(4):
        OrganizationFactory(latitude=52.52, longitude=13.40 + index * 0.00001)

    collection = get_map(client, "13.3,52.4,13.5,52.6", 16)

    assert collection["total"] == 4
    assert any(feature["properties"].get("cluster") for feature in collection["features"])
    assert counted(collection)[0] == 4


def test_a_feature_carries_what_its_popup_shows_in_the_visitors_language(client, german_client, db):
    OrganizationFactory(
        name="Hostsharing eG",
        city="Hamburg",
        latitude=53.55,
        longitude=9.99,
        summary_de="Genossenschaftliches Hosting",
        summary_en="Cooperative hosting",
    )

    german = get_map(german_client, "-180,-90,180,90", 16)["features"][0]["properties"]
    english = get_map(client, "-180,-90,180,90", 16)["features"][0]["properties"]

    assert (german["name"], german["city"], german["summary"]) == (
        "Hostsharing eG",
        "Hamburg",
        "Genossenschaftliches Hosting",
    )
    assert english["summary"] == "Cooperative hosting"


def test_a_dense_view_at_high_zoom_stays_under_100_kb(client, db):
    rng = random.Random(3)
    Organization.objects.bulk_create(
        OrganizationFactory.build(
            name=f"Genossenschaft für digitale Daseinsvorsorge Nummer {index:04d} eG",
            slug=f"dense-{index:04d}",
            city="Berlin",
            summary_de="Wir betreiben gemeinsam Server, Software und Netze für unsere Mitglieder.",
            latitude=rng.uniform(52.515, 52.525),
            longitude=rng.uniform(13.39, 13.42),
        )
        for index in range(900)
    )
    # A 1366x900 view around them at zoom 16, and one with half of them at zoom 17.
    for bbox, zoom in (("13.3805,52.5124,13.4295,52.5276", 16), ("13.39,52.515,13.405,52.52", 17)):
        response = client.get(API, {"bbox": bbox, "zoom": zoom})
        assert response.status_code == 200
        assert len(response.content) <= 100_000
        assert counted(response.json())[0] == response.json()["total"]
