"""Reading lists: encodings, delimiters, GeoJSON, mapping guesses, clean values, duplicates."""

import json

import pytest
from django.utils import translation

from coopmap.csvsafe import neutralize
from directory import imports
from directory.imports import GEOMETRY, ImportFileError, ImportOptions, Record

pytestmark = pytest.mark.django_db  # sectors and field lengths come from the models

GERMAN_CSV = (
    "Bezeichnung;Straße;PLZ;Ort;Land;Webseite;E-Mail;Breitengrad;Längengrad;Rechtsform;Beschreibung\n"
    "Märkte eG;Hauptstraße 1;10115;Berlin;Deutschland;www.maerkte.example;info@maerkte.example;"
    "52,53;13,38;eG;Ein Genossenschaftsmarkt\n"
)


def row_of(values: dict, **option_values) -> imports.Row:
    table = imports.Table(format="csv", columns=list(values), records=[Record(2, values)])
    options = imports.options_for(table)
    for key, value in option_values.items():
        setattr(options, key, value)
    return imports.normalize_record(table.records[0], options, kind="cooperative")


def test_csv_in_windows_1252_with_semicolons_and_german_headers_is_read():
    table = imports.read_table(GERMAN_CSV.encode("cp1252"), filename="liste.csv")
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    row = imports.normalize_record(table.records[0], imports.options_for(table), kind="cooperative")
    assert row.values["name"] == "Märkte eG"
    assert row.values["street"] == "Hauptstraße 1"
    assert row.values["country"] == "DE"
    assert row.values["website"] == "http://www.maerkte.example"
    assert row.values["contact_email"] == "info@maerkte.example"
    assert row.values["legal_form"] == "eg"
    assert row.values["description_de"] == "Ein Genossenschaftsmarkt"
    assert row.position == (52.53, 13.38)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("latin-1", b"")],
)
def test_csv_in_the_encodings_spreadsheets_write_is_read(encoding, prefix):
    text = "Name\tCity\nKöln Kooperative\tKöln\n"
    table = imports.read_table(prefix + text.encode(encoding), filename="list.txt")
    assert table.columns == ["Name", "City"]
    assert table.records[0].values == {"Name": "Köln Kooperative", "City": "Köln"}


def test_quoted_multi_line_fields_stay_one_row_and_become_one_line():
    data = b'Name,Street Address,Postcode\n"A, B & C","Unit 1\nMill Lane",AB1 2CD\nNext,x,y\n'
    table = imports.read_table(data, filename="x.csv")
    assert len(table.records) == 2
    row = imports.normalize_record(table.records[0], imports.options_for(table), kind="cooperative")
    assert row.values["name"] == "A, B & C"
    assert row.values["street"] == "Unit 1, Mill Lane"
    assert table.records[1].number == 3  # the spreadsheet row, header being row 1


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"  \n\n", "blank.csv", "The file is empty."),
        (b"Name,City\n", "header.csv", "no rows below its header"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "list.csv", "spreadsheet workbook"),
        (bytes(range(256)) * 20, "binary.csv", "not readable text"),
        (b'{"type": "FeatureCollection", "features": [', "broken.geojson", "not valid JSON"),
        (b'{"type": "Topology", "objects": {}}', "topo.json", "nor a list of objects"),
        (b"[1, 2, 3]", "list.json", "neither a GeoJSON FeatureCollection"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_reason(data, filename, message):
    with pytest.raises(ImportFileError, match=message):
        imports.read_table(data, filename=filename)


def test_geojson_geometries_other_than_points_are_placed_at_their_centre_or_rejected():
    square = [[[10, 50], [12, 50], [12, 52], [10, 52], [10, 50]]]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Square"},
                "geometry": {"type": "Polygon", "coordinates": square},
            },
            {
                "type": "Feature",
                "properties": {"name": "Line"},
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [2, 2]]},
            },
            {
                "type": "Feature",
                "properties": {"name": "Bag"},
                "geometry": {"type": "GeometryCollection", "geometries": []},
            },
            {"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"name": "Off"},
                "geometry": {"type": "Point", "coordinates": [200, 95]},
            },
        ],
    }
    table = imports.read_table(json.dumps(collection).encode(), filename="x.geojson")
    square_record, line, bag, nowhere, off = table.records
    assert square_record.position == pytest.approx((51, 11))
    assert square_record.position_note.code == "position_centroid"
    assert line.position == pytest.approx((1, 1))
    assert bag.rejection.code == "geometry_unsupported"
    assert nowhere.position is None
    assert nowhere.rejection is None
    assert off.rejection.code == "coordinates_invalid"
    assert table.columns[0] == GEOMETRY


def test_mapping_guesses_read_english_german_and_openstreetmap_headers():
    columns = [
        "Organisation",
        "Street Address",
        "Locality",
        "Postcode",
        "Website",
        "Email",
        "Geo Container Latitude",
        "Geo Container Longitude",
        "Latitude",
        "Longitude",
        "Legal Form",
        "Sector",
        "Country ID",
        "Region",
        "Identifier",
        "Phone",
    ]
    record = Record(2, dict.fromkeys(columns, "x") | {"Latitude": "", "Longitude": ""})
    mapping = imports.guess_mapping(imports.Table("csv", columns, [record]))
    assert mapping["name"] == ["Organisation"]
    assert mapping["city"] == ["Locality"]
    assert mapping["contact_email"] == ["Email"]  # private: never the public address
    assert "public_email" not in mapping
    assert "public_phone" not in mapping
    # The empty "Latitude" column is not chosen over the filled "Geo Container Latitude".
    assert mapping["latitude"] == ["Geo Container Latitude"]
    assert mapping["source_record_id"] == ["Identifier"]
    german = [
        "Bezeichnung",
        "Straße",
        "PLZ",
        "Stadt",
        "Land",
        "Bundesland",
        "Webseite",
        "E-Mail",
        "Branche",
        "Rechtsform",
    ]
    mapping = imports.guess_mapping(
        imports.Table("csv", german, [Record(2, dict.fromkeys(german, "x"))])
    )
    assert {key: columns[0] for key, columns in mapping.items()} == {
        "name": "Bezeichnung",
        "street": "Straße",
        "postal_code": "PLZ",
        "city": "Stadt",
        "country": "Land",
        "state": "Bundesland",
        "website": "Webseite",
        "contact_email": "E-Mail",
        "sectors": "Branche",
        "legal_form": "Rechtsform",
    }
    osm = [
        "name",
        "addr:street",
        "addr:housenumber",
        "addr:postcode",
        "addr:city",
        "addr:country",
        "contact:website",
        "website",
        "contact:email",
    ]
    values = dict.fromkeys(osm, "x") | {"website": ""}
    mapping = imports.guess_mapping(
        imports.Table(
            "geojson", [GEOMETRY, *osm], [Record(1, values), Record(2, dict.fromkeys(osm, "y"))]
        )
    )
    assert mapping["website"] == ["contact:website", "website"]  # the fuller column first
    assert mapping["latitude"] == [GEOMETRY]


def test_a_saved_mapping_is_reused_only_if_its_columns_are_in_the_file():
    table = imports.Table("csv", ["Firm", "Town"], [Record(2, {"Firm": "A", "Town": "B"})])
    saved = ImportOptions(columns={"name": ["Firm"], "city": ["Town"]}, precision="city").as_json()
    assert imports.options_for(table, saved).precision == "city"
    other = imports.Table("csv", ["Name"], [Record(2, {"Name": "A"})])
    assert imports.options_for(other, saved).columns == {"name": ["Name"]}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("DE", "DE"),
        ("deu", "DE"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Österreich", "AT"),
        ("Ελλάδα", "GR"),
        ("Belgique", "BE"),
        ("Portogallo", "PT"),
        ("Frace", "FR"),
        ("ABERDEEN", ""),
    ],
)
def test_country_names_and_codes_become_iso_codes(value, code):
    assert imports.resolve_country(value)[0] == code


def test_placeholders_are_treated_as_empty():
    row = row_of({"Name": "Coop", "Website": "update6", "Email": "-", "City": "n/a"})
    assert (row.values["website"], row.values["contact_email"], row.values["city"]) == ("", "", "")
    assert {note.code for note in row.warnings} == {"placeholder"}


def test_messy_websites_and_emails_are_cleaned_or_left_empty_with_a_reason():
    row = row_of({"Name": "Coop", "Website": "poolarts@googlemail.com", "Email": ""})
    assert row.values["website"] == ""
    assert row.values["contact_email"] == "poolarts@googlemail.com"
    row = row_of(
        {
            "Name": "Coop",
            "Website": "Per Kontaktformular: http://wasdaist.org/kontakt/",
            "Email": "a @ b.org | c@d.org",
        }
    )
    assert row.values["website"] == "http://wasdaist.org/kontakt/"
    assert row.values["contact_email"] == "a@b.org"
    assert "email_several" in {note.code for note in row.warnings}
    row = row_of({"Name": "Coop", "Website": "not a site", "Email": "01865 236119"})
    assert (row.values["website"], row.values["contact_email"]) == ("", "")
    assert {"website_invalid", "email_invalid"} <= {note.code for note in row.warnings}


def test_overlong_values_are_shortened_with_a_reason_and_rows_without_name_rejected():
    row = row_of({"Name": "N" * 250, "Description": "word " * 200})
    assert len(row.values["name"]) == 200
    assert len(row.values["summary_en"]) <= 300
    assert row.values["summary_en"].endswith("…")
    with translation.override("en"):
        assert [str(note) for note in row.warnings] == ["Name shortened to 200 characters."]
    assert row_of({"Name": " ", "City": "Berlin"}).rejection.code == "no_name"


def test_invalid_coordinates_reject_the_row_and_zero_zero_is_no_position():
    assert (
        row_of({"Name": "A", "Latitude": "95", "Longitude": "10"}).rejection.code
        == "coordinates_invalid"
    )
    zero = row_of({"Name": "A", "Latitude": "0", "Longitude": "0"})
    assert zero.position is None
    assert zero.rejection is None


def test_rows_without_an_id_column_get_a_stable_id_from_name_and_town():
    first = row_of({"Name": "The Coop Ltd", "City": "Leeds"})
    again = row_of({"Name": "the coop", "City": "Leeds", "Website": "http://coop.example"})
    assert first.record_id == again.record_id
    assert first.record_id != row_of({"Name": "The Coop", "City": "York"}).record_id


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("The Lowther Club", "Lowther Club Ltd", True),
        ("Gemeinwohlökonomie Wien", "Gemeinwohl-Ökonomie Wien", True),
        ("Grassy  Hopper", "Grassy Hopper", True),
        ("North Camden Housing Co-operative", "South Camden Housing Co-operative", False),
        ("Flamenco Housing Co-operative", "Flame Housing Co-operative", False),
        ("Brixton Energy Solar 1", "Brixton Energy Solar 2", False),
        ("Berkshire Country Markets", "Country Markets", False),
    ],
)
def test_names_are_compared_word_by_word(a, b, same):
    similarity = imports.name_similarity(imports.name_key(a), imports.name_key(b))
    assert (similarity >= imports.NAME_SIMILARITY) is same


def candidate(ref, name, *, website="", register="", position=None, town=""):
    return imports.Candidate(
        ref,
        name,
        imports.name_key(name),
        imports.site_key(website),
        imports.register_key(register, "", "GB"),
        position,
        town,
    )


def test_duplicates_are_found_by_register_entry_website_or_a_similar_name_nearby():
    index = imports.DuplicateIndex(
        [
            candidate(
                1, "Alpha Energy", website="https://www.alpha.example/about", position=(51.5, -0.1)
            ),
            candidate(2, "Beta Bakery", register="IP123R", position=(53.0, -2.0)),
            candidate(3, "Gamma Foods", position=(52.0, 0.0)),
        ]
    )
    assert (
        index.find(candidate(9, "Alpha Energy Co-op", website="http://alpha.example")).rule
        == "website"
    )
    assert index.find(candidate(9, "Renamed Bakery", register="ip 123 r")).ref == 2
    near = index.find(candidate(9, "Gamma Foods Ltd", position=(52.01, 0.01)))
    assert (near.ref, near.rule, near.km) == (3, "name", 1.3)
    assert index.find(candidate(9, "Gamma Foods", position=(52.2, 0.0))) is None  # 22 km away
    # An umbrella website is no proof: its members have names of their own.
    assert index.find(candidate(9, "Delta Energy", website="https://alpha.example")) is None
    # Two register entries are two organizations, however alike.
    assert index.find(candidate(9, "Beta Bakery", register="IP999R", position=(53.0, -2.0))) is None


def test_pages_on_shared_platforms_are_told_apart_by_their_path():
    assert (
        imports.site_key("https://www.facebook.com/pages/Alpha/123")
        == "facebook.com/pages/alpha/123"
    )
    assert imports.site_key("http://en-gb.facebook.com/Alpha/") == "facebook.com/alpha"
    assert imports.site_key("http://www.cds.coop/") == "cds.coop"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+49 30", "'+49 30"),
        ("-1", "'-1"),
        ("@a", "'@a"),
        ("Coop", "Coop"),
        (7, 7),
    ],
)
def test_cells_are_written_so_that_spreadsheets_do_not_run_them(value, safe):
    assert neutralize(value) == safe
