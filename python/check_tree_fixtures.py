#!/usr/bin/env python3
"""Check (or rewrite) the expected outputs of the tree-family fixtures in tests/data/trees/.

Each case is a pair under tests/data/trees/sklearn-<version>/:
  <case>.pkl   a fitted scikit-learn estimator, pickled (pickle.dumps, default protocol) by that version
  <case>.json  {"X": rows to predict (null = NaN, strings for categorical values),
                "predict": scikit-learn's predict(X), "proba": predict_proba(X) for classifiers,
                optional "rtol" and "note" when scikit-learn itself is less precise than 1e-9}
tests/sklearn_trees.rs loads every .pkl with predict-worker and compares with the .json.

The training code of the committed pickles was not kept in the repository (they arrived in commit
42ee7eb); this script is how their expected outputs are reproduced from the pickles themselves:

    pip install -r python/requirements.txt          # scikit-learn 1.9.1: checks sklearn-1.9.1/
    python3 python/check_tree_fixtures.py           # exit 1 and a list of differences if any
    python3 python/check_tree_fixtures.py --write   # rewrite "predict"/"proba" from scikit-learn

With python/requirements-old.txt (scikit-learn 1.3.2) installed instead, it checks sklearn-1.3.2/.
Only the directory matching the installed scikit-learn version is read.
"""

import argparse
import json
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import sklearn

ROOT = Path(__file__).resolve().parent.parent / "tests" / "data" / "trees"


def frame(model, rows):
    """X as scikit-learn saw it at fit time: a DataFrame when the model has feature names (string
    columns become pandas categoricals for `categorical_features="from_dtype"`), else a float array."""
    names = getattr(model, "feature_names_in_", None)
    has_text = any(isinstance(v, str) for r in rows for v in r)
    if names is None and not has_text:
        return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    import pandas as pd

    cols = list(names) if names is not None else list(range(len(rows[0])))
    df = pd.DataFrame([[np.nan if v is None else v for v in r] for r in rows], columns=cols)
    for c in cols:
        if df[c].map(lambda v: isinstance(v, str)).any():
            df[c] = df[c].astype("category")
        else:
            df[c] = df[c].astype(float)
    return df


def same(a, b, rtol):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= rtol * abs(b) + 1e-15
    return a == b and type(a) is type(b)


def plain(values):
    """numpy output as JSON values: labels keep their type, floats stay floats."""
    return json.loads(json.dumps(np.asarray(values).tolist(), default=lambda o: o.item()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="rewrite the expected outputs")
    args = ap.parse_args()
    directory = ROOT / f"sklearn-{sklearn.__version__}"
    if not directory.is_dir():
        sys.exit(f"no fixtures for the installed scikit-learn {sklearn.__version__} under {ROOT}")
    problems = []
    cases = sorted(directory.glob("*.pkl"))
    for pkl in cases:
        case_path = pkl.with_suffix(".json")
        case = json.loads(case_path.read_text())
        with open(pkl, "rb") as f:
            model = pickle.load(f)
        X = frame(model, case["X"])
        got = {"predict": plain(model.predict(X))}
        if "proba" in case:
            got["proba"] = plain(model.predict_proba(X))
        rtol = case.get("rtol", 1e-9)
        for key, value in got.items():
            if not same(value, case[key], rtol):
                problems.append(f"{pkl.name}: {key} differs from scikit-learn {sklearn.__version__}")
        if args.write:
            case.update(got)
            case_path.write_text(json.dumps(case))
    for p in problems:
        print(p)
    print(f"{len(cases)} cases in {directory}, {len(problems)} differences"
          + (" (rewritten)" if args.write else ""))
    return 1 if problems and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
