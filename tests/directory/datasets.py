"""Where the real public datasets live: ``../shared/data/`` beside the repository.

CI lays ``shared/`` beside its clone. Elsewhere ``COOPMAP_DATA_DIR`` may point at the folder
(a git worktree sits deeper than the clone); without it the tests that need the data skip,
except in CI, where a missing dataset fails.
"""

import os
from pathlib import Path

import pytest

DATA_DIR = Path(
    os.environ.get("COOPMAP_DATA_DIR")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
)
UK_COOPS = DATA_DIR / "coops-uk-2023-03-02.csv"
SUSY_MAP = DATA_DIR / "susy-solidarity-economy-map.geojson"
UK_ATTRIBUTION = (
    "Contains data from Co-operatives UK, ODC-By 1.0; postcode coordinates from Ordnance "
    "Survey, OGL"
)


def dataset(path: Path) -> Path:
    """Return ``path``, or skip the test (fail in CI) when the dataset is not there."""
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"dataset {path} is missing: CI must lay shared/ beside the clone")
        pytest.skip(f"dataset {path.name} not found in {DATA_DIR}; set COOPMAP_DATA_DIR")
    return path
