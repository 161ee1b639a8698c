"""The geopy path: a Nominatim service (the local fake), its cache, rate limit and outages."""

import itertools
import time
from dataclasses import replace

import pytest
from geopy.distance import distance

from directory.geo.geocoding import (
    OFFLINE_FALLBACK,
    Address,
    GeocoderUnavailableError,
    judge_precision,
    locate,
)
from tests.fakes.nominatim import fake_nominatim  # noqa: F401 - a fixture

HOSTSHARING = Address(street="Flughafenstraße 52a", postal_code="22335", city="Hamburg")
SAARBRUECKEN = Address(postal_code="66111", city="Saarbrücken", state="Saarland")
KLEINKLECKERSDORF = Address(city="Kleinkleckersdorf", state="Niedersachsen")


@pytest.fixture
def nominatim(settings, fake_nominatim):  # noqa: F811
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_URL = fake_nominatim.url
    settings.GEOCODER_MIN_DELAY_SECONDS = 0
    settings.GEOCODER_TIMEOUT_SECONDS = 2
    return fake_nominatim


def km_between(location, point) -> float:
    return distance((location.latitude, location.longitude), point).km


def test_street_address_is_located_by_the_service_at_address_precision(nominatim, settings):
    location = locate(HOSTSHARING)

    assert location.source == "nominatim"
    assert location.precision == "address"
    assert km_between(location, (53.6289, 10.0158)) < 0.01
    [request] = nominatim.requests
    assert request["street"] == "Flughafenstraße 52a"
    assert request["postalcode"] == "22335"
    assert request["city"] == "Hamburg"
    assert request["countrycodes"] == "de"
    assert request["addressdetails"] == "1"
    assert nominatim.user_agents == [settings.GEOCODER_USER_AGENT]


@pytest.mark.parametrize(("typed", "sent"), [("HH", "Hamburg"), ("Hamborg", None)])
def test_state_is_sent_to_the_service_only_in_its_official_spelling(nominatim, typed, sent):
    location = locate(replace(HOSTSHARING, state=typed))

    assert location.precision == "address"
    assert nominatim.requests[0].get("state") == sent


def test_street_without_house_number_counts_as_postal_code_precision(nominatim):
    location = locate(Address(street="Mehringplatz", postal_code="10969", city="Berlin"))

    assert location.source == "nominatim"
    assert location.precision == "postal_code"


def test_village_only_the_service_knows_is_located_at_city_precision(nominatim):
    location = locate(KLEINKLECKERSDORF)

    assert location.source == "nominatim"
    assert location.precision == "city"


def test_place_the_service_does_not_find_is_found_in_the_gazetteer(nominatim):
    location = locate(SAARBRUECKEN)

    assert location.source == "offline"
    assert location.precision == "postal_code"
    assert len(nominatim.requests) == 1


def test_place_nobody_knows_is_not_found(nominatim):
    assert locate(Address(city="Xyzzyhausen")) is None


def test_cache_spares_a_second_request_for_the_same_address(nominatim):
    first = locate(HOSTSHARING)
    second = locate(Address(street="  FLUGHAFENSTRASSE 52A ", postal_code="22335 ", city="hamburg"))

    assert second == first
    assert len(nominatim.requests) == 1


def test_misses_are_cached_too(nominatim):
    assert locate(Address(city="Xyzzyhausen")) is None
    assert locate(Address(city="Xyzzyhausen")) is None

    assert len(nominatim.requests) == 1


def test_misses_are_kept_for_a_shorter_time_than_hits(nominatim, settings):
    settings.GEOCODER_CACHE_MISS_SECONDS = 0  # "expire at once"

    locate(HOSTSHARING)
    locate(HOSTSHARING)
    locate(Address(city="Xyzzyhausen"))
    locate(Address(city="Xyzzyhausen"))

    assert [request.get("city") for request in nominatim.requests] == [
        "Hamburg",
        "Xyzzyhausen",
        "Xyzzyhausen",
    ]


def test_rate_limiter_spaces_the_requests(nominatim, settings):
    settings.GEOCODER_MIN_DELAY_SECONDS = 0.3

    for city in ("Aachen", "Bonn", "Celle", "Dessau"):
        locate(Address(street="Marktplatz 1", city=city))

    times = nominatim.request_times
    assert len(times) == 4
    # The limiter spaces the calls' starts; their arrival here varies by a few milliseconds.
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.2
    assert times[-1] - times[0] >= 0.85


def test_service_outage_with_a_street_gives_the_coarser_gazetteer_position_for_now(nominatim):
    nominatim.status = 503

    location = locate(HOSTSHARING)
    again = locate(HOSTSHARING)

    assert location.precision == "postal_code"
    assert location.source == OFFLINE_FALLBACK
    assert km_between(location, (53.6195, 10.0143)) < 1
    assert again == location
    assert len(nominatim.requests) == 2, "a stand-in position is not cached"


def test_refused_connection_without_a_street_gives_the_gazetteer_position(nominatim):
    nominatim.refuse_connections()

    location = locate(SAARBRUECKEN)

    assert location.precision == "postal_code"
    assert location.source == "offline", "the service could not have done better"


def test_timeout_counts_as_an_outage(nominatim, settings):
    settings.GEOCODER_TIMEOUT_SECONDS = 0.2
    nominatim.latency = 1.0

    location = locate(HOSTSHARING)

    assert location.source == OFFLINE_FALLBACK


def test_outage_for_a_place_only_the_service_knows_asks_to_retry_later(nominatim):
    nominatim.status = 503

    with pytest.raises(GeocoderUnavailableError):
        locate(KLEINKLECKERSDORF)

    nominatim.status = 200
    assert locate(KLEINKLECKERSDORF).source == "nominatim"


@pytest.mark.parametrize("status", [400, 403])
def test_service_rejecting_our_requests_falls_back_to_the_gazetteer_for_good(
    nominatim, status, caplog
):
    nominatim.status = status

    assert locate(HOSTSHARING).source == "offline"
    assert locate(KLEINKLECKERSDORF) is None
    assert "check its settings" in caplog.text


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"addresstype": "building", "place_rank": 30}, "address"),
        ({"type": "house", "address": {"house_number": "8"}}, "address"),
        ({"addresstype": "road", "place_rank": 26}, "postal_code"),
        ({"addresstype": "postcode", "place_rank": 21}, "postal_code"),
        ({"addresstype": "city", "place_rank": 16}, "city"),
        ({"properties": {"type": "house", "housenumber": "8"}}, "address"),
        ({"properties": {"type": "street"}}, "postal_code"),
        ({"properties": {"type": "city"}}, "city"),
        ({}, "city"),
    ],
)
def test_precision_is_judged_from_what_the_service_reports(raw, precision):
    assert judge_precision(raw) == precision


def test_13_the_throttle_is_shared_and_cached_answers_never_wait(nominatim, settings):
    # Two workers are two processes: each has its own geocoder, but the turn is in the cache.
    from django.core.cache import cache

    from directory.geo import geocoding

    settings.GEOCODER_MIN_DELAY_SECONDS = 1.0
    cache.clear()
    clock, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    geocoding.wait_for_turn("nominatim", 1.0, clock=lambda: clock[0], sleep=sleep)
    assert slept == []  # the first goes at once
    # The second, from "another process", waits (here until the fake deadline passes).
    geocoding.wait_for_turn("nominatim", 1.0, clock=lambda: clock[0], sleep=sleep)
    assert sum(slept) >= geocoding.THROTTLE_MAX_WAIT_SECONDS - 0.1
    cache.clear()
    locate(Address(street="Marktplatz 1", city="Aachen"))
    started = time.monotonic()
    for _ in range(5):
        locate(Address(street="Marktplatz 1", city="Aachen"))
    assert time.monotonic() - started < 0.5
    assert len(nominatim.request_times) == 1
