"""The maps' background in a real Chromium: the app's own outlines, tiles only through the proxy,
no request to another host; popups, "Karte anzeigen" and the phone layout."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import OrganizationFactory, UserFactory
from tests.fakes.tiles import fake_tiles  # noqa: F401 - a fixture


@pytest.fixture
def hostsharing(transactional_db):
    return OrganizationFactory(
        name="Hostsharing eG",
        city="Hamburg",
        latitude=53.5511,
        longitude=9.9937,
        summary_de="Genossenschaftliches Hosting in Hamburg",
    )


@pytest.fixture
def requests_seen(page):
    """Every URL the page asks for, including those the test blocks."""
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def assert_only_our_host(requests_seen, live_server):
    foreign = [url for url in requests_seen if not url.startswith((live_server.url, "data:"))]
    assert foreign == []
    assert requests_seen  # the page did load something


def outline(page, selector="#coopmap"):
    return page.locator(f"{selector} .leaflet-basemap-pane path.basemap-land")


def test_without_a_tile_server_the_map_draws_its_own_outlines(
    page, live_server, settings, hostsharing, requests_seen
):
    settings.MAP_TILES_URL = ""
    page.goto(live_server.url + "/")

    expect(page.locator("#coopmap.basemap-ready")).to_be_visible()
    expect(outline(page)).to_be_visible()
    expect(page.locator("#coopmap .basemap-state").first).to_be_attached()
    expect(page.locator(".basemap-city", has_text="Hamburg")).to_be_visible()
    expect(page.locator(".leaflet-tile")).to_have_count(0)
    expect(page.locator(".basemap-notice")).to_have_count(0)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Natural Earth")
    assert_only_our_host(requests_seen, live_server)


def test_tiles_come_through_the_apps_proxy_only(
    page,
    live_server,
    hostsharing,
    requests_seen,
    fake_tiles,  # noqa: F811
    settings,
):
    # A busy CI machine can take longer than the fixture's 1 s for a tile; one slow tile would
    # mark the server down for MAP_TILES_RETRY_SECONDS and fail every tile of the page.
    settings.MAP_TILES_TIMEOUT_SECONDS = 10.0
    page.goto(live_server.url + "/")

    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached(timeout=15_000)
    assert any(re.search(r"/tiles/6/\d+/\d+\.png$", url) for url in requests_seen)
    assert fake_tiles.requests  # the proxy asked the tile server, not the browser
    assert_only_our_host(requests_seen, live_server)


def test_when_tiles_fail_the_map_says_so_and_shows_its_outlines(
    page,
    live_server,
    hostsharing,
    fake_tiles,  # noqa: F811
):
    fake_tiles.status = 503
    page.goto(live_server.url + "/")

    expect(page.locator(".basemap-notice")).to_have_text(
        "Die Kartenkacheln konnten nicht geladen werden: Die Karte zeigt ihre eigenen Umrisse."
    )
    expect(outline(page)).to_be_visible()
    expect(page.locator(".basemap-city", has_text="Hamburg")).to_be_visible()


def test_a_popup_says_what_and_where_and_leads_to_the_profile(
    page, live_server, hostsharing, requests_seen
):
    page.goto(live_server.url + "/?lat=53.5511&lng=9.9937&z=10")

    page.locator('.map-marker[title="Hostsharing eG"]').click()
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".map-popup-name")).to_have_text("Hostsharing eG")
    expect(popup.locator(".map-popup-kind")).to_have_text("Plattform-Genossenschaft · Hamburg")
    expect(popup.locator(".map-popup-summary")).to_have_text(
        "Genossenschaftliches Hosting in Hamburg"
    )
    popup.get_by_role("link", name="Profil öffnen").click()

    expect(page).to_have_url(live_server.url + "/directory/hostsharing-eg/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hostsharing eG")
    # The profile's small map has the same background, and no third party either.
    expect(outline(page, "#profile-map")).to_be_visible()
    assert_only_our_host(requests_seen, live_server)


def test_a_popup_of_entries_at_the_same_place_lists_them_all(page, live_server, transactional_db):
    for name in ("Alpha eG", "Beta eG", "Gamma eG"):
        OrganizationFactory(name=name, city="Leipzig", latitude=51.3397, longitude=12.3731)

    page.goto(live_server.url + "/?lat=51.3397&lng=12.3731&z=14")
    page.locator(".map-marker", has_text="3").click()

    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".map-popup-here")).to_have_text("3 Organisationen an diesem Ort:")
    expect(popup.locator(".map-popup-name")).to_have_text(["Alpha eG", "Beta eG", "Gamma eG"])
    popup.get_by_role("link", name="Profil öffnen: Beta eG").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beta eG")


def test_show_the_map_opens_it_centred_on_the_entry(page, live_server, hostsharing):
    page.goto(live_server.url + "/directory/hostsharing-eg/")

    page.get_by_role("link", name="Karte anzeigen").click()

    expect(page).to_have_url(re.compile(r"/\?lat=53\.55110&lng=9\.99370&z=\d+"))
    marker = page.locator('.map-marker[title="Hostsharing eG"]')
    expect(marker).to_be_visible()
    box = marker.bounding_box()
    canvas = page.locator("#coopmap").bounding_box()
    assert abs(box["x"] + box["width"] / 2 - (canvas["x"] + canvas["width"] / 2)) < 30
    assert abs(box["y"] + box["height"] / 2 - (canvas["y"] + canvas["height"] / 2)) < 30


def test_the_moderators_pin_map_draws_the_outlines(page, live_server, hostsharing, requests_seen):
    from django.conf import settings as django_settings
    from django.contrib.auth.models import Group

    manager = UserFactory(username="moderatorin")
    manager.groups.add(Group.objects.get_or_create(name=django_settings.NETWORK_MANAGERS_GROUP)[0])
    client = Client()
    client.force_login(manager)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/manage/directory/{hostsharing.pk}/")

    expect(outline(page, "#review-map")).to_be_visible()
    expect(page.locator("#review-map .leaflet-marker-draggable")).to_be_visible()
    assert_only_our_host(requests_seen, live_server)


def test_on_a_phone_the_map_comes_first_and_filters_open_over_it(page, live_server, hostsharing):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")

    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 60  # one line, the navigation behind the menu button
    map_box = page.locator("#coopmap").bounding_box()
    assert map_box["y"] < 120
    assert map_box["height"] > 500
    expect(page.locator("#map-q")).to_be_hidden()

    page.get_by_role("button", name="Suchen und filtern").click()
    expect(page.locator("#map-q")).to_be_visible()
    page.locator("#map-q").fill("Hostsharing")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator("#map-q")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"q=Hostsharing"))

    page.get_by_role("link", name="Liste").click()
    expect(page.locator("#map-list").get_by_role("link", name="Hostsharing eG")).to_be_in_viewport()

    page.get_by_role("button", name="Menü").click()
    page.locator("#site-nav").get_by_role("link", name="Verzeichnis").click()
    expect(page).to_have_url(re.compile(r"/directory/"))


def test_a_popup_stays_open_when_opening_it_pans_the_map(page, live_server, hostsharing):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/?lat=53.45&lng=9.9937&z=11")  # the marker near the top
    expect(page.locator("#map-status")).to_have_text("Eine Organisation im Kartenausschnitt.")

    page.locator('.map-marker[title="Hostsharing eG"]').click()
    # The popup does not fit above the marker: the map pans, reloads its markers after the
    # debounce, and the popup is open again on the new marker.
    expect(page).not_to_have_url(re.compile(r"lat=53\.45000&"))
    page.wait_for_timeout(800)

    expect(page.locator(".leaflet-popup .map-popup-name")).to_have_text("Hostsharing eG")
