"""Benchmarks: each module here measures one thing against a baseline of the same run.

A benchmark is a module in this package (a name without a leading underscore) that defines
``run() -> None`` and prints its figures. ``python -m bench`` (``make bench``) runs each of them
in a fresh process per database: a temporary SQLite file always, and a temporary PostgreSQL
database next to ``DATABASE_URL`` when that is set. Timings are printed, never asserted.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def measure(function: Callable[[], object], *, repeat: int = 5) -> float:
    """Return the median wall time of ``function`` in seconds, after one warm-up call."""
    function()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


@contextmanager
def temporary_database() -> Iterator[None]:
    """Create and migrate a throwaway database on the configured server; drop it afterwards.

    Its name differs from the test suite's, so a benchmark may run while the tests do.
    """
    from django.db import connection

    test_settings = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(tempfile.mkdtemp(prefix="coopmap-bench-")) / "db.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """Print ``rows`` as an aligned plain-text table."""
    cells = [headers, *[[str(value) for value in row] for row in rows]]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]
    for number, row in enumerate(cells):
        print("  ".join(value.rjust(width) for value, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
