"""Generate tests/fixtures/zoo-c/sklearn-<version>/ (issue 9, part C) with real scikit-learn, in the fixture
format of python/make_fixtures.py (one model file plus a JSON manifest with scikit-learn's own answers).

    venv/bin/python python/make_zoo_c_fixtures.py        # pip install -r python/requirements.txt
    venv-old/bin/python python/make_zoo_c_fixtures.py    # pip install -r python/requirements-old.txt

tests/sklearn_zoo_c.rs checks every manifest written here.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures  # noqa: E402
import zoo_c_models  # noqa: E402

OUT = make_fixtures.ROOT / "tests" / "fixtures" / "zoo-c" / f"sklearn-{make_fixtures.VERSION}"


def main() -> None:
    warnings.filterwarnings("ignore")
    make_fixtures.OUT = OUT
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    count = 0
    for fx in zoo_c_models.all_fixtures():
        for fmt in fx.formats:
            stem = fx.name if len(fx.formats) == 1 else f"{fx.name}_{fmt.replace('-', '_')}"
            make_fixtures.write_fixture(fx, fmt, stem)
            count += 1
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"scikit-learn {make_fixtures.VERSION} / numpy {np.__version__}: {count} fixtures, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
