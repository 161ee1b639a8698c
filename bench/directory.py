"""The directory list, profiles and open-data exports at ``BENCH_ORGS`` published organizations.

Each page is measured through the whole stack (the test client, median of 5 after a warm-up)
against two baselines of the same run: a trivial JSON view (the floor of any response) and the
bare SQL of the same page, i.e. the statements the page ran, executed again on a cursor. The
exports are timed once to the first byte and to the last, against reading the same rows bare.

Organizations: names from a small vocabulary with a number, 80 % of the summaries speak of a
"Genossenschaft" (a common word), one in 10,000 of an "Imkerei" (a rare one), cities across
Germany with their states and positions, half of them in a sector. On PostgreSQL they are
loaded by one ``INSERT … SELECT … generate_series`` (the stored search text and folded name
computed from folded vocabularies, as ``Organization.update_search_fields`` would), elsewhere
by ``bulk_create``; SQLite is skipped above ``BENCH_SQLITE_MAX_ORGS`` (default 100,000).
"""

from __future__ import annotations

import os
import time

from django.db import connection, reset_queries
from django.http import JsonResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone

from bench import measure, print_table
from coopmap.urls import urlpatterns as project_urlpatterns
from directory.models import Organization, Sector
from directory.search import search_fold

ORGANIZATIONS = int(os.environ.get("BENCH_ORGS", 100_000))
SQLITE_MAX = int(os.environ.get("BENCH_SQLITE_MAX_ORGS", 100_000))
EXPORTS = os.environ.get("BENCH_EXPORTS", "1") != "0"

FIRST_WORDS = ["Kollektiv", "Plattform", "Netz", "Werk", "Cloud", "Daten", "Rad", "Markt"]
SECOND_WORDS = ["Nord", "Süd", "Hosting", "Kurier", "Energie", "Lernen", "Wohnen", "Medien"]
LEGAL_SUFFIX = ["eG", "eG", "SCE", "gGmbH", "GmbH", "UG"]
LEGAL_FORMS = ["eg", "eg", "sce", "ggmbh", "gmbh", "ug"]
KINDS = ["platform_coop", "cooperative", "network_partner", "supporter", "initiative"]
TOPICS = ["Software", "Beratung", "Logistik", "Bildung", "Gesundheit", "Landwirtschaft"]
# (city, postal code, state, latitude, longitude)
CITIES = [
    ("Berlin", "10969", "Berlin", 52.520, 13.405),
    ("Hamburg", "20095", "Hamburg", 53.551, 9.994),
    ("München", "80331", "Bayern", 48.137, 11.575),
    ("Köln", "50667", "Nordrhein-Westfalen", 50.938, 6.960),
    ("Frankfurt am Main", "60311", "Hessen", 50.110, 8.682),
    ("Stuttgart", "70173", "Baden-Württemberg", 48.776, 9.183),
    ("Leipzig", "04109", "Sachsen", 51.340, 12.375),
    ("Nürnberg", "90402", "Bayern", 49.452, 11.077),
    ("Kassel", "34117", "Hessen", 51.317, 9.500),
    ("Saarbrücken", "66111", "Saarland", 49.233, 7.010),
    ("Kiel", "24103", "Schleswig-Holstein", 54.323, 10.123),
    ("Rostock", "18055", "Mecklenburg-Vorpommern", 54.092, 12.099),
]

CASES = [
    ("list", {}),
    ("q common (genossenschaft)", {"q": "genossenschaft"}),
    ("q rare (imkerei)", {"q": "imkerei"}),
    ("q place (München)", {"q": "München"}),
    ("q two words", {"q": "Kollektiv Hosting"}),
    ("kind", {"kind": "supporter"}),
    ("state", {"state": "Bayern"}),
    ("q + kind + state", {"q": "genossenschaft", "kind": "cooperative", "state": "Hessen"}),
    ("page 50 (last)", {"page": "50"}),
    ("page 2000 (capped)", {"page": "2000"}),
    ("newest", {"order": "newest"}),
    ("near Kassel 50 km", {"near": "Kassel", "km": "50"}),
    ("near Berlin 50 km", {"near": "Berlin", "km": "50"}),
    ("near Berlin + q", {"near": "Berlin", "km": "50", "q": "hosting"}),
]


def floor(request):
    return JsonResponse({"organizations": [], "total": 0})


urlpatterns = [path("bench/floor/", floor), *project_urlpatterns]


def load(count: int) -> None:
    sectors = [
        Sector.objects.create(slug=f"sector-{n}", name_de=f"Branche {n}", name_en=f"Sector {n}")
        for n in range(12)
    ]
    if connection.vendor == "postgresql":
        load_postgresql(count, [sector.pk for sector in sectors])
    else:
        load_orm(count, sectors)


def organization_values(number: int) -> dict:
    first, second = FIRST_WORDS[number % 8], SECOND_WORDS[(number // 8) % 8]
    city, postal_code, state, latitude, longitude = CITIES[(number * 7) % len(CITIES)]
    common = number % 5 != 0
    summary = (
        f"{'Digitale Genossenschaft' if common else 'Verein'} für {TOPICS[number % 6]}"
        f"{' und Imkerei' if number % 10_000 == 0 else ''}"
    )
    return {
        "name": f"{first} {second} {number} {LEGAL_SUFFIX[number % 6]}",
        "slug": f"org-{number}",
        "kind": KINDS[(number // 3) % 5],
        "legal_form": LEGAL_FORMS[number % 6],
        "summary_de": summary,
        "postal_code": postal_code,
        "city": city,
        "state": state,
        "latitude": latitude + ((number * 37) % 1000 / 1000 - 0.5) * 0.8,
        "longitude": longitude + ((number * 53) % 1000 / 1000 - 0.5) * 1.2,
    }


def load_orm(count: int, sectors: list[Sector]) -> None:
    now = timezone.now()
    batch = []
    through = Organization.sectors.through
    for number in range(count):
        organization = Organization(
            **organization_values(number),
            status="published",
            published_at=now - timezone.timedelta(seconds=number),
            geocode_status="located",
            geocode_precision="city",
        )
        organization.update_search_fields()
        batch.append(organization)
        if len(batch) == 5000:
            _insert(batch, sectors, through)
            batch = []
    _insert(batch, sectors, through)


def _insert(batch, sectors, through) -> None:
    Organization.objects.bulk_create(batch)
    through.objects.bulk_create(
        through(organization_id=organization.pk, sector_id=sectors[organization.pk % 12].pk)
        for organization in batch
        if organization.pk % 2 == 0
    )


def load_postgresql(count: int, sector_ids: list[int]) -> None:
    def array(values):
        return "ARRAY[" + ",".join("%s" for _ in values) + "]"

    fields = {
        field.column: field for field in Organization._meta.concrete_fields if field.column != "id"
    }
    first, second = FIRST_WORDS, SECOND_WORDS
    cities = CITIES
    expressions = {
        "name": (
            "f.w[1 + i % 8] || ' ' || s.w[1 + (i / 8) % 8] || ' ' || i || ' ' || l.w[1 + i % 6]"
        ),
        "sort_name": (
            "ff.w[1 + i % 8] || ' ' || sf.w[1 + (i / 8) % 8] || ' ' || i || ' ' || lf.w[1 + i % 6]"
        ),
        "slug": "'org-' || i",
        "kind": "k.w[1 + (i / 3) % 5]",
        "legal_form": "lg.w[1 + i % 6]",
        "summary_de": (
            "CASE WHEN i % 5 <> 0 THEN 'Digitale Genossenschaft' ELSE 'Verein' END || ' für ' "
            "|| t.w[1 + i % 6] || CASE WHEN i % 10000 = 0 THEN ' und Imkerei' ELSE '' END"
        ),
        "postal_code": "pc.w[1 + (i * 7) % {n}]",
        "city": "c.w[1 + (i * 7) % {n}]",
        "state": "st.w[1 + (i * 7) % {n}]",
        "latitude": "la.v[1 + (i * 7) % {n}] + ((i * 37) % 1000 / 1000.0 - 0.5) * 0.8",
        "longitude": "lo.v[1 + (i * 7) % {n}] + ((i * 53) % 1000 / 1000.0 - 0.5) * 1.2",
        "search_text": (
            "' ' || ff.w[1 + i % 8] || ' ' || sf.w[1 + (i / 8) % 8] || ' ' || i || ' ' "
            "|| lf.w[1 + i % 6] || ' ' || pc.w[1 + (i * 7) % {n}] || ' ' "
            "|| cf.w[1 + (i * 7) % {n}] || ' ' || sst.w[1 + (i * 7) % {n}] || ' ' "
            "|| CASE WHEN i % 5 <> 0 THEN 'digitale genossenschaft' ELSE 'verein' END "
            "|| ' fur ' || tf.w[1 + i % 6] "
            "|| CASE WHEN i % 10000 = 0 THEN ' und imkerei' ELSE '' END || ' '"
        ),
        "status": "'published'",
        "published_at": "now() - i * interval '1 second'",
        "created_at": "now() - i * interval '1 second'",
        "updated_at": "now()",
        "geocode_status": "'located'",
        "geocode_precision": "'city'",
        "country": "'DE'",
    }
    columns, selects, params = [], [], []
    for column, field in fields.items():
        columns.append(connection.ops.quote_name(column))
        if column in expressions:
            # "%" is psycopg's placeholder sign: the modulo operator is written "%%".
            selects.append(expressions[column].replace("{n}", str(len(cities))).replace("%", "%%"))
        elif field.null:
            selects.append("NULL")
        else:
            selects.append("%s")
            params.append(field.get_default())
    words = {
        "f": first,
        "s": second,
        "l": LEGAL_SUFFIX,
        "ff": [search_fold(word) for word in first],
        "sf": [search_fold(word) for word in second],
        "lf": [search_fold(word) for word in LEGAL_SUFFIX],
        "k": KINDS,
        "lg": LEGAL_FORMS,
        "t": TOPICS,
        "tf": [search_fold(word) for word in TOPICS],
        "pc": [city[1] for city in cities],
        "c": [city[0] for city in cities],
        "cf": [search_fold(city[0]) for city in cities],
        "st": [city[2] for city in cities],
        "sst": [search_fold(city[2]) for city in cities],
    }
    numbers = {"la": [city[3] for city in cities], "lo": [city[4] for city in cities]}
    sources = [
        f"(SELECT {array(values)}::text[] AS w) AS {alias}" for alias, values in words.items()
    ]
    sources += [
        f"(SELECT {array(values)}::float8[] AS v) AS {alias}" for alias, values in numbers.items()
    ]
    source_params = [value for values in words.values() for value in values]
    source_params += [value for values in numbers.values() for value in values]
    # Only our own column names and placeholders are formatted in; the values are parameters.
    sql = (
        f"INSERT INTO directory_organization ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM generate_series(0, %s) AS i, {', '.join(sources)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count - 1, *source_params])
        cursor.execute(
            "INSERT INTO directory_organization_sectors (organization_id, sector_id) "
            "SELECT id, (%s::bigint[])[1 + id %% 12] FROM directory_organization WHERE id %% 2 = 0",
            [sector_ids],
        )
        cursor.execute("ANALYZE")


def bare_sql(queries: list[dict]) -> float:
    """Return the median time of running ``queries`` (captured SQL) again on a cursor."""

    def run():
        with connection.cursor() as cursor:
            for query in queries:
                sql = query["sql"]
                if sql.startswith(("SAVEPOINT", "RELEASE", "DECLARE", "FETCH", "CLOSE")):
                    continue
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()

    return measure(run)


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


@override_settings(ROOT_URLCONF="bench.directory")
def measure_pages() -> None:
    client = Client()
    floor_time = measure(lambda: client.get("/bench/floor/"))
    rows = []
    for label, params in [*CASES, ("profile", None)]:
        url = f"/directory/org-{ORGANIZATIONS // 2}/" if params is None else "/directory/"

        def page(url=url, params=params, label=label):
            response = client.get(url, params or {})
            assert response.status_code == 200, (label, response.status_code)

        reset_queries()  # a full log (a deque) would capture nothing
        with CaptureQueriesContext(connection) as captured:
            page()
        queries = list(captured.captured_queries)  # the next requests clear the log
        page_time = measure(page)
        sql_time = bare_sql(queries)
        rows.append(
            [
                label,
                milliseconds(page_time),
                milliseconds(sql_time),
                len(queries),
                f"{page_time / floor_time:.0f}×",
            ]
        )
    print(f"floor (trivial JSON view): {milliseconds(floor_time)} ms")
    print_table(["page", "median ms", "bare SQL ms", "queries", "× floor"], rows)


@override_settings(ROOT_URLCONF="bench.directory")
def measure_exports() -> None:
    client = Client()
    rows = []
    for name in ("csv", "geojson"):
        started = time.perf_counter()
        response = client.get(f"/directory/export.{name}")
        content = iter(response.streaming_content)
        size = len(next(content))
        first_byte = time.perf_counter() - started
        size += sum(len(chunk) for chunk in content)
        total = time.perf_counter() - started
        rows.append([name, f"{first_byte:.2f}", f"{total:.1f}", f"{size / 1e6:.0f}"])
    started = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        for _ in Organization.objects.published().values_list().iterator(chunk_size=1000):
            pass
    bare = time.perf_counter() - started
    rows.append(["bare rows (cursor)", "", f"{bare:.1f}", ""])
    print_table(["export", "first byte s", "total s", "MB"], rows)


def run() -> None:
    if connection.vendor == "sqlite" and ORGANIZATIONS > SQLITE_MAX:
        print(f"skipped: {ORGANIZATIONS:,} organizations exceed BENCH_SQLITE_MAX_ORGS")
        return
    started = time.perf_counter()
    load(ORGANIZATIONS)
    print(f"{ORGANIZATIONS:,} organizations loaded in {time.perf_counter() - started:.0f} s")
    measure_pages()
    if EXPORTS:
        measure_exports()
