"""Read lists of organizations (CSV, GeoJSON) and turn their rows into directory entries.

The modules, in the order a file passes them:

- ``reading``: ``read_table`` decodes and parses a file into records;
- ``mapping``: ``guess_mapping`` proposes which column feeds which field (``ImportOptions``);
- ``cleaning``: ``normalize_record`` turns one record into a ``Row`` (clean values, a position,
  warnings, or a rejection);
- ``duplicates``: ``DuplicateIndex`` finds rows that describe an organization already seen, and
  ``likely_duplicates`` the entries a new signup probably duplicates;
- ``services`` writes what they decide (jobs, sources, entries), ``views`` and ``forms`` are the
  managers' pages.

``notes``, ``reading``, ``mapping``, ``cleaning`` and ``duplicates`` are pure: no database writes,
no views. Their public names are re-exported here (``from directory import imports``).
"""

from .cleaning import (
    IMPORTED_FIELDS,
    TEXT_FIELDS,
    Row,
    normalize_record,
    resolve_country,
    values_checksum,
)
from .duplicates import (
    NAME_SIMILARITY,
    NEARBY_KM,
    Candidate,
    DuplicateIndex,
    Match,
    likely_duplicates,
    name_key,
    name_similarity,
    nearby_box,
    organization_candidate,
    reason_notes,
    register_key,
    site_key,
    town_key,
)
from .mapping import TARGETS, ImportOptions, Target, fold_header, guess_mapping, options_for
from .notes import NOTES, ImportFileError, Note, describe, field_label
from .reading import GEOMETRY, Record, Table, detect_format, read_table

__all__ = [
    "GEOMETRY",
    "IMPORTED_FIELDS",
    "NAME_SIMILARITY",
    "NEARBY_KM",
    "NOTES",
    "TARGETS",
    "TEXT_FIELDS",
    "Candidate",
    "DuplicateIndex",
    "ImportFileError",
    "ImportOptions",
    "Match",
    "Note",
    "Record",
    "Row",
    "Table",
    "Target",
    "describe",
    "detect_format",
    "field_label",
    "fold_header",
    "guess_mapping",
    "likely_duplicates",
    "name_key",
    "name_similarity",
    "nearby_box",
    "normalize_record",
    "options_for",
    "organization_candidate",
    "read_table",
    "reason_notes",
    "register_key",
    "resolve_country",
    "site_key",
    "town_key",
    "values_checksum",
]
