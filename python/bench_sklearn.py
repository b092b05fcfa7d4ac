"""scikit-learn's own prediction speed on the models benches/predict.rs times, as the baseline for the README.

For each model: predict_proba (predict for regressors) on one row and on 1,000 rows, plus joblib.load of the
shipped model. Rows are the fixture's own input rows, cycled to 1,000, exactly as the Rust benchmark does.
Each figure is the median of several timed repeats. Run from the repository root:

    python3 python/bench_sklearn.py
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / f"sklearn-{sklearn.__version__}"

# (label, manifest stem): the same models as benches/predict.rs
FIXTURES = [
    ("linear (StandardScaler + LogisticRegression)", "logreg_binary_pickle_p4"),
    ("forest (RandomForest, 5 trees)", "random_forest_classifier_pickle_p5"),
    ("gradient boosting (10 stages)", "gradient_boosting_classifier_binary"),
    ("hist gradient boosting (10 iters)", "hist_gradient_boosting_classifier_binary"),
]
# The model zoo, part A (tests/fixtures/zoo-a/sklearn-<version>/), as benches/predict.rs.
ZOO_A = FIX.parent / "zoo-a" / FIX.name
ZOO_A_FIXTURES = [
    ("SVC(rbf, probability) pipeline, 35 support vectors", "svc_rbf_binary_proba"),
    ("KNeighborsClassifier(k=5, kd_tree) pipeline", "knn_clf_uniform"),
    ("MLPClassifier((10, 5)) pipeline", "mlp_clf_multiclass"),
]


# The XGBoost and LightGBM wrappers (python/make_gbm_fixtures.py), with the libraries' default threads.
GBM = ROOT / "tests" / "fixtures" / "gbm"
GBM_FIXTURES = [
    ("XGBClassifier, 100 trees depth 6,", "xgb_bench_100"),
    ("LGBMClassifier, 100 trees of 31 leaves,", "lgbm_bench_100"),
]


def per_call(fn, min_time=0.5, repeats=5) -> float:
    """Median seconds per call of fn()."""
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.05:
        fn()
        n += 1
    loops = max(1, int(n * min_time / 0.05 / repeats))
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - t) / loops)
    return statistics.median(samples)


def frame(rows, columns):
    data = {}
    for col in columns:
        vals = [r[col] for r in rows]
        if any(isinstance(v, str) for v in vals):
            data[col] = np.array([np.nan if v is None else v for v in vals], dtype=object)
        else:
            data[col] = np.array([np.nan if v is None else v for v in vals], dtype=float)
    return pd.DataFrame(data, columns=columns)


def cycle(rows, n=1000):
    return [rows[i % len(rows)] for i in range(n)]


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.2f} ms"


def bench(label, model, rows_1, rows_1000):
    fn = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    one = per_call(lambda: fn(rows_1))
    many = per_call(lambda: fn(rows_1000))
    print(f"| {label} | {fmt(one)} | {fmt(many)} | {fmt(many / 1000)} |")


def main() -> None:
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}\n")
    print("| model | 1 row | 1,000 rows | per row in batch |")
    print("|---|---|---|---|")
    shipped = ROOT / "outputs" / "best_model.pkl"
    model = joblib.load(shipped)
    sample = [json.loads(line)["features"] for line in open(ROOT / "outputs" / "best_model.sample.jsonl")]
    cols = list(model.feature_names_in_)
    bench("shipped model (ColumnTransformer + RandomForest, 50 trees)", model, frame(sample[:1], cols),
          frame(cycle(sample), cols))
    for label, folder, stem in [(lb, FIX, st) for lb, st in FIXTURES] + [(lb, ZOO_A, st) for lb, st in ZOO_A_FIXTURES]:
        manifest = json.loads((folder / f"{stem}.json").read_text())
        m = joblib.load(folder / manifest["model"])
        rows = [[np.nan if v is None else v for v in r] for r in manifest["inputs"]]
        bench(label, m, np.array(rows[:1], dtype=float), np.array(cycle(rows), dtype=float))
    for label, stem in GBM_FIXTURES:
        try:
            manifest = json.loads((GBM / f"{stem}.json").read_text())
            m = joblib.load(GBM / manifest["model"])
        except ImportError as e:  # xgboost / lightgbm not installed
            print(f"| {label} | skipped: {e} | | |")
            continue
        rows = [[np.nan if v is None else v for v in r] for r in manifest["inputs"]]
        bench(f"{label} {manifest['library']} {manifest['library_version']}", m, np.array(rows[:1], dtype=float),
              np.array(cycle(rows), dtype=float))
    load = per_call(lambda: joblib.load(shipped), min_time=1.0)
    print(f"\njoblib.load(outputs/best_model.pkl): {fmt(load)}")


if __name__ == "__main__":
    main()
