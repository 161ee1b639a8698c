"""Issue 9, items 7 and 8: plain JSON and JSON Lines are imported; hostile files get a clear
message in bounded time and memory instead of a 500."""

import json

import pytest

from directory import imports
from directory.imports import ImportFileError

# Two rows of the Internet of Ownership directory export (a plain JSON array).
IOO = [
    {
        "Name": "Loconomics",
        "Website": "https://loconomics.com",
        "Location": "San Francisco",
        "Category": "platform co-op",
        "Status": "closed",
        "geo": {"lat": 37.77, "lng": -122.42},
    },
    {"Name": "Stocksy United", "Website": "https://stocksy.com", "Location": "Victoria"},
]


def test_7_a_plain_json_array_is_read_like_csv_with_dotted_nested_keys():
    table = imports.read_table(json.dumps(IOO).encode(), filename="ioo.json")
    assert table.format == "json"
    assert table.columns[:6] == ["Name", "Website", "Location", "Category", "Status", "geo.lat"]
    assert table.records[0].values["geo.lng"] == "-122.42"
    wrapped = json.dumps({"organizations": IOO}).encode()
    assert len(imports.read_table(wrapped, filename="ioo.json").records) == 2


def test_7_json_lines_are_read_one_object_per_line():
    data = "\n".join(json.dumps(item) for item in IOO).encode()
    table = imports.read_table(data, filename="ioo.jsonl")
    assert [record.values["Name"] for record in table.records] == ["Loconomics", "Stocksy United"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested more than 20 levels"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            + '{"a": ' * 20_000
            + "1"
            + "}" * 20_000
            + "}]}",
            "nested more than 20 levels",
        ),
        ('[{"lat": 1' + "0" * 400 + "}]", "number of 401 digits"),
        ('[{"lat": 1' + "0" * 5000 + "}]", "number of 5001 digits"),
        ('[{"lat": NaN}]', "NaN, which is no number"),
    ],
)
def test_8_hostile_json_gets_a_clear_message(data, message):
    with pytest.raises(ImportFileError, match=message):
        imports.read_table(data.encode(), filename="x.json")


@pytest.mark.parametrize(
    "geometry",
    [{"type": "Point", "coordinates": {"x": 1}}, {"type": "LineString", "coordinates": [{}, {}]}],
)
def test_8_odd_geometries_reject_the_row_not_the_upload(geometry):
    data = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "A"}, "geometry": geometry}],
    }
    table = imports.read_table(json.dumps(data).encode(), filename="x.geojson")
    assert table.records[0].rejection.code == "coordinates_invalid"


def test_8_a_csv_of_100000_columns_is_refused_with_the_limit():
    data = (",".join(f"c{i}" for i in range(100_000)) + "\n" + "x," * 99_999 + "x\n").encode()
    with pytest.raises(ImportFileError, match="100000 columns; at most 500"):
        imports.read_table(data, filename="wide.csv")


def test_8_huge_cells_are_cut():
    data = ("Name,Description\nA," + "y" * 100_000 + "\n").encode()
    table = imports.read_table(data, filename="big.csv")
    assert len(table.records[0].values["Description"]) == imports.reading.MAX_CELL_CHARACTERS


def test_7_artefacts_are_rejected_and_html_entities_read():
    data = b"Name,City\nMapsTooltip - stringFilter - Hidden,X\n#NAME?,Y\nBob&#39;s Bikes Co-op,Z\n"
    table = imports.read_table(data, filename="ioo.csv")
    options = imports.options_for(table)
    rows = [imports.normalize_record(r, options, kind="cooperative") for r in table.records]
    assert [row.rejection.code if row.rejection else None for row in rows] == [
        "name_artefact",
        "name_artefact",
        None,
    ]
    assert rows[2].values["name"] == "Bob's Bikes Co-op"
