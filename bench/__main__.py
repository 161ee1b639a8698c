"""Run the benchmarks: ``python -m bench [NAME ...]`` (all of them by default).

Each benchmark runs in a fresh process per database, so that Django is set up for that database
alone: SQLite always, PostgreSQL too when ``DATABASE_URL`` is set.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import bench

PROJECT_DIR = Path(__file__).resolve().parent.parent


def benchmark_names() -> list[str]:
    """Return the benchmark modules of this package: every module not starting with "_"."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules(bench.__path__)
        if not module.name.startswith("_")
    )


def databases() -> list[tuple[str, dict[str, str]]]:
    """Return each database to run on, with the environment that selects it."""
    sqlite_env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    targets = [("SQLite", sqlite_env)]
    if os.environ.get("DATABASE_URL"):
        targets.append(("PostgreSQL", dict(os.environ)))
    return targets


def run_here(name: str) -> None:
    """Run one benchmark in this process, on a temporary database."""
    import django
    from django.test.utils import setup_test_environment

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopmap.settings")
    django.setup()
    # No DEBUG query log (it would grow with every insert), and the test client may connect.
    setup_test_environment(debug=False)
    with bench.temporary_database():
        importlib.import_module(f"bench.{name}").run()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    names = arguments.names or benchmark_names()
    unknown = set(names) - set(benchmark_names())
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    if arguments.here:
        for name in names:
            run_here(name)
        return 0

    failed = False
    for name in names:
        for label, env in databases():
            print(f"\n== {name} on {label}", flush=True)
            command = [sys.executable, "-m", "bench", "--here", name]
            failed |= subprocess.run(command, env=env, cwd=PROJECT_DIR, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
