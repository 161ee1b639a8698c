"""Open data: the published directory as CSV and GeoJSON, public fields only, streamed.

Both formats carry the same fields, read from the database in chunks so that memory stays flat
however large the directory grows. The private contact (``contact_name``, ``contact_email``) is
never even loaded: only ``PUBLIC_FIELDS`` are.
"""

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from coopmap.csvsafe import csv_lines
from coopmap.text import chunked

from .models import Organization, Sector

CHUNK_SIZE = 1000  # rows read from the database at a time
WRITE_SIZE = 200  # rows sent to the client at a time: fewer, larger writes
SLUG_PLACEHOLDER = "__slug__"

# Model fields that the exports load and publish, in the order of the CSV columns.
PUBLIC_FIELDS = (
    "name",
    "slug",
    "kind",
    "legal_form",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
    "website",
    "public_email",
    "public_phone",
    "street",
    "postal_code",
    "city",
    "state",
    "country",
    "latitude",
    "longitude",
    "geocode_precision",
    "founded_year",
    "member_count",
    "register_court",
    "register_number",
)
# The credit that the licence of an imported entry's source requires (ODC-By and the like).
SOURCE_ATTRIBUTION = "import_source__attribution"
COLUMNS = (
    "name",
    "slug",
    "url",
    "kind",
    "legal_form",
    "sectors",
    *PUBLIC_FIELDS[4:],
    "source_attribution",
)


@dataclass(frozen=True)
class License:
    name: str
    title: str
    url: str
    attribution: str


# The Open Database License fits a directory whose positions may come from OpenStreetMap
# (Nominatim, ODbL) as well as from GeoNames (CC BY 4.0, which ODbL data may include).
LICENSE = License(
    name="ODbL-1.0",
    title="Open Data Commons Open Database License (ODbL) 1.0",
    url="https://opendatacommons.org/licenses/odbl/1-0/",
    attribution=(
        "CoopMap, the directory of the Platform Coops network; "
        "positions from GeoNames (CC BY 4.0) and OpenStreetMap contributors (ODbL)"
    ),
)


def public_records(queryset: QuerySet, *, site_url: str) -> Iterator[dict]:
    """Yield the public fields of each organization in ``queryset`` as a dict, in ``COLUMNS``.

    ``sectors`` is a list of sector slugs; ``url`` the profile's address under ``site_url``.
    Rows are read as tuples, not model instances: a hundred thousand of them stream in seconds.
    """
    url_template = site_url + reverse("directory:detail", kwargs={"slug": SLUG_PLACEHOLDER})
    sector_slugs = dict(Sector.objects.values_list("pk", "slug"))
    rows = queryset.values_list("pk", *PUBLIC_FIELDS, SOURCE_ATTRIBUTION)
    # Inside a transaction, PostgreSQL's server-side cursor streams rows as the index yields
    # them; outside one, Django declares it WITH HOLD, which materializes every row before the
    # first (seconds at a million). A failure midway raises: the server then breaks off the
    # chunked response, and the client sees a failed download, not a complete-looking file.
    with transaction.atomic(using=queryset.db):
        yield from _records(rows.iterator(chunk_size=CHUNK_SIZE), url_template, sector_slugs)


def _records(rows: Iterator[tuple], url_template: str, sector_slugs: dict) -> Iterator[dict]:
    for chunk in chunked(rows, CHUNK_SIZE):
        sectors = sector_ids([row[0] for row in chunk])
        for pk, *values, attribution in chunk:
            record = dict(zip(PUBLIC_FIELDS, values, strict=True))
            record["source_attribution"] = attribution or ""
            record["url"] = url_template.replace(SLUG_PLACEHOLDER, record["slug"])
            record["sectors"] = sorted(sector_slugs[sector] for sector in sectors[pk])
            yield {column: record[column] for column in COLUMNS}


def sector_ids(organization_ids: list[int]) -> defaultdict[int, list[int]]:
    """Return the sector ids of each of the organizations, in one query."""
    # No join with the sectors: PostgreSQL then reads the memberships by organization index.
    memberships = Organization.sectors.through.objects.filter(
        organization_id__in=organization_ids
    ).values_list("organization_id", "sector_id")
    ids = defaultdict(list)
    for organization_id, sector_id in memberships:
        ids[organization_id].append(sector_id)
    return ids


def csv_chunks(queryset: QuerySet, *, site_url: str) -> Iterator[str]:
    """Yield the organizations as CSV text: a header line, then one line per organization."""
    rows = (
        [";".join(value) if column == "sectors" else value for column, value in record.items()]
        for record in public_records(queryset, site_url=site_url)
    )
    for lines in chunked(csv_lines(itertools.chain([COLUMNS], rows)), WRITE_SIZE):
        yield "".join(lines)


def geojson_chunks(queryset: QuerySet, *, site_url: str) -> Iterator[str]:
    """Yield the organizations as the text of a GeoJSON FeatureCollection (RFC 7946).

    An organization without a known position is a feature whose geometry is null. The
    licence and attribution are foreign members of the collection.
    """
    header = json.dumps(
        {
            "type": "FeatureCollection",
            "license": LICENSE.url,
            "license_name": LICENSE.title,
            "attribution": LICENSE.attribution,
        }
    )
    yield header[:-1] + ', "features": ['
    for features in chunked(_features(public_records(queryset, site_url=site_url)), WRITE_SIZE):
        yield "".join(features)
    yield "]}\n"


def _features(records: Iterable[dict]) -> Iterator[str]:
    for index, record in enumerate(records):
        longitude, latitude = record.pop("longitude"), record.pop("latitude")
        geometry = (
            {"type": "Point", "coordinates": [longitude, latitude]}
            if latitude is not None and longitude is not None
            else None
        )
        feature = {"type": "Feature", "id": record["slug"], "geometry": geometry}
        feature["properties"] = record
        yield ("," if index else "") + json.dumps(feature, ensure_ascii=False)
