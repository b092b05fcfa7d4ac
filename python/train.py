"""Train the shipped default model, outputs/best_model.pkl, on scikit-learn's bundled breast cancer data.

The model is deliberately shaped like the models our users ship:

    Pipeline([
        ("prep", ColumnTransformer([                       # fitted on a pandas DataFrame -> feature_names_in_
            ("num", Pipeline([SimpleImputer(median), StandardScaler()]), <30 numeric columns>),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["size_band"]),   # a string column
        ])),
        ("clf", RandomForestClassifier(n_estimators=50)),  # string class labels 'malignant' / 'benign'
    ])

Data (no download: the dataset ships inside scikit-learn):
  * column names are scikit-learn's with spaces replaced by underscores ("mean radius" -> "mean_radius"), so
    requests can name them without quoting trouble;
  * `size_band` is a categorical string column derived from `mean_area`: "small" below 500, "medium" below 800,
    "large" otherwise (fixed thresholds, roughly the dataset's quartiles);
  * about 2% of the cells of four numeric columns are blanked (NaN, seeded) so the imputer learns something real;
  * the target 0/1 is mapped to scikit-learn's own names: 0 -> "malignant", 1 -> "benign".

Everything is seeded (random_state=0 for the forest, 42 for the split and the blanking), so a rerun with the
pinned python/requirements.txt reproduces the same file content up to pickle's memo layout.

It also writes:
  * outputs/best_model.sample.jsonl   - request lines in the wire format (docs/protocol.md);
  * outputs/best_model.expected.jsonl - scikit-learn's reply for each of them (prediction, probabilities, classes).

Run from the repository root:  python3 python/train.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "outputs"
SIZE_BANDS = [(500.0, "small"), (800.0, "medium")]  # else "large"
BLANKED = ["mean_texture", "mean_smoothness", "worst_symmetry", "area_error"]


def size_band(area: float) -> str:
    for limit, name in SIZE_BANDS:
        if area < limit:
            return name
    return "large"


def load_data() -> tuple[pd.DataFrame, pd.Series]:
    data = load_breast_cancer(as_frame=True)
    X = data.data.rename(columns=lambda c: c.replace(" ", "_"))
    X["size_band"] = X["mean_area"].map(size_band).astype(object)
    rng = np.random.default_rng(42)
    for col in BLANKED:
        X.loc[rng.random(len(X)) < 0.02, col] = np.nan
    y = data.target.map(dict(enumerate(data.target_names))).astype(object)
    return X, y


def build_model(numeric: list[str]) -> Pipeline:
    prep = ColumnTransformer(
        [
            (
                "num",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                numeric,
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["size_band"]),
        ]
    )
    forest = RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=1)
    return Pipeline([("prep", prep), ("clf", forest)])


def jsonable(v):
    """A cell as the wire format carries it: NaN -> null, numpy scalars -> Python scalars."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def main() -> None:
    X, y = load_data()
    numeric = [c for c in X.columns if c != "size_band"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    model = build_model(numeric)
    model.fit(X_train, y_train)
    print(f"scikit-learn {sklearn.__version__}: test accuracy {model.score(X_test, y_test):.4f}")

    OUT.mkdir(exist_ok=True)
    path = OUT / "best_model.pkl"
    # joblib.dump rather than pickle.dump: it is what scikit-learn's documentation recommends for models, so it
    # is what most users' best_model.pkl files are; it also stores numpy arrays in joblib's own container
    # (NumpyArrayWrapper + raw bytes after the pickle stream), so the shipped model exercises that path while
    # the test fixtures cover plain pickle files. No compression: the file stays far below 2 MB anyway.
    joblib.dump(model, path)
    size = path.stat().st_size
    print(f"wrote {path} ({size} bytes)")
    if size >= 2 * 1024 * 1024:
        sys.exit(f"{path} is {size} bytes, over the 2 MB budget")

    # Sample requests: a few held-out rows, one with missing values and one with an unseen size band.
    rows = X_test.head(6).copy()
    rows.iloc[3, rows.columns.get_loc("mean_texture")] = np.nan
    rows.iloc[3, rows.columns.get_loc("worst_symmetry")] = np.nan
    rows.iloc[4, rows.columns.get_loc("size_band")] = "huge"  # unseen: OneHotEncoder ignores it
    proba = model.predict_proba(rows)
    pred = model.predict(rows)
    classes = [c.item() if hasattr(c, "item") else c for c in model.classes_]
    with open(OUT / "best_model.sample.jsonl", "w") as req, open(OUT / "best_model.expected.jsonl", "w") as exp:
        for i, (_, row) in enumerate(rows.iterrows()):
            rid = f"sample-{i + 1}"
            features = {col: jsonable(row[col]) for col in rows.columns}
            req.write(json.dumps({"id": rid, "features": features}) + "\n")
            reply = {
                "id": rid,
                "prediction": jsonable(pred[i]),
                "probabilities": [float(p) for p in proba[i]],
                "classes": classes,
            }
            exp.write(json.dumps(reply) + "\n")
    print(f"wrote {OUT / 'best_model.sample.jsonl'} and {OUT / 'best_model.expected.jsonl'} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
