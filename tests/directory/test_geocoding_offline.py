"""The offline gazetteer, the embedded default geocoder: postal codes, towns, European cities."""

import gzip

import pytest
from geopy.distance import distance
from geopy.location import Location as GeopyLocation

from directory.geo import gazetteer
from directory.geo.geocoding import Address, OfflineGeocoder, locate

MUNICH = (48.1374, 11.5755)
HAMBURG_FUHLSBUETTEL = (53.63, 10.015)
BOLOGNA = (44.4938, 11.3387)


def km_between(location, point) -> float:
    return distance((location.latitude, location.longitude), point).km


def test_postal_code_is_located_at_its_area_with_postal_code_precision():
    location = locate(Address(street="Flughafenstraße 52a", postal_code="22335", city="Hamburg"))

    assert location.precision == "postal_code"
    assert location.source == "offline"
    assert km_between(location, HAMBURG_FUHLSBUETTEL) < 3


def test_postal_code_alone_is_enough():
    location = locate(Address(postal_code="66111"))

    assert location.precision == "postal_code"
    assert km_between(location, (49.2326, 7.0098)) < 3  # Saarbrücken


@pytest.mark.parametrize("written", ["01067", "1067", "D-01067", " 01067 "])
def test_postal_code_is_found_however_it_is_written(written):
    location = locate(Address(postal_code=written, city="Dresden"))

    assert location.precision == "postal_code"
    assert km_between(location, (51.05, 13.74)) < 3


@pytest.mark.parametrize("city", ["München", "Muenchen", "Munchen", "Munich", "MÜNCHEN"])
def test_town_is_found_in_umlaut_ascii_and_english_spelling(city):
    location = locate(Address(city=city))

    assert location.precision == "city"
    assert location.source == "offline"
    assert km_between(location, MUNICH) < 2


def test_small_german_village_is_found():
    location = locate(Address(city="Schönwölkau", state="Sachsen"))

    assert location.precision == "city"
    assert km_between(location, (51.52, 12.48)) < 5


def test_district_of_a_city_is_found():
    location = locate(Address(city="Berlin-Kreuzberg"))

    assert km_between(location, (52.4997, 13.4034)) < 3


@pytest.mark.parametrize(
    ("city", "country"), [("Bologna", "IT"), ("Bolonia", "IT"), ("bologna", "it")]
)
def test_european_city_is_found_by_name_and_spelling(city, country):
    location = locate(Address(city=city, state="Emilia-Romagna", country=country))

    assert location.precision == "city"
    assert km_between(location, BOLOGNA) < 2


def test_european_city_is_found_by_its_german_name():
    location = locate(Address(city="Wien", country="AT"))

    assert km_between(location, (48.2085, 16.3721)) < 2


def test_larger_town_wins_among_towns_of_the_same_name():
    location = locate(Address(city="Frankfurt"))

    assert km_between(location, (50.1155, 8.6842)) < 2  # am Main, not (Oder)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("Hessen", (50.85, 9.1167)),  # Neustadt (Hessen)
        ("Hesse", (50.85, 9.1167)),
        ("Rheinland-Pfalz", (49.3501, 8.1389)),  # Neustadt an der Weinstraße
        ("", (49.3501, 8.1389)),  # the largest Neustadt
    ],
)
def test_state_tells_towns_of_the_same_name_apart(state, expected):
    location = locate(Address(city="Neustadt", state=state))

    assert km_between(location, expected) < 2


def test_town_in_another_state_than_given_is_not_found():
    assert locate(Address(city="Saarbrücken", state="Bayern")) is None


def test_postal_code_contradicting_the_town_gives_way_to_the_town():
    # 10969 is in Berlin: a typo in the postal code is likelier than one in the town.
    location = locate(Address(postal_code="10969", city="München"))

    assert location.precision == "city"
    assert km_between(location, MUNICH) < 2


def test_unknown_postal_code_falls_back_to_the_town():
    location = locate(Address(postal_code="99999", city="Hamburg"))

    assert location.precision == "city"
    assert km_between(location, (53.5507, 9.9930)) < 2


@pytest.mark.parametrize(
    "address",
    [
        Address(city="Xyzzyhausen"),
        Address(city="Bologna", country="DE"),
        Address(street="Mehringplatz 8"),
        Address(city="Berlin", country="ZZ"),
    ],
)
def test_unknown_place_is_not_found(address):
    assert locate(address) is None


def test_offline_geocoder_speaks_geopys_interface():
    geocoder = OfflineGeocoder()

    one = geocoder.geocode("Mehringplatz 8, 10969 Berlin")
    several = geocoder.geocode({"city": "Neustadt"}, exactly_one=False)

    assert isinstance(one, GeopyLocation)
    assert one.raw["precision"] == "postal_code"
    assert "10969" in one.address
    assert distance(one.point, (52.5025, 13.4012)).km < 1
    assert len(several) > 5
    assert all(location.raw["precision"] == "city" for location in several)
    assert geocoder.geocode("Atlantis") is None


def test_offline_geocoder_reads_a_country_code_at_the_end_of_a_line():
    location = OfflineGeocoder().geocode("Bologna, IT")

    assert distance(location.point, BOLOGNA).km < 2


def test_gazetteer_files_are_small_and_credited():
    files = [gazetteer.DATA_DIR / name for name in gazetteer.PLACE_FILES]
    files.append(gazetteer.DATA_DIR / gazetteer.POSTAL_CODES_FILE)

    assert sum(path.stat().st_size for path in files) < 3_000_000
    assert "CC BY 4.0" in (gazetteer.DATA_DIR / "README.md").read_text()


def test_gazetteer_refuses_a_file_with_other_columns(tmp_path):
    with gzip.open(tmp_path / gazetteer.POSTAL_CODES_FILE, "wt") as file:
        file.write("postal_code\tlatitude\tlongitude\n10969\t52.5\t13.4\n")

    with pytest.raises(ValueError, match="rebuild"):
        gazetteer.Gazetteer(tmp_path).postal_code("10969", "DE")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("Bavaria", "Bayern"), ("BY", "Bayern"), ("nrw", "Nordrhein-Westfalen"), ("Mars", "")],
)
def test_state_names_are_understood_in_any_spelling(typed, canonical):
    assert gazetteer.canonical_state(typed) == canonical


def test_german_state_given_with_a_foreign_city_is_ignored():
    location = locate(Address(city="Bologna", state="Bayern", country="IT"))

    assert km_between(location, BOLOGNA) < 2
