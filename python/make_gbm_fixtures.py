"""Generate the XGBoost / LightGBM exactness fixtures under tests/fixtures/gbm/ with the real libraries.

    /path/to/venv/bin/python python/make_gbm_fixtures.py   # python/requirements.txt (xgboost, lightgbm pinned)
    /path/to/old-venv/bin/python python/make_gbm_fixtures.py   # requirements-old.txt + xgboost==1.7.6 lightgbm==3.3.5
    GBM_ONLY=xgboost /path/to/xgb15-venv/bin/python python/make_gbm_fixtures.py  # + xgboost==1.5.2 (JSON pickles)

Each fixture is a model file (joblib or pickle, as users save best_model.pkl) plus a JSON manifest in the
format of python/make_fixtures.py, with two more keys: "library" ("xgboost" | "lightgbm", with its version)
and "rel_tol" (1e-6 for XGBoost, which predicts in float32; 1e-9 for LightGBM, float64 like us). The
expected outputs are the library's own predict / predict_proba on exactly the JSON rows: training rows,
perturbed rows, rows with NaN and extreme values. Nothing here is tuned to the Rust implementation.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import re
import shutil
from pathlib import Path

import joblib
import lightgbm as lgb
import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.base import is_classifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
# The pinned stack (python/requirements.txt) writes tests/fixtures/gbm/; an older one (e.g. xgboost 1.7.6 and
# lightgbm 3.3.5 beside python/requirements-old.txt) writes tests/fixtures/gbm-xgb<v>-lgbm<v>/, read by the same test.
CURRENT = (xgb.__version__, lgb.__version__) == ("3.2.0", "4.7.0")
OUT = ROOT / "tests" / "fixtures" / ("gbm" if CURRENT else {
    "xgboost": f"gbm-xgb{xgb.__version__}", "lightgbm": f"gbm-lgbm{lgb.__version__}"}.get(
    os.environ.get("GBM_ONLY", ""), f"gbm-xgb{xgb.__version__}-lgbm{lgb.__version__}"))


def data(seed: int, n: int, d: int, nan_frac: float = 0.0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    X[:, 0] = np.round(X[:, 0], 1)  # ties at split values
    score = X[:, 0] + 0.5 * X[:, 1] - 0.3 * X[:, 2] ** 2
    if nan_frac:
        X[rng.rand(n, d) < nan_frac] = np.nan
    return X, score, rng


def query_rows(X, rng, n_train=12, n_perturbed=12, n_nan=6):
    rows = [X[i].copy() for i in range(n_train)]
    for i in range(n_perturbed):
        rows.append(X[i] + rng.normal(scale=0.3, size=X.shape[1]))
    for i in range(n_nan):
        r = X[i].copy()
        r[rng.rand(X.shape[1]) < 0.4] = np.nan
        r[i % X.shape[1]] = np.nan
        rows.append(r)
    extreme = np.zeros(X.shape[1])
    extreme[0], extreme[-1] = 1e30, -1e30
    rows.append(extreme)
    rows.append(np.zeros(X.shape[1]))
    rows.append(np.full(X.shape[1], 1e-40))
    return np.array(rows, dtype=float)


def cell(v):
    if isinstance(v, str):
        return v
    if v is None or (not isinstance(v, (int, float, np.number))):
        return None if v is None or pd.isna(v) else v
    v = float(v)
    return None if np.isnan(v) else v


def save(model, stem: str, fmt: str) -> tuple[str, dict]:
    if fmt.startswith("pickle"):
        protocol = int(fmt.split("-p")[1])
        name = f"{stem}.pkl"
        with open(OUT / name, "wb") as f:
            pickle.dump(model, f, protocol=protocol)
        return name, {"format": "pickle", "protocol": protocol, "compression": None}
    name = f"{stem}.joblib"
    joblib.dump(model, OUT / name)
    return name, {"format": "joblib", "protocol": pickle.HIGHEST_PROTOCOL, "compression": None}


def final(model):
    return model.steps[-1][1] if hasattr(model, "steps") else model


def write(stem: str, model, X_query, fmt: str = "joblib") -> None:
    if isinstance(X_query, pd.DataFrame):  # rows sent by feature name
        rows = [{c: cell(X_query[c].iloc[i]) for c in X_query.columns} for i in range(len(X_query))]
        back = json.loads(json.dumps(rows))
        X_back = pd.DataFrame({
            c: pd.Series([r[c] for r in back], dtype="category")
            if isinstance(X_query[c].dtype, pd.CategoricalDtype)
            else pd.Series([np.nan if r[c] is None else r[c] for r in back], dtype=float)
            for c in X_query.columns})
    else:
        rows = [[cell(v) for v in r] for r in X_query]
        X_back = np.array([[np.nan if v is None else v for v in r] for r in json.loads(json.dumps(rows))])
    name, info = save(model, stem, fmt)
    est = final(model)
    library = "xgboost" if type(est).__module__.startswith("xgboost") else "lightgbm"
    classifier = is_classifier(model)
    pred = np.asarray(model.predict(X_back))
    manifest = {
        "model": name,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "library": library,
        "library_version": (xgb if library == "xgboost" else lgb).__version__,
        "rel_tol": 1e-6 if library == "xgboost" else 1e-9,
        **info,
        "estimator": f"{type(model).__module__}.{type(model).__qualname__}",
        "final_estimator": f"{type(est).__module__}.{type(est).__qualname__}",
        "kind": "classifier" if classifier else "regressor",
        "inputs": rows,
        "predict": pred.tolist(),
        "predict_proba": np.asarray(model.predict_proba(X_back), dtype=float).tolist() if classifier else None,
        "classes": np.asarray(est.classes_).tolist() if classifier else None,
        "feature_names": list(X_query.columns) if isinstance(X_query, pd.DataFrame) else None,
    }
    (OUT / f"{stem}.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{stem}: {manifest['final_estimator']} {len(rows)} rows")


def xgb_fixtures() -> None:
    X, s, rng = data(1, 300, 6, nan_frac=0.1)
    q = query_rows(X, rng)
    yb = (s > 0).astype(int)
    y3 = np.digitize(s, [-0.5, 0.5])
    small = dict(n_estimators=30, max_depth=3, learning_rate=0.3, random_state=0)
    write("xgb_binary", xgb.XGBClassifier(**small).fit(X, yb), q)
    write("xgb_binary_p2", xgb.XGBClassifier(**small).fit(X, yb), q, fmt="pickle-p2")
    write("xgb_multiclass", xgb.XGBClassifier(n_estimators=20, max_depth=3, random_state=0).fit(X, y3), q)
    write("xgb_softmax", xgb.XGBClassifier(objective="multi:softmax", n_estimators=15, max_depth=2).fit(X, y3), q)
    write("xgb_regressor", xgb.XGBRegressor(n_estimators=40, max_depth=4, random_state=0).fit(X, s * 10 + 3), q)
    write("xgb_regressor_p4", xgb.XGBRegressor(n_estimators=25, max_depth=3).fit(X, s), q, fmt="pickle-p4")
    write("xgb_parallel_trees", xgb.XGBRegressor(n_estimators=8, num_parallel_tree=3, max_depth=3,
                                                  subsample=0.8, colsample_bynode=0.8, random_state=0).fit(X, s), q)
    counts = np.random.RandomState(5).poisson(np.exp(0.5 * s.clip(-2, 2)))
    for objective, target in [("count:poisson", counts), ("reg:gamma", counts + 0.5), ("reg:tweedie", counts),
                              ("reg:logistic", (s > 0) * 0.8 + 0.1), ("reg:absoluteerror", s),
                              ("reg:pseudohubererror", s), ("reg:squaredlogerror", counts)]:
        if objective == "reg:absoluteerror" and tuple(int(v) for v in xgb.__version__.split(".")[:2]) < (1, 7):
            continue
        stem = "xgb_" + objective.replace(":", "_")
        write(stem, xgb.XGBRegressor(objective=objective, n_estimators=15, max_depth=3).fit(X, target), q)
    write("xgb_rf_classifier", xgb.XGBRFClassifier(n_estimators=12, max_depth=4, random_state=0).fit(X, y3), q)
    write("xgb_rf_regressor", xgb.XGBRFRegressor(n_estimators=12, max_depth=4, random_state=0).fit(X, s), q)
    Xm = np.where(np.isnan(X), -999.0, X)
    write("xgb_missing_value", xgb.XGBClassifier(n_estimators=20, max_depth=3, missing=-999.0).fit(Xm, yb),
          np.where(np.isnan(q), -999.0, q))
    Xt, Xv, yt, yv = X[:200], X[200:], y3[:200], y3[200:]
    es_params = dict(n_estimators=300, max_depth=4, learning_rate=0.5, random_state=0)
    if tuple(int(v) for v in xgb.__version__.split(".")[:2]) < (1, 6):  # a fit() argument before 1.6
        es = xgb.XGBClassifier(**es_params).fit(Xt, yt, eval_set=[(Xv, yv)], early_stopping_rounds=5,
                                                verbose=False)
    else:
        es = xgb.XGBClassifier(**es_params, early_stopping_rounds=5).fit(Xt, yt, eval_set=[(Xv, yv)],
                                                                         verbose=False)
    assert es.best_iteration < 299, es.best_iteration
    write("xgb_early_stopping", es, q)
    cols = ["age", "income", "score_2", "x3", "x4", "x5"]
    df, qdf = pd.DataFrame(X, columns=cols), pd.DataFrame(q, columns=cols)
    if tuple(int(v) for v in xgb.__version__.split(".")[:2]) >= (1, 6):  # 1.5 predates pandas 2
        write("xgb_dataframe", xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(df, y3), qdf)
    # Tiny models: the seeds of tests/mutation.rs.
    write("xgb_tiny_p4", xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(X, yb), q, fmt="pickle-p4")
    write("xgb_pipeline_binary", make_pipeline(StandardScaler(), xgb.XGBClassifier(**small)).fit(X, yb), q)
    write("xgb_pipeline_multiclass", make_pipeline(StandardScaler(), xgb.XGBClassifier(n_estimators=20, max_depth=3)).fit(X, y3), q)
    write("xgb_pipeline_regressor", make_pipeline(StandardScaler(), xgb.XGBRegressor(n_estimators=30, max_depth=3)).fit(X, s), q)


def lgbm_fixtures() -> None:
    X, s, rng = data(2, 400, 6, nan_frac=0.1)
    q = query_rows(X, rng)
    yb = (s > 0).astype(int)
    y3 = np.digitize(s, [-0.5, 0.5])
    small = dict(n_estimators=30, num_leaves=8, learning_rate=0.2, min_child_samples=5, verbose=-1, random_state=0)
    write("lgbm_binary", lgb.LGBMClassifier(**small).fit(X, yb), q)
    write("lgbm_binary_p2", lgb.LGBMClassifier(**small).fit(X, yb), q, fmt="pickle-p2")
    labels = np.array(["cat", "dog"])[yb]
    write("lgbm_binary_str_labels", lgb.LGBMClassifier(**small).fit(X, labels), q)
    write("lgbm_multiclass", lgb.LGBMClassifier(**{**small, "n_estimators": 20}).fit(X, y3 + 1), q)
    write("lgbm_regressor", lgb.LGBMRegressor(**{**small, "n_estimators": 40}).fit(X, s * 10 + 3), q)
    write("lgbm_regressor_l1", lgb.LGBMRegressor(**{**small, "objective": "regression_l1"}).fit(X, s), q)
    counts = np.random.RandomState(6).poisson(np.exp(0.5 * s.clip(-2, 2)))
    for objective, target in [("poisson", counts), ("gamma", counts + 0.5), ("tweedie", counts)]:
        write(f"lgbm_{objective}", lgb.LGBMRegressor(**{**small, "objective": objective}).fit(X, target), q)
    write("lgbm_zero_as_missing", lgb.LGBMRegressor(**small, zero_as_missing=True).fit(np.nan_to_num(X), s),
          np.nan_to_num(q))
    write("lgbm_rf", lgb.LGBMRegressor(boosting_type="rf", n_estimators=10, num_leaves=8, bagging_fraction=0.7,
                                       bagging_freq=1, verbose=-1, random_state=0).fit(X, s), q)
    # A categorical feature (integer codes 0..9, some unseen at fit), numeric elsewhere.
    Xc = X.copy()
    Xc[:, 3] = rng.randint(0, 8, size=len(X))
    Xc[::17, 3] = np.nan
    yc = (s + np.isin(Xc[:, 3], [1, 4, 6]) * 1.5 > 0.5).astype(int)
    qc = q.copy()
    qc[:, 3] = rng.randint(-1, 11, size=len(q))
    qc[::5, 3] = np.nan
    write("lgbm_categorical", lgb.LGBMClassifier(**small, cat_smooth=1, min_data_per_group=5)
          .fit(Xc, yc, categorical_feature=[3]), qc)
    write("lgbm_categorical_regressor", lgb.LGBMRegressor(**small, min_data_per_group=5, max_cat_to_onehot=16)
          .fit(Xc, s + np.nan_to_num(Xc[:, 3]) % 3, categorical_feature=[3]), qc)
    Xt, Xv, yt, yv = X[:300], X[300:], y3[:300], y3[300:]
    es = lgb.LGBMClassifier(**{**small, "n_estimators": 300, "learning_rate": 0.5}).fit(
        Xt, yt, eval_set=[(Xv, yv)], callbacks=[lgb.early_stopping(5, verbose=False)])
    assert 0 < es.best_iteration_ < 300, es.best_iteration_
    write("lgbm_early_stopping", es, q)
    cols = ["age", "income", "score_2", "x3", "x4", "x5"]
    df, qdf = pd.DataFrame(X, columns=cols), pd.DataFrame(q, columns=cols)
    write("lgbm_dataframe", lgb.LGBMRegressor(**small).fit(df, s), qdf)
    # pandas `category` columns: rows send the category strings by name (unknown and missing ones too).
    colors = np.array(["red", "green", "blue", "amber"])
    dfc = df.copy()
    dfc["color"] = pd.Categorical(colors[rng.randint(0, 4, size=len(df))])
    dfc["size"] = pd.Categorical(rng.choice(["S", "M", "L"], size=len(df)), categories=["S", "M", "L"])
    yc = (s + (dfc["color"] == "green") * 1.5 - (dfc["size"] == "L") > 0.3).astype(int)
    qc = qdf.copy()
    qc["color"] = pd.Categorical(np.array(["red", "green", "blue", "amber", "violet", None], dtype=object)[
        rng.randint(0, 6, size=len(q))])
    qc["size"] = pd.Categorical(rng.choice(["S", "M", "L", "XL"], size=len(q)))
    write("lgbm_pandas_categorical", lgb.LGBMClassifier(**small, min_data_per_group=5).fit(dfc, yc), qc)
    write("lgbm_tiny_p4", lgb.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1).fit(X, yb), q,
          fmt="pickle-p4")
    write("lgbm_pipeline_binary", make_pipeline(StandardScaler(), lgb.LGBMClassifier(**small)).fit(X, yb), q)
    write("lgbm_pipeline_multiclass", make_pipeline(StandardScaler(), lgb.LGBMClassifier(**small)).fit(X, y3), q)
    write("lgbm_pipeline_regressor", make_pipeline(StandardScaler(), lgb.LGBMRegressor(**small)).fit(X, s), q)


def bench_models() -> None:
    """One 100-tree model per library, for benches/predict.rs and python/bench_sklearn.py."""
    X, s, rng = data(3, 2000, 20, nan_frac=0.05)
    y = (s > 0).astype(int)
    q = query_rows(X, rng)
    write("xgb_bench_100", xgb.XGBClassifier(n_estimators=100, max_depth=6, random_state=0).fit(X, y), q)
    write("lgbm_bench_100", lgb.LGBMClassifier(n_estimators=100, num_leaves=31, verbose=-1, random_state=0)
          .fit(X, y), q)


def hostile_files() -> None:
    """Real wrapper objects whose Booster carries a forged model (tests/gbm_hostile.rs loads them whole)."""
    import copyreg

    X, s, _ = data(4, 60, 3)
    xm = xgb.XGBClassifier(n_estimators=2, max_depth=2).fit(X, (s > 0).astype(int))
    lm = lgb.LGBMRegressor(n_estimators=2, num_leaves=4, min_child_samples=5, verbose=-1).fit(X, s)
    good_text = lm.booster_.model_to_string()
    forged = {
        "gbm_xgb_count_bomb": (xm, bytearray(b"[$d#L" + (2**62).to_bytes(8, "big"))),
        "gbm_xgb_deep": (xm, bytearray(b"[" * 100_000)),
        "gbm_xgb_legacy_binary": (xm, bytearray(b"binf" + bytes(200))),
        "gbm_lgbm_huge_tree": (lm, good_text.replace("num_leaves=4", "num_leaves=999999999999", 1)),
        "gbm_lgbm_cycle": (lm, re.sub(r"left_child=\S+", "left_child=0", good_text, count=1)),
    }

    class Forging(pickle.Pickler):
        def __init__(self, f, payload):
            super().__init__(f, protocol=4)
            self.payload = payload

        def reducer_override(self, obj):
            if type(obj) is xgb.core.Booster:
                return copyreg._reconstructor, (type(obj), object, None), {"handle": self.payload}
            if type(obj) is lgb.basic.Booster:
                return copyreg._reconstructor, (type(obj), object, None), {"_handle": self.payload,
                                                                          "best_iteration": 0}
            return NotImplemented

    pickles = ROOT / "tests" / "fixtures" / "pickle"
    for stem, (model, payload) in forged.items():
        with open(pickles / f"{stem}.pkl", "wb") as f:
            Forging(f, payload).dump(model)
        print(f"hostile: {stem}.pkl")


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    # GBM_ONLY=xgboost (or lightgbm) writes one library's fixtures, for a stack that only adds an older version of it.
    only = os.environ.get("GBM_ONLY")
    if only in (None, "xgboost"):
        xgb_fixtures()
    if only in (None, "lightgbm"):
        lgbm_fixtures()
    if CURRENT:
        bench_models()
        hostile_files()
