"""The models behind tests/fixtures/: every estimator of issue 2 item 4, small and seeded.

Each `Fixture` holds a fitted model, the rows to predict (numpy array -> positional rows, DataFrame -> rows by
feature name) and the serialisation formats to write it in (see make_fixtures.parse_format). Features that only
some scikit-learn versions have (NaN in forests, 'from_dtype' categoricals, LogisticRegression(multi_class=...))
are switched on by version or by trying, never faked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sklearn
from scipy.stats import loguniform, randint
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

V = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
ALL_JOBLIB = ["joblib", "joblib-zlib", "joblib-gzip", "joblib-bz2", "joblib-lzma", "joblib-xz", "joblib-lz4"]
ALL_PICKLE = ["pickle-p2", "pickle-p3", "pickle-p4", "pickle-p5"]


@dataclass
class Fixture:
    name: str
    model: object
    inputs: object
    description: str
    formats: list = field(default_factory=lambda: ["pickle-p4"])


# ---------------------------------------------------------------- data


def _xy(loader, n_cols=None):
    X, y = loader(return_X_y=True)
    X = np.asarray(X, dtype=float)
    if n_cols:
        X = X[:, :n_cols]
    return X, np.asarray(y)


def split(X, y, n_test=16, seed=0):
    return train_test_split(X, y, test_size=n_test, random_state=seed)


def blank(X, frac=0.08, seed=1):
    """A copy of X with about `frac` of its cells set to NaN (seeded)."""
    X = np.array(X, dtype=float, copy=True)
    X[np.random.default_rng(seed).random(X.shape) < frac] = np.nan
    return X


def nan_rows(X_test):
    """Four rows with missing values: first column, every column, every other column, last column."""
    rows = np.array(X_test[:4], dtype=float, copy=True)
    rows[0, 0] = np.nan
    rows[1, :] = np.nan
    rows[2, ::2] = np.nan
    rows[3, -1] = np.nan
    return rows


def fit_nan(est, X_nan, X, y):
    """Fit on data with NaN when this version supports it for `est`, else on the clean data."""
    try:
        return est.fit(X_nan, y), True
    except ValueError:
        return est.fit(X, y), False


def first_split(est):
    """(feature, threshold) of the first split of the first tree, for rows exactly at a threshold."""
    tree = None
    if hasattr(est, "tree_"):
        tree = est.tree_
    elif hasattr(est, "estimators_"):
        first = np.asarray(est.estimators_, dtype=object).ravel()[0]
        tree = first.tree_
    if tree is not None:
        return int(tree.feature[0]), float(tree.threshold[0])
    if hasattr(est, "_predictors"):
        for node in est._predictors[0][0].nodes:
            if not node["is_leaf"] and not node["is_categorical"]:
                return int(node["feature_idx"]), float(node["num_threshold"])
    return None


def edge_rows(est, base):
    """Rows whose split feature sits exactly on, just above and just below a learned threshold (float32 edge)."""
    fs = first_split(est)
    if fs is None or fs[0] < 0:
        return np.empty((0, base.shape[0]))
    f, t = fs
    values = [t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf), float(np.float32(t)),
              float(np.nextafter(np.float32(t), np.float32(np.inf)))]
    rows = np.tile(np.asarray(base, dtype=float), (len(values), 1))
    rows[:, f] = values
    return rows


def tree_inputs(est, X_test, nan_ok):
    parts = [X_test, edge_rows(est, X_test[0])]
    if nan_ok:
        parts.append(nan_rows(X_test))
    return np.vstack(parts)


IRIS = _xy(datasets.load_iris)
WINE = _xy(datasets.load_wine)
CANCER = _xy(datasets.load_breast_cancer, n_cols=10)
DIABETES = _xy(datasets.load_diabetes)


def categorical_frame(n=240, seed=3, nan_in_cat=False):
    """A small mixed DataFrame: numeric columns, string columns, a column to drop; binary string target."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.normal(40, 12, n).round(1),
        "income": rng.lognormal(10, 0.5, n).round(2),
        "colour": rng.choice(["red", "green", "blue", "yellow"], n, p=[0.4, 0.3, 0.25, 0.05]).astype(object),
        "size": rng.choice(["S", "M", "L"], n).astype(object),
        "noise": rng.normal(size=n),
    })
    df.loc[rng.random(n) < 0.05, "age"] = np.nan
    if nan_in_cat:
        df.loc[rng.random(n) < 0.08, "colour"] = np.nan
    score = (df["age"].fillna(40) - 40) / 12 + (df["colour"] == "red") * 1.2 - (df["size"] == "S") * 0.8
    y = np.where(score + rng.normal(0, 0.7, n) > 0.2, "yes", "no").astype(object)
    return df, y


def categorical_queries(df_test, unseen=True):
    """Held-out rows plus rows with missing numbers, missing strings and (optionally) unseen categories."""
    q = df_test.head(14).copy().reset_index(drop=True)
    extra = pd.DataFrame({
        "age": [np.nan, 33.0, 51.5, np.nan, 28.0, 60.0],
        "income": [22000.0, np.nan, 18000.5, 30000.0, 25000.0, 12000.0],
        "colour": ["red", "green", np.nan, "blue", "purple" if unseen else "red", "yellow"],
        "size": ["M", "S", "L", np.nan if unseen else "L", "XXL" if unseen else "S", "M"],
        "noise": [0.1, -0.2, 0.3, 0.0, 1.5, -1.0],
    })
    return pd.concat([q, extra], ignore_index=True)


# ---------------------------------------------------------------- linear models


def linear_fixtures():
    out = []
    X, y = DIABETES
    Xtr, Xte, ytr, _ = split(X, y)
    out.append(Fixture("linear_regression", Pipeline([("scale", StandardScaler()), ("reg", LinearRegression())])
                       .fit(Xtr, ytr), Xte, "StandardScaler + LinearRegression, diabetes", ["pickle-p4"]))
    out.append(Fixture("linear_regression_bare", LinearRegression().fit(Xtr, ytr), Xte,
                       "bare LinearRegression (no pipeline), diabetes", ["pickle-p2"]))
    y2 = np.column_stack([ytr, ytr * 0.5 + Xtr[:, 0] * 100])
    out.append(Fixture("linear_regression_multioutput", LinearRegression().fit(Xtr, y2), Xte,
                       "LinearRegression with two targets (predict is rows x 2)", ["joblib"]))
    out.append(Fixture("ridge", Pipeline([("scale", MinMaxScaler(feature_range=(-1, 1))), ("ridge", Ridge(alpha=0.5))])
                       .fit(Xtr, ytr), Xte, "MinMaxScaler(-1, 1) + Ridge", ["joblib-zlib"]))
    out.append(Fixture("lasso", Pipeline([("scale", RobustScaler()), ("lasso", Lasso(alpha=0.3))]).fit(Xtr, ytr),
                       Xte, "RobustScaler + Lasso", ["pickle-p3"]))
    out.append(Fixture("elastic_net", Pipeline([("scale", MaxAbsScaler()), ("enet", ElasticNet(alpha=0.01, l1_ratio=0.3))])
                       .fit(Xtr, ytr), Xte, "MaxAbsScaler + ElasticNet", ["joblib-p2-gzip"]))
    out.append(Fixture("sgd_regressor", Pipeline([("scale", StandardScaler()), ("sgd", SGDRegressor(random_state=0))])
                       .fit(Xtr, ytr), Xte, "StandardScaler + SGDRegressor", ["pickle-p3"]))
    out.append(Fixture("scaler_variants", Pipeline([
        ("no_mean", StandardScaler(with_mean=False)), ("no_std", StandardScaler(with_std=False)),
        ("robust", RobustScaler(with_centering=False, quantile_range=(10.0, 90.0))), ("reg", LinearRegression()),
    ]).fit(Xtr, ytr), Xte, "StandardScaler(with_mean=False), StandardScaler(with_std=False), "
       "RobustScaler(with_centering=False) chained", ["joblib-p3"]))

    X, y = CANCER
    Xtr, Xte, ytr, _ = split(X, y)
    logreg = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]).fit(Xtr, ytr)
    out.append(Fixture("logreg_binary", logreg, Xte, "StandardScaler + binary LogisticRegression, breast cancer "
                       "(10 columns); one model in all four pickle protocols", ALL_PICKLE))
    out.append(Fixture("sgd_log_loss_binary", Pipeline([("scale", StandardScaler()),
                                                        ("sgd", SGDClassifier(loss="log_loss", random_state=0))])
                       .fit(Xtr, ytr), Xte, "binary SGDClassifier(log_loss)", ["pickle-p4"]))
    if V >= (1, 8):
        out.append(Fixture("logreg_liblinear", Pipeline([("scale", StandardScaler()),
                                                         ("clf", LogisticRegression(solver="liblinear", C=0.3))])
                           .fit(Xtr, ytr), Xte, "binary LogisticRegression(solver='liblinear')", ["joblib-bz2"]))

    X, y = IRIS
    Xtr, Xte, ytr, _ = split(X, y)
    out.append(Fixture("logreg_multinomial", Pipeline([("scale", StandardScaler()),
                                                       ("clf", LogisticRegression(C=0.5, max_iter=500))])
                       .fit(Xtr, ytr), Xte, "multinomial (softmax) LogisticRegression, iris", ["joblib"]))
    if V < (1, 8):
        out.append(Fixture("logreg_ovr", Pipeline([("scale", StandardScaler()),
                                                   ("clf", LogisticRegression(multi_class="ovr", max_iter=500))])
                           .fit(Xtr, ytr), Xte, "LogisticRegression(multi_class='ovr'), iris", ["pickle-p4"]))
        out.append(Fixture("logreg_liblinear", Pipeline([("scale", StandardScaler()),
                                                         ("clf", LogisticRegression(solver="liblinear"))])
                           .fit(Xtr, ytr), Xte, "LogisticRegression(solver='liblinear'), iris: one-vs-rest",
                           ["joblib-bz2"]))
    for loss, fmt in [("hinge", "pickle-p5"), ("log_loss", "joblib-lzma"), ("modified_huber", "joblib-xz")]:
        out.append(Fixture(f"sgd_{loss}", Pipeline([("scale", StandardScaler()),
                                                    ("sgd", SGDClassifier(loss=loss, random_state=0))])
                           .fit(Xtr, ytr), Xte, f"multiclass SGDClassifier(loss='{loss}'), iris", [fmt]))
    out.append(Fixture("pipeline_passthrough_step", Pipeline([
        ("scale", StandardScaler()), ("skip", "passthrough"), ("nothing", None),
        ("clf", LogisticRegression(max_iter=500))]).fit(Xtr, ytr), Xte,
        "Pipeline with 'passthrough' and None steps", ["joblib-p4"]))
    out.append(Fixture("pipeline_nested", Pipeline([
        ("prep", Pipeline([("mm", MinMaxScaler()), ("std", StandardScaler())])),
        ("clf", LogisticRegression(max_iter=500))]).fit(Xtr, ytr), Xte, "a Pipeline inside a Pipeline",
        ["pickle-p2"]))
    return out


# ---------------------------------------------------------------- trees and ensembles


def tree_fixtures():
    out = []

    def add(name, est, data, desc, fmts, nan=True, seed=0):
        X, y = data
        Xtr, Xte, ytr, _ = split(X, y, seed=seed)
        if nan:
            est, nan_ok = fit_nan(est, blank(Xtr), Xtr, ytr)
        else:
            est, nan_ok = est.fit(Xtr, ytr), False
        desc += "; trained with NaN" if nan_ok else "; no NaN (unsupported by this version)" if nan else ""
        out.append(Fixture(name, est, tree_inputs(est, Xte, nan_ok), desc, fmts))

    add("decision_tree_classifier", DecisionTreeClassifier(random_state=0), IRIS, "DecisionTreeClassifier, iris",
        ["pickle-p4"])
    add("decision_tree_regressor", DecisionTreeRegressor(max_depth=6, random_state=0), DIABETES,
        "DecisionTreeRegressor(max_depth=6), diabetes", ["pickle-p2"])
    add("random_forest_classifier", RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0), WINE,
        "RandomForestClassifier(5 trees, depth 4), wine; written raw and with every joblib compression",
        ALL_JOBLIB + ["pickle-p5"])
    add("random_forest_regressor", RandomForestRegressor(n_estimators=5, max_depth=5, random_state=0), DIABETES,
        "RandomForestRegressor(5 trees, depth 5), diabetes", ["pickle-p3"])
    add("extra_trees_classifier", ExtraTreesClassifier(n_estimators=5, max_depth=4, random_state=0), CANCER,
        "ExtraTreesClassifier(5 trees, depth 4), breast cancer", ["joblib-gzip"])
    add("extra_trees_regressor", ExtraTreesRegressor(n_estimators=5, max_depth=5, random_state=0), DIABETES,
        "ExtraTreesRegressor(5 trees, depth 5), diabetes", ["pickle-p5"])
    gb = dict(n_estimators=10, max_depth=2, random_state=0)
    add("gradient_boosting_classifier_binary", GradientBoostingClassifier(**gb), CANCER,
        "GradientBoostingClassifier(log_loss), binary, breast cancer", ["pickle-p4"], nan=False)
    add("gradient_boosting_classifier_multiclass", GradientBoostingClassifier(**gb), IRIS,
        "GradientBoostingClassifier(log_loss), 3 classes, iris", ["joblib-zlib"], nan=False)
    add("gradient_boosting_classifier_exponential", GradientBoostingClassifier(loss="exponential", **gb), CANCER,
        "GradientBoostingClassifier(loss='exponential'), binary", ["pickle-p2"], nan=False)
    add("gradient_boosting_classifier_zero_init", GradientBoostingClassifier(init="zero", **gb), WINE,
        "GradientBoostingClassifier(init='zero'), wine", ["pickle-p3"], nan=False)
    add("gradient_boosting_regressor", GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0),
        DIABETES, "GradientBoostingRegressor(squared_error), diabetes", ["joblib"], nan=False)
    for loss, fmt in [("huber", "pickle-p5"), ("absolute_error", "joblib-bz2"), ("quantile", "pickle-p4")]:
        add(f"gradient_boosting_regressor_{loss}",
            GradientBoostingRegressor(loss=loss, alpha=0.8, n_estimators=10, max_depth=2, subsample=0.8,
                                      random_state=0),
            DIABETES, f"GradientBoostingRegressor(loss='{loss}', subsample=0.8)", [fmt], nan=False)
    hgb = dict(max_iter=10, max_leaf_nodes=8, random_state=0)
    add("hist_gradient_boosting_classifier_binary", HistGradientBoostingClassifier(**hgb), CANCER,
        "HistGradientBoostingClassifier, binary, breast cancer", ["pickle-p5"])
    add("hist_gradient_boosting_classifier_multiclass", HistGradientBoostingClassifier(**hgb), WINE,
        "HistGradientBoostingClassifier, 3 classes, wine", ["joblib-zlib"])
    add("hist_gradient_boosting_regressor", HistGradientBoostingRegressor(**hgb), DIABETES,
        "HistGradientBoostingRegressor(squared_error), diabetes", ["pickle-p4"])
    add("hist_gradient_boosting_regressor_poisson", HistGradientBoostingRegressor(loss="poisson", **hgb), DIABETES,
        "HistGradientBoostingRegressor(loss='poisson'): log link", ["joblib-xz"])
    out.extend(hgb_categorical_fixtures())
    return out


def hgb_categorical_fixtures():
    out = []
    rng = np.random.default_rng(7)
    n = 400
    X = np.column_stack([
        rng.integers(0, 5, n).astype(float),  # categorical, codes 0..4
        rng.normal(size=n),
        rng.integers(0, 12, n).astype(float),  # categorical, codes 0..11
        rng.normal(size=n),
    ])
    X[rng.random(n) < 0.05, 0] = np.nan
    X[rng.random(n) < 0.05, 1] = np.nan
    logit = np.isin(X[:, 0], [1, 3]) * 1.5 - np.isin(X[:, 2], [2, 5, 7, 11]) + X[:, 1]
    y_cls = (np.nan_to_num(logit) + rng.normal(0, 0.5, n) > 0.3).astype(int)
    y_reg = np.nan_to_num(logit) * 3 + X[:, 3]
    Xtr, Xte, ytr, _ = split(X, y_cls)
    queries = np.vstack([Xte, [[7.0, 0.1, 3.0, 0.0], [np.nan, 0.2, 11.0, 1.0], [2.0, np.nan, np.nan, -1.0],
                               [4.0, -0.3, 40.0, 0.5]]])
    hgb = dict(max_iter=10, max_leaf_nodes=8, random_state=0)
    m = HistGradientBoostingClassifier(categorical_features=[0, 2], **hgb).fit(Xtr, ytr)
    out.append(Fixture("hist_gradient_boosting_categorical", m, queries,
                       "HistGradientBoostingClassifier(categorical_features=[0, 2]) on integer codes, with NaN "
                       "and unseen codes (7, 40)", ["pickle-p5"]))
    Xtr, Xte, ytr, _ = split(X, y_reg)
    m = HistGradientBoostingRegressor(categorical_features=[True, False, True, False], **hgb).fit(Xtr, ytr)
    out.append(Fixture("hist_gradient_boosting_regressor_categorical", m, queries,
                       "HistGradientBoostingRegressor(categorical_features=<bool mask>)", ["joblib"]))

    df = pd.DataFrame({"shape": X[:, 0], "x1": X[:, 1], "code": X[:, 2], "x3": X[:, 3]})
    dtr, dte, ytr, _ = split(df, y_cls)
    m = HistGradientBoostingClassifier(categorical_features=["shape", "code"], **hgb).fit(dtr, ytr)
    dq = pd.DataFrame(queries, columns=df.columns)
    out.append(Fixture("hist_gradient_boosting_named_categorical", m, dq,
                       "HistGradientBoostingClassifier(categorical_features=[names]) fitted on a DataFrame",
                       ["joblib-gzip"]))
    if V >= (1, 4):
        frame, y = categorical_frame(seed=11)
        frame = frame.drop(columns=["noise"])
        frame["colour"] = frame["colour"].astype("category")
        frame["size"] = frame["size"].astype("category")
        ftr, fte, ytr, _ = split(frame, y)
        m = HistGradientBoostingClassifier(categorical_features="from_dtype", **hgb).fit(ftr, ytr)
        q = categorical_queries(fte.astype({"colour": object, "size": object})).drop(columns=["noise"])
        out.append(Fixture("hist_gradient_boosting_from_dtype", m, q,
                           "HistGradientBoostingClassifier(categorical_features='from_dtype') on pandas category "
                           "columns of strings (internal OrdinalEncoder _preprocessor); queries as object strings",
                           ["pickle-p5"]))
    return out


# ---------------------------------------------------------------- preprocessing and column transformers


def preprocessing_fixtures():
    out = []
    X, y = CANCER
    X = X[:, :8]
    Xtr, Xte, ytr, _ = split(X, y)
    Xtr_nan = blank(Xtr, 0.1)
    queries = np.vstack([Xte, nan_rows(Xte)])
    ct = ColumnTransformer([
        ("mean", SimpleImputer(strategy="mean", add_indicator=True), [0, 1]),
        ("median", SimpleImputer(strategy="median"), [2]),
        ("most_frequent", SimpleImputer(strategy="most_frequent"), [3]),
        ("constant", SimpleImputer(strategy="constant", fill_value=-1.0, add_indicator=True), [4, 5]),
    ], remainder="passthrough")
    # the passthrough remainder (columns 6, 7) has NaN too: a Ridge cannot take it, so impute after.
    m = Pipeline([("ct", ct), ("fill", SimpleImputer(strategy="mean")), ("scale", StandardScaler()),
                  ("clf", LogisticRegression(max_iter=1000))]).fit(Xtr_nan, ytr)
    out.append(Fixture("imputer_strategies", m, queries,
                       "positional ColumnTransformer: SimpleImputer mean/median/most_frequent/constant with "
                       "add_indicator, remainder passthrough, then imputer + scaler + LogisticRegression",
                       ["pickle-p4"]))
    m = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", StandardScaler()),
                  ("ridge", Ridge())]).fit(Xtr_nan, Xtr[:, 0] * 2 + ytr)
    out.append(Fixture("imputer_indicator_ridge", m, queries,
                       "SimpleImputer(median, add_indicator=True) + StandardScaler + Ridge", ["joblib-gzip"]))

    # numeric categories, positional
    rng = np.random.default_rng(5)
    n = 300
    Xc = np.column_stack([rng.integers(0, 4, n), rng.choice([10, 20, 30], n), rng.normal(size=n),
                          rng.normal(size=n)]).astype(float)
    yc = ((Xc[:, 0] == 2) | (Xc[:, 1] == 30)) ^ (Xc[:, 2] > 1)
    yc = np.where(yc, 1, 0)
    Xtr, Xte, ytr, _ = split(Xc, yc)
    qc = np.vstack([Xte, [[9.0, 10.0, 0.0, 0.0], [1.0, 25.0, 0.5, -0.5], [3.0, 30.0, -1.0, 2.0]]])
    m = Pipeline([("ct", ColumnTransformer([("onehot", OneHotEncoder(handle_unknown="ignore"), [0, 1]),
                                            ("scale", StandardScaler(), [2, 3])], remainder="drop")),
                  ("clf", LogisticRegression(max_iter=500))]).fit(Xtr, ytr)
    out.append(Fixture("onehot_numeric_positional", m, qc,
                       "positional ColumnTransformer: OneHotEncoder(handle_unknown='ignore') on numeric categories "
                       "(unseen 9 and 25 in queries), StandardScaler, remainder drop", ["pickle-p3"]))
    m = Pipeline([("ord", ColumnTransformer([("ord", OrdinalEncoder(handle_unknown="use_encoded_value",
                                                                     unknown_value=-1), [0, 1])],
                                            remainder="passthrough")),
                  ("tree", DecisionTreeRegressor(max_depth=5, random_state=0))]).fit(Xtr, Xtr[:, 2] + ytr)
    out.append(Fixture("ordinal_encoder_numeric", m, qc,
                       "OrdinalEncoder(use_encoded_value, -1) on numeric categories + DecisionTreeRegressor",
                       ["joblib-bz2"]))
    mask = np.array([True, False, True, False])
    m = Pipeline([("ct", ColumnTransformer([("mm", MinMaxScaler(), mask)], remainder="passthrough")),
                  ("ridge", Ridge(alpha=2.0))]).fit(Xtr, Xtr[:, 3] + ytr)
    out.append(Fixture("column_transformer_bool_mask", m, qc,
                       "ColumnTransformer selecting by boolean mask, remainder passthrough, Ridge", ["pickle-p3"]))

    X, y = WINE
    Xtr, Xte, ytr, _ = split(X, y)
    m = Pipeline([("ct", ColumnTransformer([("scale", StandardScaler(), slice(0, 3)),
                                            ("maxabs", MaxAbsScaler(), [5, 6]),
                                            ("robust", RobustScaler(), [-1])], remainder="drop")),
                  ("clf", LogisticRegression(max_iter=1000))]).fit(Xtr, ytr)
    out.append(Fixture("column_transformer_positional_drop", m, Xte,
                       "positional ColumnTransformer (slice, list, negative index), remainder drop, multinomial "
                       "LogisticRegression, wine", ["pickle-p2"]))
    m = Pipeline([("ct", ColumnTransformer([("mm", MinMaxScaler(), [0, 1])], remainder=StandardScaler())),
                  ("clf", LogisticRegression(max_iter=1000))]).fit(Xtr, ytr)
    out.append(Fixture("column_transformer_remainder_estimator", m, Xte,
                       "ColumnTransformer whose remainder is a StandardScaler", ["joblib-lzma"]))

    # named (DataFrame) column transformers with string categories
    df, yd = categorical_frame(nan_in_cat=True)
    dtr, dte, ytr, _ = split(df, yd)
    q = categorical_queries(dte)
    m = Pipeline([("ct", ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
         ["age", "income"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
        ("dropped", "drop", ["noise"]),
    ], remainder="drop")), ("clf", GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0))])
    m.fit(dtr, ytr)
    out.append(Fixture("column_transformer_named", m, q,
                       "named ColumnTransformer on a DataFrame: imputer+scaler pipeline, OneHotEncoder(ignore) on "
                       "string columns (NaN seen in training), an explicit 'drop', GradientBoostingClassifier",
                       ["joblib-zlib"]))
    m = Pipeline([("ct", ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["colour", "size"]),
    ], remainder="passthrough")), ("impute", SimpleImputer()),
        ("clf", RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0))]).fit(dtr, ytr)
    out.append(Fixture("ordinal_encoder_named", m, q,
                       "OrdinalEncoder(use_encoded_value, -1) on string columns, numeric remainder passthrough, "
                       "SimpleImputer, RandomForestClassifier", ["pickle-p4"]))

    df, yd = categorical_frame(seed=4)
    dtr, dte, ytr, _ = split(df, yd)
    q = categorical_queries(dte)
    q_known = categorical_queries(dte, unseen=False)
    num = ["age", "income", "noise"]
    imp = ("num", SimpleImputer(), num)
    m = Pipeline([("ct", ColumnTransformer([imp, ("oh", OneHotEncoder(drop="first", handle_unknown="ignore"),
                                                  ["colour", "size"])])),
                  ("clf", LogisticRegression(max_iter=1000))]).fit(dtr, ytr)
    out.append(Fixture("onehot_drop_first", m, q, "OneHotEncoder(drop='first', handle_unknown='ignore')",
                       ["joblib-lzma"]))
    d2 = dtr.assign(size=np.where(dtr["size"] == "S", "S", "big").astype(object))
    q2 = q_known.assign(size=np.where(q_known["size"] == "S", "S", "big").astype(object))
    q2.loc[q_known["size"].isna(), "size"] = "S"
    m = Pipeline([("ct", ColumnTransformer([imp, ("oh", OneHotEncoder(drop="if_binary", sparse_output=False),
                                                  ["colour", "size"])])),
                  ("clf", LogisticRegression(max_iter=1000))]).fit(d2, ytr)
    q2["colour"] = q2["colour"].fillna("red")
    out.append(Fixture("onehot_drop_if_binary", m, q2,
                       "OneHotEncoder(drop='if_binary', handle_unknown='error'); only known categories queried",
                       ["pickle-p5"]))
    m = Pipeline([("ct", ColumnTransformer([imp, ("oh", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                                      min_frequency=20), ["colour", "size"])])),
                  ("clf", LogisticRegression(max_iter=1000))]).fit(dtr, ytr)
    out.append(Fixture("onehot_infrequent", m, q,
                       "OneHotEncoder(handle_unknown='infrequent_if_exist', min_frequency=20): rare and unseen "
                       "categories share one column", ["joblib"]))
    cats = [["blue", "green", "purple", "red", "yellow"], ["L", "M", "S", "XL"]]
    m = Pipeline([("ct", ColumnTransformer([imp, ("oh", OneHotEncoder(categories=cats, handle_unknown="ignore"),
                                                  ["colour", "size"])])),
                  ("clf", DecisionTreeClassifier(max_depth=4, random_state=0))]).fit(dtr, ytr)
    out.append(Fixture("onehot_explicit_categories", m, q,
                       "OneHotEncoder(categories=<explicit lists incl. never-seen 'purple', 'XL'>)", ["pickle-p2"]))
    return out


# ---------------------------------------------------------------- search wrappers


def search_fixtures():
    out = []
    X, y = CANCER
    Xtr, Xte, ytr, _ = split(X, y)
    gs = GridSearchCV(Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]),
                      {"clf__C": [0.01, 0.1, 1.0, 10.0]}, cv=3).fit(Xtr, ytr)
    out.append(Fixture("grid_search_logreg", gs, Xte, "GridSearchCV(Pipeline(StandardScaler, LogisticRegression))",
                       ["pickle-p5"]))
    df, yd = categorical_frame(seed=9)
    dtr, dte, ytr, _ = split(df, yd)
    pipe = Pipeline([("ct", ColumnTransformer([("num", SimpleImputer(), ["age", "income"]),
                                               ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"])])),
                     ("rf", RandomForestClassifier(n_estimators=4, random_state=0))])
    gs = GridSearchCV(pipe, {"rf__max_depth": [2, 4], "rf__min_samples_leaf": [1, 5]}, cv=3).fit(dtr, ytr)
    out.append(Fixture("grid_search_named_forest", gs, categorical_queries(dte),
                       "GridSearchCV over a named ColumnTransformer + RandomForestClassifier pipeline",
                       ["joblib-gzip"]))
    X, y = DIABETES
    Xtr, Xte, ytr, _ = split(X, y)
    rs = RandomizedSearchCV(Pipeline([("scale", StandardScaler()), ("ridge", Ridge())]),
                            {"ridge__alpha": loguniform(1e-3, 1e2)}, n_iter=4, cv=3, random_state=0).fit(Xtr, ytr)
    out.append(Fixture("randomized_search_ridge", rs, Xte,
                       "RandomizedSearchCV(Pipeline(StandardScaler, Ridge)) with a scipy loguniform distribution",
                       ["joblib-xz"]))
    X, y = WINE
    Xtr, Xte, ytr, _ = split(X, y)
    rs = RandomizedSearchCV(HistGradientBoostingClassifier(max_iter=5, random_state=0),
                            {"max_leaf_nodes": randint(4, 12), "learning_rate": [0.05, 0.1, 0.3]}, n_iter=3, cv=3,
                            random_state=0).fit(blank(Xtr), ytr)
    out.append(Fixture("randomized_search_hgb", rs, np.vstack([Xte, nan_rows(Xte)]),
                       "RandomizedSearchCV(HistGradientBoostingClassifier), NaN in training", ["pickle-p4"]))
    return out


# ---------------------------------------------------------------- class label types


def label_fixtures():
    out = []
    X, y = IRIS
    Xtr, Xte, ytr, _ = split(X, y)
    as_int = np.array([-1, 3, 7])[ytr]
    out.append(Fixture("labels_int", DecisionTreeClassifier(max_depth=3, random_state=0).fit(Xtr, as_int), Xte,
                       "int class labels -1, 3, 7 (DecisionTreeClassifier)", ["pickle-p4"]))
    as_float = np.array([-1.0, 1.0, 2.0])[ytr]  # sklearn refuses non-integral float labels
    out.append(Fixture("labels_float", RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0)
                       .fit(Xtr, as_float), Xte, "float class labels -1.0, 1.0, 2.0 (RandomForestClassifier)",
                       ["joblib"]))
    as_unicode = np.array(["sétosa", "versicolor 🌸", "virginica"])[ytr]  # numpy '<U' array
    out.append(Fixture("labels_str_unicode", GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0)
                       .fit(Xtr, as_unicode), Xte,
                       "non-ASCII str labels in a numpy '<U' array (GradientBoostingClassifier)", ["pickle-p3"]))
    X, y = CANCER
    Xtr, Xte, ytr, _ = split(X, y)
    out.append(Fixture("labels_bool", Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
                       .fit(Xtr, ytr.astype(bool)), Xte, "bool class labels (LogisticRegression)", ["pickle-p5"]))
    as_obj = np.array(["malignant", "benign"], dtype=object)[ytr]
    out.append(Fixture("labels_str_object", HistGradientBoostingClassifier(max_iter=5, random_state=0)
                       .fit(Xtr, as_obj), Xte, "str labels in an object array (HistGradientBoostingClassifier)",
                       ["joblib-zlib"]))
    return out


def all_fixtures():
    return linear_fixtures() + tree_fixtures() + preprocessing_fixtures() + search_fixtures() + label_fixtures()
