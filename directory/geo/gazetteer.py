"""The offline gazetteer: German postal codes and places, and European cities, from GeoNames.

The data are the compact files in ``fixtures/gazetteer/`` that ``directory/geo/gazetteer_build.py``
makes from the GeoNames extracts shipped by PyPI packages (GeoNames, CC BY 4.0). Each part is
read once per process, on the first lookup that needs it: German postal codes in ~0.1 s, German
places in ~0.3 s (15 MB in all), a European country's cities in well under a second. Every
lookup after that is a few dictionary accesses.

This module is plain Python (no Django, no geopy) so that the build script can share its name
folding and state tables; ``directory.geo.geocoding`` puts it behind geopy's ``Geocoder`` interface.
"""

from __future__ import annotations

import gzip
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from coopmap.text import fold

DATA_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "gazetteer"
POSTAL_CODES_FILE = "de_postal_codes.tsv.gz"
PLACE_FILES = ("de_places.tsv.gz", "europe_cities.tsv.gz")
ALTERNATE_SEPARATOR = "|"
POSTAL_CODE_COLUMNS = ("country", "postal_code", "place", "state", "latitude", "longitude")
PLACE_COLUMNS = (
    "country",
    "name",
    "state",
    "latitude",
    "longitude",
    "population",
    "alternate_names",
)

GERMAN_STATES = (
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
)
# Other spellings of the German states (English names, official titles, abbreviations), as
# they appear in GeoNames and in what people type.
GERMAN_STATE_VARIANTS = {
    "Baden-Württemberg": ("BW", "Baden-Wuerttemberg"),
    "Bayern": ("BY", "Bavaria", "Freistaat Bayern"),
    "Berlin": ("BE", "Land Berlin"),
    "Brandenburg": ("BB", "Land Brandenburg"),
    "Bremen": ("HB", "Freie Hansestadt Bremen"),
    "Hamburg": ("HH", "Freie und Hansestadt Hamburg"),
    "Hessen": ("HE", "Hesse"),
    "Mecklenburg-Vorpommern": ("MV", "Mecklenburg-Western Pomerania"),
    "Niedersachsen": ("NI", "Lower Saxony"),
    "Nordrhein-Westfalen": ("NW", "NRW", "North Rhine-Westphalia"),
    "Rheinland-Pfalz": ("RP", "Rhineland-Palatinate"),
    "Saarland": ("SL",),
    "Sachsen": ("SN", "Saxony", "Freistaat Sachsen"),
    "Sachsen-Anhalt": ("ST", "Saxony-Anhalt"),
    "Schleswig-Holstein": ("SH",),
    "Thüringen": ("TH", "Thuringia", "Freistaat Thüringen"),
}
# GeoNames' first-order administrative codes of Germany (admin1CodesASCII.txt).
GERMAN_STATE_BY_ADMIN1_CODE = {
    "01": "Baden-Württemberg",
    "02": "Bayern",
    "03": "Bremen",
    "04": "Hamburg",
    "05": "Hessen",
    "06": "Niedersachsen",
    "07": "Nordrhein-Westfalen",
    "08": "Rheinland-Pfalz",
    "09": "Saarland",
    "10": "Schleswig-Holstein",
    "11": "Brandenburg",
    "12": "Mecklenburg-Vorpommern",
    "13": "Sachsen",
    "14": "Sachsen-Anhalt",
    "15": "Thüringen",
    "16": "Berlin",
}


def name_keys(name: str) -> set[str]:
    """Return every key under which a place called ``name`` is found.

    Both "muenchen" and "munchen" for "München": people write umlauts either way in ASCII.
    """
    keys = {fold(name), fold(name, umlauts=False)}
    keys.discard("")
    return keys


_STATE_BY_KEY = {
    fold(spelling): state
    for state, variants in GERMAN_STATE_VARIANTS.items()
    for spelling in (state, *variants)
}


def canonical_state(state: str) -> str:
    """Return the German name of a German federal state however it is spelled, else ``""``."""
    return _STATE_BY_KEY.get(fold(state), "") if state else ""


def german_state(*, postal_code: str = "", city: str = "") -> str:
    """Return the German federal state of a postal code, else of a town whose name is found in
    one state only ("" when neither tells)."""
    gazetteer = get_gazetteer()
    area = gazetteer.postal_code(postal_code, "DE") if postal_code.strip() else None
    if area and area.state:
        return area.state
    if city.strip():
        states = {place.state for place in gazetteer.places_named(city, "DE")}
        if len(states) == 1:
            return canonical_state(states.pop())
    return ""


def normalize_postal_code(postal_code: str, country: str) -> str:
    """Return a postal code as GeoNames writes it ("D-1067" -> "01067" in Germany)."""
    code = re.sub(r"\s+", "", postal_code).upper()
    if country == "DE":
        code = re.sub(r"^(DE|D)-?", "", code)
        if code.isdigit() and len(code) == 4:
            code = "0" + code  # spreadsheets drop the leading zero of Saxon postal codes
    return code


@dataclass(frozen=True, slots=True)
class Place:
    """A town, city or village: where its name points."""

    country: str
    name: str
    state: str
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True, slots=True)
class PostalCode:
    """The centre of a postal code area."""

    country: str
    postal_code: str
    place: str
    state: str
    latitude: float
    longitude: float


class Gazetteer:
    """Postal codes and places, indexed by country and folded name.

    Everything is read on the first lookup that needs it, and places are indexed one country
    at a time: a German address never indexes the European cities, an Italian one only Italy's.
    """

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.data_dir = data_dir
        self._postal_codes: dict[tuple[str, str], PostalCode] | None = None
        # file name -> country -> the file's lines about that country, not yet parsed
        self._place_lines: dict[str, dict[str, list[str]]] = {}
        # country -> {key -> places called so, the most populous first}
        self._places: dict[str, dict[str, Place | tuple[Place, ...]]] = {}
        self._lock = threading.RLock()

    def postal_code(self, postal_code: str, country: str) -> PostalCode | None:
        """Return the postal code area of ``postal_code`` in ``country``, if known."""
        if self._postal_codes is None:
            with self._lock:
                if self._postal_codes is None:
                    self._postal_codes = self._read_postal_codes()
        return self._postal_codes.get((country, normalize_postal_code(postal_code, country)))

    def places_named(self, name: str, country: str, state: str = "") -> list[Place]:
        """Return the places of ``country`` called ``name``, the likeliest first.

        With ``state`` (a German federal state in any spelling), only German places in that
        state; other countries' places carry no state here, so it is ignored for them.
        A name with a district or qualifier ("Berlin-Kreuzberg", "Frankfurt (Oder)") that is not
        known as a whole falls back to its first part; "Neustadt" in Hesse also finds
        "Neustadt (Hessen)".
        """
        index = self._country_index(country)
        wanted_state = canonical_state(state) if country == "DE" else ""
        keys = _candidate_keys(name)
        if wanted_state:
            keys.insert(1, fold(f"{name} {wanted_state}"))
        for key in keys:
            places = index.get(key, ())
            found = [
                place
                for place in (places if isinstance(places, tuple) else (places,))
                if not wanted_state or place.state == wanted_state
            ]
            if found:
                return found
        return []

    def load_all(self) -> None:
        """Read and index everything now (to measure it, or before forking workers)."""
        self.postal_code("", "DE")
        for filename in PLACE_FILES:
            for country in self._lines_by_country(filename):
                self._country_index(country)

    def _country_index(self, country: str) -> dict[str, Place | tuple[Place, ...]]:
        if country not in self._places:
            with self._lock:
                if country not in self._places:
                    german_places, european_cities = PLACE_FILES
                    filename = german_places if country == "DE" else european_cities
                    lines = self._lines_by_country(filename).get(country, [])
                    self._places[country] = _index_places(lines)
        return self._places[country]

    def _lines_by_country(self, filename: str) -> dict[str, list[str]]:
        if filename not in self._place_lines:
            with self._lock:
                if filename not in self._place_lines:
                    lines_by_country: dict[str, list[str]] = {}
                    with _open_tsv(self.data_dir / filename, PLACE_COLUMNS) as file:
                        for line in file:
                            country = line[: line.index("\t")]
                            lines_by_country.setdefault(country, []).append(line)
                    self._place_lines[filename] = lines_by_country
        return self._place_lines[filename]

    def _read_postal_codes(self) -> dict[tuple[str, str], PostalCode]:
        postal_codes = {}
        with _open_tsv(self.data_dir / POSTAL_CODES_FILE, POSTAL_CODE_COLUMNS) as file:
            for line in file:
                country, code, place, state, latitude, longitude = line.rstrip("\n").split("\t")
                postal_codes[country, code] = PostalCode(
                    country=sys.intern(country),
                    postal_code=code,
                    place=place,
                    state=sys.intern(state),
                    latitude=float(latitude),
                    longitude=float(longitude),
                )
        return postal_codes


def _index_places(lines: list[str]) -> dict[str, Place | tuple[Place, ...]]:
    index: dict[str, list[Place]] = {}
    for line in lines:
        country, name, state, latitude, longitude, population, alternates = line.rstrip("\n").split(
            "\t"
        )
        place = Place(
            country=sys.intern(country),
            name=name,
            state=sys.intern(state),
            latitude=float(latitude),
            longitude=float(longitude),
            population=int(population or 0),
        )
        keys = name_keys(name)
        for alternate in alternates.split(ALTERNATE_SEPARATOR) if alternates else ():
            keys |= name_keys(alternate)
        for key in keys:
            index.setdefault(key, []).append(place)
    return {key: _by_population(places) for key, places in index.items()}


def _open_tsv(path: Path, columns: tuple[str, ...]):
    """Open a gazetteer file positioned after its header, which must name ``columns``."""
    file = gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 - the caller closes it
    header = tuple(file.readline().rstrip("\n").split("\t"))
    if header != columns:
        file.close()
        raise ValueError(f"{path} has columns {header}, expected {columns}: rebuild it")
    return file


def _by_population(places: list[Place]) -> Place | tuple[Place, ...]:
    # Most keys name one place: store it bare rather than in a tuple (saves ~8 MB).
    if len(places) == 1:
        return places[0]
    return tuple(sorted(places, key=lambda place: -place.population))


def _candidate_keys(name: str) -> list[str]:
    keys = [fold(name)]
    head = re.split(r"[-/,(]", name, maxsplit=1)[0]
    if head != name and fold(head):
        keys.append(fold(head))
    return [key for key in keys if key]


_gazetteer = Gazetteer()


def get_gazetteer() -> Gazetteer:
    """Return the process's gazetteer (its files are read on first use)."""
    return _gazetteer
