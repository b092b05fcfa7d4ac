"""Exactness fixtures for the model zoo, part A (SVM, neighbours, naive Bayes, neural network), under
tests/fixtures/zoo-a/sklearn-<version>/, in the manifest format of python/make_fixtures.py (checked by
tests/sklearn_zoo_a.rs). Run from the repository root with each scikit-learn stack:

    python3 python/make_zoo_a_fixtures.py                      # python/requirements.txt
    /work/venv-old/bin/python python/make_zoo_a_fixtures.py    # python/requirements-old.txt

Each estimator is saved alone or inside a Pipeline (StandardScaler -> model); the rows to predict are test
rows, training rows (zero distance for neighbours, support vectors for SVMs) and perturbed training rows. The
expected outputs are scikit-learn's own `predict` / `predict_proba` for exactly those rows.

`python3 python/make_zoo_a_fixtures.py hostile` writes tests/fixtures/zoo-a/hostile/: fitted models with one
attribute made inconsistent, which tests/sklearn_zoo_a.rs requires to be refused at load.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR, NuSVC, NuSVR

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures  # noqa: E402  (save / manifest writing, shared with the main fixtures)
from fixture_models import Fixture  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "zoo-a" / f"sklearn-{sklearn.__version__}"


def _xy(loader, n_rows=None, n_cols=None, seed=0):
    X, y = loader(return_X_y=True)
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if n_cols:
        X = X[:, :n_cols]
    if n_rows:
        idx = np.random.default_rng(seed).permutation(len(X))[:n_rows]
        X, y = X[idx], y[idx]
    return X, y


def queries(X, n_train=6, n_test=12, seed=0):
    """Held-out-like rows: the last n_test rows are not trained on; plus training rows and perturbed ones."""
    rng = np.random.default_rng(seed)
    Xtr, Xte = X[:-n_test], X[-n_test:]
    picked = Xtr[rng.choice(len(Xtr), n_train, replace=False)]
    noise = rng.normal(scale=0.05, size=picked.shape) * Xtr.std(axis=0)
    return Xtr, np.vstack([Xte, picked, picked + noise])


def scaled(model):
    return Pipeline([("scale", StandardScaler()), ("model", model)])


IRIS = _xy(datasets.load_iris, seed=1)
CANCER = _xy(datasets.load_breast_cancer, n_rows=130, n_cols=6)
DIABETES = _xy(datasets.load_diabetes, n_rows=130)


def fit(name, model, data, desc, fmt="pickle-p4", y_map=None):
    X, y = data
    Xtr, rows = queries(X)
    ytr = y[: len(Xtr)]
    if y_map is not None:
        ytr = y_map[ytr]
    return Fixture(name, model.fit(Xtr, ytr), rows, desc, [fmt])


def proba(cls, **kw):
    """SVC/NuSVC with Platt probabilities (the parameter is deprecated from 1.9 on, still honoured)."""
    return cls(probability=True, random_state=0, **kw)


def svm_fixtures():
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)
    return [
        fit("svc_rbf_binary", scaled(SVC()), CANCER, "SVC(rbf, gamma='scale') in a pipeline, binary"),
        fit("svc_rbf_binary_proba", scaled(proba(SVC, C=3.0)), CANCER, "SVC(rbf, probability=True), binary",
            "joblib"),
        fit("svc_linear_ovo", SVC(kernel="linear", decision_function_shape="ovo"), IRIS,
            "SVC(linear, ovo), 3 classes"),
        fit("svc_poly_proba", scaled(proba(SVC, kernel="poly", degree=3, coef0=1.0, gamma=0.3)), IRIS,
            "SVC(poly degree 3, probability=True), 3 classes", "pickle-p5"),
        fit("svc_sigmoid", scaled(SVC(kernel="sigmoid", gamma=0.1, coef0=0.5)), IRIS, "SVC(sigmoid), 3 classes"),
        fit("svc_break_ties", scaled(SVC(break_ties=True, C=0.05)), IRIS,
            "SVC(break_ties=True, ovr), 3 classes"),
        fit("svc_str_labels_proba", scaled(proba(SVC, gamma=0.5)), IRIS, "SVC(rbf, probability) with str labels",
            "joblib-zlib", y_map=labels),
        fit("nusvc_rbf_proba", scaled(proba(NuSVC, nu=0.3)), IRIS, "NuSVC(rbf, probability=True), 3 classes"),
        fit("nusvc_linear_binary", scaled(NuSVC(kernel="linear", nu=0.4)), CANCER, "NuSVC(linear), binary"),
        fit("svr_rbf", scaled(SVR(C=50.0, epsilon=5.0)), DIABETES, "SVR(rbf)"),
        fit("svr_poly", scaled(SVR(kernel="poly", degree=2, C=20.0, coef0=1.0)), DIABETES, "SVR(poly degree 2)",
            "pickle-p3"),
        fit("nusvr_linear", NuSVR(kernel="linear", C=100.0, nu=0.5), DIABETES, "NuSVR(linear), unscaled"),
        fit("nusvr_sigmoid", scaled(NuSVR(kernel="sigmoid", gamma=0.05, C=30.0)), DIABETES, "NuSVR(sigmoid)"),
        fit("linear_svc_binary", scaled(LinearSVC(C=0.5)), CANCER, "LinearSVC, binary"),
        fit("linear_svc_multiclass", scaled(LinearSVC()), IRIS, "LinearSVC, one-vs-rest, 3 classes"),
        fit("linear_svc_crammer_singer", scaled(LinearSVC(multi_class="crammer_singer")), IRIS,
            "LinearSVC(crammer_singer), 3 classes", "joblib"),
        fit("linear_svr", scaled(LinearSVR(C=10.0, max_iter=5000)), DIABETES, "LinearSVR"),
    ]


def grid_data(n=70, d=3, k=3, seed=4):
    """Integer points: many exact distance ties, duplicated points, and queries at zero distance."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, d)).astype(float)
    y = rng.integers(0, k, size=n)
    return X, y


def neighbors_fixtures():
    grid = grid_data()
    grid_y = (grid[0], grid[0] @ np.array([1.0, -2.0, 0.5]) + np.random.default_rng(5).normal(size=len(grid[0])))
    return [
        fit("knn_clf_uniform", scaled(KNeighborsClassifier()), IRIS, "KNeighborsClassifier(k=5), pipeline"),
        fit("knn_clf_distance_kd", KNeighborsClassifier(n_neighbors=7, weights="distance", algorithm="kd_tree"),
            IRIS, "KNeighborsClassifier(distance weights, kd_tree)"),
        fit("knn_clf_manhattan_ball", KNeighborsClassifier(n_neighbors=4, p=1, algorithm="ball_tree"), CANCER,
            "KNeighborsClassifier(p=1, ball_tree), binary", "joblib"),
        fit("knn_clf_p3_brute", KNeighborsClassifier(n_neighbors=6, p=3, algorithm="brute"), IRIS,
            "KNeighborsClassifier(p=3, brute)"),
        fit("knn_clf_grid_ties", KNeighborsClassifier(n_neighbors=4), grid,
            "KNeighborsClassifier on integer points: distance and vote ties"),
        fit("knn_clf_grid_ties_distance", KNeighborsClassifier(n_neighbors=5, weights="distance"), grid,
            "KNeighborsClassifier(distance) with zero-distance queries", "pickle-p5"),
        fit("knn_clf_grid_manhattan", KNeighborsClassifier(n_neighbors=6, metric="manhattan", algorithm="brute"),
            grid, "KNeighborsClassifier(metric='manhattan', brute) on integer points"),
        fit("knn_clf_euclidean_str", KNeighborsClassifier(n_neighbors=3, metric="euclidean"), IRIS,
            "KNeighborsClassifier(metric='euclidean') with str labels",
            y_map=np.array(["a", "b", "c"], dtype=object)),
        fit("knn_clf_grid_kd_deep", KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree", leaf_size=3),
            grid_data(n=160, d=3, k=4, seed=8), "KNeighborsClassifier(kd_tree, leaf_size=3): a deep tree, ties"),
        fit("knn_clf_grid_ball_deep", KNeighborsClassifier(n_neighbors=5, algorithm="ball_tree", leaf_size=3,
                                                           weights="distance"),
            grid_data(n=160, d=3, k=4, seed=9), "KNeighborsClassifier(ball_tree, leaf_size=3, distance), ties"),
        fit("knn_clf_grid_chebyshev_kd", KNeighborsClassifier(n_neighbors=5, metric="chebyshev", leaf_size=4),
            grid_data(n=120, d=3, k=3, seed=10), "KNeighborsClassifier(chebyshev, kd_tree), ties"),
        fit("knn_clf_grid_brute_distance", KNeighborsClassifier(n_neighbors=5, algorithm="brute",
                                                                weights="distance"),
            grid_data(n=120, d=3, k=3, seed=11), "KNeighborsClassifier(brute euclidean, distance), ties"),
        fit("knn_reg_ball_p3_deep", KNeighborsRegressor(n_neighbors=4, algorithm="ball_tree", p=3, leaf_size=4),
            grid_y, "KNeighborsRegressor(ball_tree, p=3, leaf_size=4)"),
        fit("knn_reg_uniform", scaled(KNeighborsRegressor(n_neighbors=5)), DIABETES, "KNeighborsRegressor(k=5)"),
        fit("knn_reg_distance", KNeighborsRegressor(n_neighbors=4, weights="distance", p=1), grid_y,
            "KNeighborsRegressor(distance, p=1) with zero-distance queries", "joblib-zlib"),
        fit("knn_reg_grid_ties", KNeighborsRegressor(n_neighbors=3, algorithm="kd_tree"), grid_y,
            "KNeighborsRegressor(kd_tree) on integer points: distance ties"),
    ]


def count_data(n=90, d=6, k=3, seed=6):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    lam = rng.uniform(0.2, 4.0, size=(k, d))
    return rng.poisson(lam[y]).astype(float), y


def categorical_data(n=90, seed=7):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    X = np.column_stack([(y + rng.integers(0, 2, size=n)) % 3, rng.integers(0, 4, size=n),
                         (2 * y + rng.integers(0, 3, size=n)) % 5]).astype(float)
    return X, y


def naive_bayes_fixtures():
    counts = count_data()
    cats = categorical_data()
    return [
        fit("gaussian_nb", GaussianNB(), IRIS, "GaussianNB, 3 classes"),
        fit("gaussian_nb_binary_pipeline", scaled(GaussianNB(var_smoothing=1e-3)), CANCER,
            "GaussianNB(var_smoothing=1e-3) in a pipeline, binary", "joblib"),
        fit("gaussian_nb_priors", GaussianNB(priors=[0.5, 0.3, 0.2]), IRIS, "GaussianNB(priors)"),
        fit("multinomial_nb", MultinomialNB(), counts, "MultinomialNB on counts"),
        fit("multinomial_nb_alpha", MultinomialNB(alpha=0.3, fit_prior=False), counts,
            "MultinomialNB(alpha=0.3, fit_prior=False)", "pickle-p5"),
        fit("bernoulli_nb", BernoulliNB(binarize=1.5), counts, "BernoulliNB(binarize=1.5) on counts"),
        fit("bernoulli_nb_no_binarize", BernoulliNB(binarize=None, class_prior=[0.2, 0.3, 0.5]),
            (np.minimum(counts[0], 1.0), counts[1]), "BernoulliNB(binarize=None, class_prior) on 0/1 data"),
        fit("complement_nb", ComplementNB(), counts, "ComplementNB"),
        fit("complement_nb_norm", ComplementNB(norm=True, alpha=0.5), counts, "ComplementNB(norm=True)",
            "joblib-zlib"),
        fit("categorical_nb", CategoricalNB(), cats, "CategoricalNB on integer categories"),
        fit("categorical_nb_min_categories", CategoricalNB(min_categories=[4, 5, 6], alpha=0.7), cats,
            "CategoricalNB(min_categories, alpha=0.7)"),
    ]


def mlp(cls, **kw):
    return cls(random_state=0, max_iter=kw.pop("max_iter", 120), **kw)


def neural_fixtures():
    reg2 = (DIABETES[0], np.column_stack([DIABETES[1], DIABETES[0][:, 2] * 100.0]))
    return [
        fit("mlp_clf_binary", scaled(mlp(MLPClassifier, hidden_layer_sizes=(8,), activation="logistic")), CANCER,
            "MLPClassifier(logistic, (8,)), binary"),
        fit("mlp_clf_multiclass", scaled(mlp(MLPClassifier, hidden_layer_sizes=(10, 5))), IRIS,
            "MLPClassifier(relu, (10, 5)), 3 classes", "joblib"),
        fit("mlp_clf_tanh_str", scaled(mlp(MLPClassifier, hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs")), IRIS,
            "MLPClassifier(tanh) with str labels", y_map=np.array(["x", "y", "z"], dtype=object)),
        fit("mlp_reg_relu", scaled(mlp(MLPRegressor, hidden_layer_sizes=(12,), learning_rate_init=0.05)),
            DIABETES, "MLPRegressor(relu, (12,))"),
        fit("mlp_reg_identity", scaled(mlp(MLPRegressor, hidden_layer_sizes=(4,), activation="identity", solver="lbfgs")),
            DIABETES, "MLPRegressor(identity)", "pickle-p5"),
        fit("mlp_reg_tanh_multioutput", scaled(mlp(MLPRegressor, hidden_layer_sizes=(7, 3), activation="tanh",
                                                   learning_rate_init=0.05)), reg2,
            "MLPRegressor(tanh, (7, 3)), two outputs"),
    ]


FAMILIES = {"svm": svm_fixtures, "neighbors": neighbors_fixtures, "naive_bayes": naive_bayes_fixtures,
            "neural_network": neural_fixtures}


def main() -> None:
    warnings.filterwarnings("ignore")
    if sys.argv[1:] == ["hostile"]:
        write_hostile()
        return
    wanted = sys.argv[1:] or list(FAMILIES)
    make_fixtures.OUT = OUT
    if not sys.argv[1:] and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    count = 0
    for family in wanted:
        for fx in FAMILIES[family]():
            make_fixtures.write_fixture(fx, fx.formats[0], fx.name)
            count += 1
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"scikit-learn {sklearn.__version__}: {count} fixtures, {total} bytes in {OUT}")



def hostile_models():
    """Fitted models with one attribute made inconsistent (as a corrupted or hand-edited file would be):
    the loader must refuse each at load with an error naming the class and the attribute."""
    from scipy import sparse
    from sklearn.metrics.pairwise import rbf_kernel

    X, y = IRIS
    out = {}

    def tamper(name, model, fn):
        fn(model)
        out[name] = model

    tamper("svc_dual_coef_short", SVC().fit(X, y), lambda m: setattr(m, "_dual_coef_", m._dual_coef_[:, :-1]))
    tamper("svc_n_support_sum", SVC().fit(X, y), lambda m: setattr(m, "_n_support", m._n_support + 1))
    tamper("svc_intercept_len", SVC().fit(X, y), lambda m: setattr(m, "_intercept_", m._intercept_[:2]))
    tamper("svc_proba_len", proba(SVC).fit(X, y), lambda m: setattr(m, "_probA", m._probA[:1]))
    tamper("svc_sv_width", SVC().fit(X, y), lambda m: setattr(m, "support_vectors_", m.support_vectors_[:, :3]))
    out["svc_precomputed"] = SVC(kernel="precomputed").fit(X @ X.T, y)
    out["svc_callable_kernel"] = SVC(kernel=rbf_kernel).fit(X, y)
    out["svc_sparse"] = SVC().fit(sparse.csr_matrix(X), y)
    tamper("svr_dual_coef_rows", SVR().fit(X, y.astype(float)),
           lambda m: setattr(m, "_dual_coef_", np.vstack([m._dual_coef_, m._dual_coef_])))
    tamper("knn_y_out_of_range", KNeighborsClassifier().fit(X, y), lambda m: m._y.__setitem__(0, 7))
    tamper("knn_n_neighbors", KNeighborsClassifier().fit(X, y), lambda m: setattr(m, "n_neighbors", 10_000))

    def bad_tree(m):
        st = list(m._tree.__getstate__())
        st[1] = st[1].copy()
        st[1][0] = 10_000
        m._tree.__setstate__(tuple(st))

    tamper("knn_tree_index", KNeighborsClassifier(algorithm="kd_tree").fit(X, y), bad_tree)

    def bad_nodes(m):
        st = list(m._tree.__getstate__())
        st[2] = st[2].copy()
        st[2]["idx_end"][0] = 10_000
        m._tree.__setstate__(tuple(st))

    tamper("knn_tree_nodes", KNeighborsClassifier(algorithm="ball_tree", leaf_size=5).fit(X, y), bad_nodes)
    out["knn_callable_metric"] = KNeighborsClassifier(metric=rbf_kernel, algorithm="brute").fit(X, y)
    tamper("gaussian_nb_var_shape", GaussianNB().fit(X, y), lambda m: setattr(m, "var_", m.var_[:, :2]))
    tamper("multinomial_nb_prior_len", MultinomialNB().fit(X, y),
           lambda m: setattr(m, "class_log_prior_", m.class_log_prior_[:2]))
    tamper("categorical_nb_table_rows", CategoricalNB().fit(X.astype(int), y),
           lambda m: m.feature_log_prob_.__setitem__(1, m.feature_log_prob_[1][:2]))
    tamper("mlp_layer_mismatch", mlp(MLPClassifier, hidden_layer_sizes=(5,)).fit(X, y),
           lambda m: m.coefs_.__setitem__(1, m.coefs_[1][:3]))
    out["mlp_multilabel"] = mlp(MLPClassifier, hidden_layer_sizes=(5,)).fit(X, np.column_stack([y == 1, y == 2]))
    return out


def write_hostile() -> None:
    import pickle

    folder = ROOT / "tests" / "fixtures" / "zoo-a" / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    models = hostile_models()
    for name, model in models.items():
        with open(folder / f"{name}.pkl", "wb") as f:
            pickle.dump(model, f, protocol=4)
    print(f"{len(models)} hostile models in {folder}")


if __name__ == "__main__":
    main()
