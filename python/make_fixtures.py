"""Generate the exactness fixtures under tests/fixtures/sklearn-<version>/ with real scikit-learn.

Run it with every scikit-learn stack we prove against (from the repository root):

    python3 python/make_fixtures.py                      # current stack, python/requirements.txt
    /work/venv-old/bin/python python/make_fixtures.py    # older stack, python/requirements-old.txt

Each fixture is a model file plus a JSON manifest with the same stem:

    {"model": "<file>", "sklearn_version": "...", "numpy_version": "...", "format": "pickle" | "joblib",
     "protocol": 2..5, "compression": null | "zlib" | "gzip" | "bz2" | "lzma" | "xz" | "lz4",
     "estimator": "<module.Class of the saved object>", "final_estimator": "<module.Class>",
     "kind": "classifier" | "regressor", "named": true | false, "description": "...",
     "inputs": [ROW, ...], "predict": [...], "predict_proba": [[...], ...] | null, "classes": [...] | null}

ROW follows the wire contract (docs/protocol.md): a list of numbers with null for NaN (positional), or an
object keyed by feature name with numbers, strings (categorical cells) or null. The expected outputs are what
scikit-learn itself returns for exactly those rows: the rows are written to JSON first, read back into a numpy
array or a pandas DataFrame (object dtype for string columns, as a Python worker would build it from JSON), and
only then passed to predict / predict_proba. Labels keep their JSON type (str, int, float, bool).

Nothing here is tuned to the Rust implementation: the outputs are scikit-learn's, whatever they are.
"""

from __future__ import annotations

import json
import pickle
import platform
import shutil
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import is_classifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixture_models  # noqa: E402  (the fixture definitions)

ROOT = Path(__file__).resolve().parent.parent
VERSION = sklearn.__version__
OUT = ROOT / "tests" / "fixtures" / f"sklearn-{VERSION}"

try:  # lz4 is optional: only the current stack pins it
    import lz4  # noqa: F401

    HAVE_LZ4 = True
except ImportError:
    HAVE_LZ4 = False

EXTENSIONS = {None: "joblib", "zlib": "joblib.z", "gzip": "joblib.gz", "bz2": "joblib.bz2",
              "lzma": "joblib.lzma", "xz": "joblib.xz", "lz4": "joblib.lz4"}


def parse_format(fmt: str) -> tuple[str, int, str | None]:
    """'pickle-p4' -> ('pickle', 4, None); 'joblib' -> ('joblib', 5, None); 'joblib-xz' / 'joblib-p3-zlib'."""
    parts = fmt.split("-")
    kind, protocol, compression = parts[0], pickle.HIGHEST_PROTOCOL, None
    for p in parts[1:]:
        if p.startswith("p") and p[1:].isdigit():
            protocol = int(p[1:])
        else:
            compression = p
    return kind, protocol, compression


def save(model, stem: str, fmt: str) -> tuple[str, dict]:
    kind, protocol, compression = parse_format(fmt)
    if kind == "pickle":
        name = f"{stem}.pkl"
        with open(OUT / name, "wb") as f:
            pickle.dump(model, f, protocol=protocol)
    else:
        name = f"{stem}.{EXTENSIONS[compression]}"
        compress = (compression, 3) if compression else 0
        joblib.dump(model, OUT / name, compress=compress, protocol=protocol)
    return name, {"format": kind, "protocol": protocol, "compression": compression}


def cell(v):
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if np.isnan(f) else f
    if isinstance(v, (np.integer, int, np.bool_, bool)):
        return float(v)
    raise TypeError(f"cannot write input cell {v!r} of type {type(v)}")


def to_rows(X) -> list:
    if isinstance(X, pd.DataFrame):
        return [{col: cell(row[col]) for col in X.columns} for _, row in X.iterrows()]
    return [[cell(v) for v in row] for row in np.asarray(X, dtype=float)]


def from_rows(rows: list, like):
    """Rebuild the estimator input from JSON rows the way a Python worker would."""
    if isinstance(like, pd.DataFrame):
        data = {}
        for col in like.columns:
            vals = [r[col] for r in rows]
            if pd.api.types.is_numeric_dtype(like[col]) and not isinstance(like[col].dtype, pd.CategoricalDtype):
                data[col] = np.array([np.nan if v is None else v for v in vals], dtype=float)
            else:
                data[col] = np.array([np.nan if v is None else v for v in vals], dtype=object)
        return pd.DataFrame(data, columns=list(like.columns))
    return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)


def class_path(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def final_estimator(model):
    while True:
        if hasattr(model, "best_estimator_"):
            model = model.best_estimator_
        elif hasattr(model, "steps"):
            model = model.steps[-1][1]
        else:
            return model


def jsonable_list(arr) -> list:
    out = np.asarray(arr).tolist()
    return out


def write_fixture(fx: fixture_models.Fixture, fmt: str, stem: str) -> None:
    model, X = fx.model, fx.inputs
    rows = to_rows(X)
    X_back = from_rows(json.loads(json.dumps(rows)), X)
    name, fmt_info = save(model, stem, fmt)
    classifier = is_classifier(model)
    pred = model.predict(X_back)
    proba = None
    if classifier and hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X_back), dtype=float).tolist()
    manifest = {
        "model": name,
        "sklearn_version": VERSION,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        **fmt_info,
        "estimator": class_path(model),
        "final_estimator": class_path(final_estimator(model)),
        "kind": "classifier" if classifier else "regressor",
        "named": isinstance(X, pd.DataFrame),
        "description": fx.description,
        "inputs": rows,
        "predict": jsonable_list(pred),
        "predict_proba": proba,
        "classes": jsonable_list(model.classes_) if classifier else None,
    }
    text = json.dumps(manifest, allow_nan=False)
    (OUT / f"{stem}.json").write_text(text + "\n")


def main() -> None:
    warnings.filterwarnings("ignore")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    count = 0
    for fx in fixture_models.all_fixtures():
        for fmt in fx.formats:
            if parse_format(fmt)[2] == "lz4" and not HAVE_LZ4:
                continue  # the old stack has no lz4 module; the current one covers lz4
            stem = fx.name if len(fx.formats) == 1 else f"{fx.name}_{fmt.replace('-', '_')}"
            write_fixture(fx, fmt, stem)
            count += 1
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"scikit-learn {VERSION} / numpy {np.__version__}: {count} fixtures, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
