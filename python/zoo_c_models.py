"""The models behind tests/fixtures/zoo-c/ (issue 9, part C): more linear and discriminant models, more
preprocessing, and ensembles of other estimators. Small, seeded, fitted on scikit-learn's toy datasets.

Each fixture predicts on training rows, held-out rows and perturbed rows (plus NaN rows where the estimator
accepts them). Classes that only some scikit-learn versions have are switched on by trying, never faked.
"""

from __future__ import annotations

import warnings

import numpy as np
import sklearn
from sklearn import cross_decomposition, discriminant_analysis, kernel_ridge, linear_model, svm
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from fixture_models import CANCER, DIABETES, IRIS, WINE, Fixture, split

V = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
warnings.filterwarnings("ignore")


def rows(est_X, Xte, seed=7, n_train=6):
    """Training rows, held-out rows and perturbed held-out rows."""
    rng = np.random.default_rng(seed)
    Xte = np.asarray(Xte, dtype=float)
    pert = Xte[:6] * (1 + rng.normal(0, 0.05, Xte[:6].shape)) + rng.normal(0, 0.1, Xte[:6].shape)
    return np.vstack([np.asarray(est_X, dtype=float)[:n_train], Xte, pert])


def scaled(est):
    return Pipeline([("scale", StandardScaler()), ("est", est)])


def linear_fixtures():
    out = []
    lm = linear_model
    X, y = DIABETES
    Xtr, Xte, ytr, _ = split(X, y)
    Xin = rows(Xtr, Xte)
    regs = [
        ("ridge_cv", lm.RidgeCV(alphas=[0.1, 1.0, 10.0])),
        ("lasso_cv", lm.LassoCV(cv=3, random_state=0)),
        ("elastic_net_cv", lm.ElasticNetCV(cv=3, l1_ratio=[0.2, 0.8], random_state=0)),
        ("huber", lm.HuberRegressor(max_iter=500)),
        ("quantile", lm.QuantileRegressor(quantile=0.7, alpha=0.01, solver="highs")),
        ("bayesian_ridge", lm.BayesianRidge()),
        ("ard", lm.ARDRegression()),
        ("passive_aggressive_regressor", lm.PassiveAggressiveRegressor(random_state=0)),
    ]
    for name, est in regs:
        out.append(Fixture(name, scaled(est).fit(Xtr, ytr), Xin, f"StandardScaler + {type(est).__name__}, diabetes"))
    out.append(Fixture("ridge_cv_bare", lm.RidgeCV().fit(Xtr, ytr), Xin, "bare RidgeCV"))
    y2 = np.column_stack([ytr, ytr * 0.3 + Xtr[:, 1] * 50])
    out.append(Fixture("ridge_cv_multioutput", lm.RidgeCV().fit(Xtr, y2), Xin, "RidgeCV with two targets"))
    ypos = ytr / 100.0
    for name, est in [("poisson", lm.PoissonRegressor(alpha=0.1)), ("gamma", lm.GammaRegressor(alpha=0.1)),
                      ("tweedie_15", lm.TweedieRegressor(power=1.5, alpha=0.1)),
                      ("tweedie_0", lm.TweedieRegressor(power=0, alpha=0.1)),
                      ("tweedie_identity", lm.TweedieRegressor(power=1, link="identity", alpha=0.1))]:
        out.append(Fixture(name, scaled(est).fit(Xtr, ypos), Xin, f"StandardScaler + {name} GLM (y / 100)"))
    out.append(Fixture("pls", cross_decomposition.PLSRegression(n_components=3).fit(Xtr[:60], ytr[:60]), Xin,
                       "PLSRegression(3 components), diabetes"))
    out.append(Fixture("pls_multi", cross_decomposition.PLSRegression(n_components=2, scale=False).fit(Xtr[:60], y2[:60]),
                       Xin, "PLSRegression(scale=False) with two targets"))
    Xk, yk = Xtr[:60, :5], ytr[:60]
    Xkin = rows(Xk, Xte[:, :5])
    for kernel, kw in [("linear", {}), ("poly", {"degree": 2, "gamma": 0.5}), ("rbf", {"gamma": 2.0}),
                       ("sigmoid", {"gamma": 0.5, "coef0": 0.2}), ("laplacian", {}), ("cosine", {})]:
        out.append(Fixture(f"kernel_ridge_{kernel}", kernel_ridge.KernelRidge(alpha=0.5, kernel=kernel, **kw)
                           .fit(Xk, yk), Xkin, f"KernelRidge(kernel={kernel!r})"))
    out.append(Fixture("kernel_ridge_rbf_multi", kernel_ridge.KernelRidge(kernel="rbf").fit(Xk, y2[:60]), Xkin,
                       "KernelRidge rbf, default gamma, two targets"))

    for data, tag in [(CANCER, "binary"), (IRIS, "multiclass")]:
        X, y = data
        Xtr, Xte, ytr, _ = split(X, y)
        Xin = rows(Xtr, Xte)
        clfs = [
            ("ridge_classifier", lm.RidgeClassifier()),
            ("ridge_classifier_cv", lm.RidgeClassifierCV()),
            ("perceptron", lm.Perceptron(random_state=0)),
            ("passive_aggressive_classifier", lm.PassiveAggressiveClassifier(random_state=0)),
            ("logreg_cv", lm.LogisticRegressionCV(cv=3, max_iter=500)),
            ("lda", discriminant_analysis.LinearDiscriminantAnalysis()),
            ("lda_lsqr", discriminant_analysis.LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")),
            ("qda", discriminant_analysis.QuadraticDiscriminantAnalysis(reg_param=0.1)),
        ]
        for name, est in clfs:
            out.append(Fixture(f"{name}_{tag}", scaled(est).fit(Xtr, ytr), Xin,
                               f"StandardScaler + {type(est).__name__}, {tag}"))
    X, y = WINE
    Xtr, Xte, ytr, _ = split(X, y)
    ys = np.array(["a", "b", "c"], dtype=object)[ytr]
    out.append(Fixture("qda_wine_strings", discriminant_analysis.QuadraticDiscriminantAnalysis(reg_param=0.01)
                       .fit(Xtr, ys), rows(Xtr, Xte), "bare QDA with string labels, wine"))
    out.append(Fixture("ridge_classifier_strings", lm.RidgeClassifier().fit(Xtr, ys), rows(Xtr, Xte),
                       "bare RidgeClassifier with string labels, wine"))
    return out


def preprocessing_fixtures():
    from sklearn import decomposition, preprocessing as pp
    from sklearn.compose import ColumnTransformer
    out = []
    X, y = DIABETES
    Xtr, Xte, ytr, _ = split(X, y)
    Xin = rows(Xtr, Xte)
    Xpos = np.abs(Xtr) * 10 + 0.1
    Xpos_in = np.abs(Xin) * 10 + 0.1
    reg = linear_model.Ridge(alpha=0.1)

    def pipe(*steps):
        return Pipeline([(f"s{i}", s) for i, s in enumerate(steps)] + [("reg", clone(reg))])

    cases = [
        ("pca", pipe(decomposition.PCA(n_components=5)), Xin),
        ("pca_whiten", pipe(decomposition.PCA(n_components=4, whiten=True)), Xin),
        ("truncated_svd", pipe(decomposition.TruncatedSVD(n_components=3, random_state=0)), Xin),
        ("poly2", pipe(pp.PolynomialFeatures(2)), Xin),
        ("poly3_interaction", pipe(pp.PolynomialFeatures(3, interaction_only=True, include_bias=False)), Xin),
        ("poly_min_degree", pipe(pp.PolynomialFeatures((2, 3))), Xin),
        ("normalizer_l1", pipe(pp.Normalizer("l1")), Xin),
        ("normalizer_l2", pipe(pp.Normalizer()), Xin),
        ("normalizer_max", pipe(pp.Normalizer("max")), Xin),
        ("binarizer", pipe(pp.Binarizer(threshold=0.01)), Xin),
        ("function_log1p", pipe(pp.FunctionTransformer(np.log1p), pp.StandardScaler()), Xpos_in),
        ("function_sqrt_validate", pipe(pp.FunctionTransformer(np.sqrt, validate=True)), Xpos_in),
        ("function_abs_square", pipe(pp.FunctionTransformer(np.abs), pp.FunctionTransformer(np.square)), Xin),
        ("power_yeo_johnson", pipe(pp.PowerTransformer()), Xin * 30),
        ("power_yeo_johnson_raw", pipe(pp.PowerTransformer(standardize=False)), Xin * 30),
        ("power_box_cox", pipe(pp.PowerTransformer(method="box-cox")), Xpos_in),
        ("quantile_uniform", pipe(pp.QuantileTransformer(n_quantiles=40)), Xin),
        ("quantile_normal", pipe(pp.QuantileTransformer(n_quantiles=25, output_distribution="normal")),
         np.vstack([Xin, Xin[:2] * 5, Xin[:2] * 1e-3])),
        ("spline_constant", pipe(pp.SplineTransformer(n_knots=4, degree=3)), Xin * 3),
        ("spline_linear_quantile", pipe(pp.SplineTransformer(n_knots=5, degree=2, knots="quantile",
                                                             extrapolation="linear", include_bias=False)), Xin * 3),
        ("spline_linear_degree1", pipe(pp.SplineTransformer(n_knots=3, degree=1, extrapolation="linear")), Xin * 3),
        ("spline_continue", pipe(pp.SplineTransformer(n_knots=4, degree=3, extrapolation="continue")), Xin * 3),
        ("spline_periodic", pipe(pp.SplineTransformer(n_knots=5, degree=3, extrapolation="periodic")), Xin * 3),
        ("spline_error", pipe(pp.SplineTransformer(n_knots=4, degree=2, extrapolation="error")), Xin[:10]),
        ("kbins_ordinal", pipe(pp.KBinsDiscretizer(n_bins=4, encode="ordinal")), Xin),
        ("kbins_onehot", pipe(pp.KBinsDiscretizer(n_bins=3, encode="onehot-dense", strategy="uniform")), Xin),
        ("kbins_onehot_sparse", pipe(pp.KBinsDiscretizer(n_bins=3, strategy="kmeans")), Xin),
    ]
    for name, model, inputs in cases:
        fit_X = Xpos if inputs is Xpos_in else (Xtr * 30 if name.startswith("power_yeo") else Xtr)
        if name.startswith("spline") and name != "spline_error":
            fit_X = Xtr
        try:
            model.fit(fit_X, ytr)
        except (TypeError, ValueError) as e:  # an option this version does not have
            print(f"skip {name}: {e}")
            continue
        out.append(Fixture(name, model, inputs, f"{[type(s).__name__ for _, s in model.steps]}, diabetes"))
    nan_in = np.vstack([Xin, Xin[:3]])
    nan_in[-3, 0] = np.nan
    nan_in[-2, :] = np.nan
    nan_in[-1, 2] = np.nan
    from sklearn.impute import SimpleImputer
    nan_cases = [("power_nan", pp.PowerTransformer()), ("quantile_nan", pp.QuantileTransformer(n_quantiles=30)),
                 ("quantile_normal_nan", pp.QuantileTransformer(n_quantiles=30, output_distribution="normal"))]
    try:
        nan_cases.append(("spline_nan_zeros", pp.SplineTransformer(n_knots=4, handle_missing="zeros")))
    except TypeError:  # handle_missing came in a later scikit-learn
        pass
    for name, t in nan_cases:
        m = Pipeline([("t", t), ("imp", SimpleImputer()), ("reg", clone(reg))]).fit(Xtr * 30, ytr)
        out.append(Fixture(name, m, nan_in * 30, f"{type(t).__name__} with NaN passing through to SimpleImputer"))
    ct = ColumnTransformer([("pca", decomposition.PCA(2), [0, 1, 2, 3]), ("poly", pp.PolynomialFeatures(2), [4, 5]),
                            ("log", pp.FunctionTransformer(np.exp), [6]), ("bins", pp.KBinsDiscretizer(3), [7, 8])],
                           remainder=pp.Normalizer())
    out.append(Fixture("column_transformer_mix", Pipeline([("ct", ct), ("reg", clone(reg))]).fit(Xtr, ytr), Xin,
                       "ColumnTransformer of PCA, PolynomialFeatures, FunctionTransformer(exp), KBins, Normalizer"))
    try:
        from sklearn.preprocessing import TargetEncoder
    except ImportError:
        TargetEncoder = None
    if TargetEncoder is not None:
        from fixture_models import categorical_frame, categorical_queries
        df, yc = categorical_frame(nan_in_cat=True)
        dtr, dte = df.iloc[:200], df.iloc[200:]
        queries = categorical_queries(dte)
        num = ["age", "income", "noise"]
        from sklearn.impute import SimpleImputer as Imp
        for name, target, final in [
            ("target_encoder_binary", yc[:200], linear_model.LogisticRegression(max_iter=500)),
            ("target_encoder_continuous", np.asarray(dtr["income"] / 1000.0), linear_model.Ridge()),
            ("target_encoder_multiclass", np.where(dtr["age"].fillna(40) > 45, "old",
                                                   np.where(dtr["size"] == "S", "small", "other")),
             linear_model.LogisticRegression(max_iter=500)),
        ]:
            ct = ColumnTransformer([("te", TargetEncoder(random_state=0), ["colour", "size"]),
                                    ("num", Imp(), num)])
            try:
                m = Pipeline([("ct", ct), ("scale", pp.StandardScaler()), ("est", final)]).fit(dtr, target)
            except ValueError as e:  # multiclass targets came in scikit-learn 1.4
                print(f"skip {name}: {e}")
                continue
            out.append(Fixture(name, m, queries, f"TargetEncoder ({name}) on string columns with NaN and unseen"))

    X, y = IRIS
    Xtr, Xte, ytr, _ = split(X, y)
    clf = Pipeline([("poly", pp.PolynomialFeatures(2)), ("scale", pp.StandardScaler()),
                    ("clf", linear_model.LogisticRegression(max_iter=1000))]).fit(Xtr, ytr)
    out.append(Fixture("poly_logreg_iris", clf, rows(Xtr, Xte), "PolynomialFeatures + LogisticRegression, iris"))
    return out


def ensemble_fixtures():
    from sklearn import ensemble as en, preprocessing as pp
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    out = []
    lm = linear_model
    for data, tag in [(CANCER, "binary"), (IRIS, "multiclass")]:
        X, y = data
        Xtr, Xte, ytr, _ = split(X, y)
        Xin = rows(Xtr, Xte)
        ys = np.array(["setosa", "versicolor", "virginica", "x"], dtype=object)[ytr]

        def base():
            return [("lr", scaled(lm.LogisticRegression(max_iter=500))),
                    ("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
                    ("lda", discriminant_analysis.LinearDiscriminantAnalysis())]
        cases = [
            ("voting_soft", en.VotingClassifier(base(), voting="soft")),
            ("voting_soft_weights", en.VotingClassifier(base(), voting="soft", weights=[2, 1, 0.5])),
            ("voting_hard", en.VotingClassifier(base() + [("sgd", scaled(lm.SGDClassifier(random_state=0)))])),
            ("voting_hard_weights_drop", en.VotingClassifier(base() + [("x", "drop")], weights=[1, 2, 1, 5])),
            ("stacking", en.StackingClassifier(base(), cv=3)),
            ("stacking_passthrough_predict", en.StackingClassifier(
                [("tree", DecisionTreeClassifier(max_depth=2, random_state=0)), ("x", "drop"),
                 ("ridge", lm.RidgeClassifier())], stack_method="predict", passthrough=True, cv=3,
                final_estimator=lm.LogisticRegression(max_iter=1000))),
            ("bagging_tree", en.BaggingClassifier(DecisionTreeClassifier(max_depth=3), n_estimators=5,
                                                  max_features=0.6, bootstrap_features=True, random_state=0)),
            ("bagging_perceptron_vote", en.BaggingClassifier(lm.Perceptron(random_state=0), n_estimators=4,
                                                             max_samples=0.5, random_state=1)),
            ("adaboost", en.AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=8, random_state=0)),
        ]
        if V < (1, 6):
            cases.append(("adaboost_samme_r", en.AdaBoostClassifier(n_estimators=6, algorithm="SAMME.R", random_state=0)))
            cases[-2] = ("adaboost", en.AdaBoostClassifier(n_estimators=8, algorithm="SAMME", random_state=0))
        from sklearn.calibration import CalibratedClassifierCV
        cases += [
            ("calibrated_sigmoid_logreg", CalibratedClassifierCV(scaled(lm.LogisticRegression(max_iter=500)), cv=3)),
            ("calibrated_isotonic_tree", CalibratedClassifierCV(DecisionTreeClassifier(max_depth=3, random_state=0),
                                                                method="isotonic", cv=3)),
            ("calibrated_isotonic_ridge_noensemble", CalibratedClassifierCV(lm.RidgeClassifier(), method="isotonic",
                                                                            cv=3, ensemble=False)),
            ("calibrated_sigmoid_qda", CalibratedClassifierCV(discriminant_analysis.QuadraticDiscriminantAnalysis(
                reg_param=0.1), cv=2)),
            ("calibrated_temperature_logreg", CalibratedClassifierCV(scaled(lm.LogisticRegression(max_iter=500)),
                                                                     method="temperature", cv=3)),
            ("calibrated_temperature_tree", CalibratedClassifierCV(DecisionTreeClassifier(max_depth=3, random_state=0),
                                                                   method="temperature", cv=3, ensemble=False)),
            # SVC (no probability=True) answers through decision_function: calibrated, and stacked by "auto".
            ("calibrated_sigmoid_svc", CalibratedClassifierCV(scaled(svm.SVC()), cv=3)),
            ("stacking_auto_svc", en.StackingClassifier(
                [("svc", scaled(svm.SVC())), ("lda", discriminant_analysis.LinearDiscriminantAnalysis())], cv=3)),
            ("stacking_decision_function", en.StackingClassifier(
                [("svm_like", scaled(lm.SGDClassifier(random_state=0))), ("lda", discriminant_analysis.LinearDiscriminantAnalysis())],
                stack_method="decision_function", cv=3)),
        ]
        for name, est in cases:
            yy = ys if tag == "multiclass" and ("hard" in name or "calibrated" in name) else ytr
            try:
                est.fit(Xtr, yy)
            except (ValueError, TypeError) as e:  # an option this version does not have
                print(f"skip {name}: {e}")
                continue
            out.append(Fixture(f"{name}_{tag}", est, Xin, f"{type(est).__name__} ({name}), {tag}"))
    X, y = DIABETES
    Xtr, Xte, ytr, _ = split(X, y)
    Xin = rows(Xtr, Xte)
    regs = [
        ("voting_regressor", en.VotingRegressor([("lr", lm.LinearRegression()), ("kr", kernel_ridge.KernelRidge(kernel="rbf")),
                                                 ("tree", DecisionTreeRegressor(max_depth=3, random_state=0))])),
        ("voting_regressor_weights", en.VotingRegressor([("lr", lm.LinearRegression()), ("x", "drop"),
                                                         ("ridge", lm.Ridge())], weights=[1, 3, 2])),
        ("stacking_regressor", en.StackingRegressor([("lr", lm.LinearRegression()),
                                                     ("tree", DecisionTreeRegressor(max_depth=3, random_state=0))],
                                                    final_estimator=lm.RidgeCV(), cv=3)),
        ("stacking_regressor_passthrough", en.StackingRegressor([("pls", cross_decomposition.PLSRegression(2)),
                                                                 ("hub", scaled(lm.HuberRegressor(max_iter=500)))],
                                                                passthrough=True, cv=3)),
        ("bagging_regressor", en.BaggingRegressor(DecisionTreeRegressor(max_depth=4), n_estimators=5,
                                                  max_features=0.7, random_state=0)),
        ("adaboost_regressor", en.AdaBoostRegressor(DecisionTreeRegressor(max_depth=3), n_estimators=7, random_state=0)),
        ("ttr_scaler", TransformedTargetRegressor(regressor=lm.Ridge(), transformer=pp.StandardScaler())),
        ("ttr_minmax", TransformedTargetRegressor(regressor=scaled(lm.Lasso(alpha=0.01)), transformer=pp.MinMaxScaler())),
        ("ttr_log", TransformedTargetRegressor(regressor=lm.LinearRegression(), func=np.log, inverse_func=np.exp)),
        ("ttr_sqrt", TransformedTargetRegressor(regressor=lm.BayesianRidge(), func=np.sqrt, inverse_func=np.square)),
    ]
    for name, est in regs:
        out.append(Fixture(name, est.fit(Xtr, ytr), Xin, f"{type(est).__name__} ({name}), diabetes"))

    # Meta-estimators at the root of a DataFrame model, their children starting with encoders.
    from fixture_models import categorical_frame, categorical_queries
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    df, yc = categorical_frame(nan_in_cat=True)
    dtr, dte = df.iloc[:200], df.iloc[200:]
    queries = categorical_queries(dte)

    def prep(final):
        ct = ColumnTransformer([("cat", pp.OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
                                ("num", SimpleImputer(), ["age", "income", "noise"])])
        return Pipeline([("ct", ct), ("scale", pp.StandardScaler()), ("est", final)])
    frame_cases = [
        ("frame_voting_soft", en.VotingClassifier([("lr", prep(lm.LogisticRegression(max_iter=500))),
                                                   ("tree", prep(DecisionTreeClassifier(max_depth=3, random_state=0)))],
                                                  voting="soft"), yc[:200]),
        ("frame_stacking", en.StackingClassifier([("lr", prep(lm.LogisticRegression(max_iter=500))),
                                                  ("lda", prep(discriminant_analysis.LinearDiscriminantAnalysis()))],
                                                 cv=3), yc[:200]),
        ("frame_calibrated", CalibratedClassifierCV(prep(lm.LogisticRegression(max_iter=500)), cv=3), yc[:200]),
        ("frame_ttr", TransformedTargetRegressor(regressor=prep(lm.Ridge()), func=np.log1p, inverse_func=np.expm1),
         np.asarray(dtr["income"] / 1000.0)),
    ]
    for name, est, target in frame_cases:
        out.append(Fixture(name, est.fit(dtr, target), queries, f"{type(est).__name__} over DataFrame pipelines"))
    return out


def all_fixtures():
    return linear_fixtures() + preprocessing_fixtures() + ensemble_fixtures()
