"""Open data: the published directory as CSV and GeoJSON, public fields only, streamed.

Both formats carry the same fields, read from the database in chunks so that memory stays flat
however large the directory grows. The private contact (``contact_name``, ``contact_email``) is
never even loaded: only ``PUBLIC_FIELDS`` are.
"""

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from coopmap.csvsafe import csv_lines

from .models import Sector

CHUNK_SIZE = 1000

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
COLUMNS = ("name", "slug", "url", "kind", "legal_form", "sectors", *PUBLIC_FIELDS[4:])


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
    """
    organizations = (
        queryset.only(*PUBLIC_FIELDS)
        .prefetch_related(Prefetch("sectors", queryset=Sector.objects.only("slug")))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for organization in organizations:
        record = {field: getattr(organization, field) for field in PUBLIC_FIELDS}
        record["url"] = site_url + organization.get_absolute_url()
        record["sectors"] = [sector.slug for sector in organization.sectors.all()]
        yield {column: record[column] for column in COLUMNS}


def csv_chunks(queryset: QuerySet, *, site_url: str) -> Iterator[str]:
    """Yield the organizations as CSV text: a header line, then one line per organization."""
    rows = (
        [";".join(value) if column == "sectors" else value for column, value in record.items()]
        for record in public_records(queryset, site_url=site_url)
    )
    yield from _batched(csv_lines(itertools.chain([COLUMNS], rows)))


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
    yield from _batched(_features(public_records(queryset, site_url=site_url)))
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


def _batched(pieces: Iterable[str], size: int = 200) -> Iterator[str]:
    """Join ``pieces`` in groups of ``size``: fewer, larger writes to the client."""
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)
