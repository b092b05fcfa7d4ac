"""Write small, real pickle and joblib files for the Rust pickle/numpy/joblib tests.

Run with both stacks (numpy 2.x and numpy 1.x) so both module layouts are covered:
    python3 python/make_pickle_fixtures.py
    /work/venv-old/bin/python python/make_pickle_fixtures.py
Files go to tests/fixtures/pickle/, named by numpy major version. Each arrays file has a JSON
twin describing what the Rust side must decode (dtype name, shape, values in C order).
"""

import json
import os
import pickle
import sys

import joblib
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "pickle")
NP = "np%d" % int(np.__version__.split(".")[0])


def arrays():
    """Arrays covering every dtype, byte order and memory order the loader supports."""
    node56 = np.dtype(
        [("left_child", "<i8"), ("right_child", "<i8"), ("feature", "<i8"), ("threshold", "<f8"),
         ("impurity", "<f8"), ("n_node_samples", "<i8"), ("weighted_n_node_samples", "<f8")])
    node64 = np.dtype({
        "names": ["left_child", "right_child", "feature", "threshold", "impurity", "n_node_samples",
                  "weighted_n_node_samples", "missing_go_to_left"],
        "formats": ["<i8", "<i8", "<i8", "<f8", "<f8", "<i8", "<f8", "u1"],
        "offsets": [0, 8, 16, 24, 32, 40, 48, 56], "itemsize": 64})
    big_rec = np.dtype([("a", ">i4"), ("b", ">f8")])
    shared = np.dtype("float64")
    a = {
        "bool": np.array([True, False, True]),
        "i1": np.array([-128, 0, 127], dtype="i1"),
        "i2": np.array([-300, 2, 300], dtype="<i2"),
        "i4": np.array([-70000, 5, 70000], dtype="<i4"),
        "i8": np.array([-(2 ** 40), 7, 2 ** 40], dtype="<i8"),
        "u1": np.array([0, 1, 255], dtype="u1"),
        "u2": np.array([0, 65535], dtype="<u2"),
        "u4": np.array([0, 2 ** 32 - 1], dtype="<u4"),
        "u8": np.array([0, 2 ** 40], dtype="<u8"),
        "f2": np.array([0.5, -2.0, 1024.0], dtype="<f2"),
        "f4": np.array([0.25, -1.5, 3.0], dtype="<f4"),
        "f8": np.array([0.1, -2.5, 1e300], dtype="<f8"),
        "f8_big": np.array([1.5, -0.125], dtype=">f8"),
        "i4_big": np.array([1, -2, 3], dtype=">i4"),
        "U": np.array(["a", "bb", "ccc\u00e9"], dtype="<U4"),
        "U_big": np.array(["xy", "z"], dtype=">U2"),
        "S": np.array([b"ab", b"c"], dtype="S3"),
        "obj_str": np.array(["setosa", "versicolor"], dtype=object),
        "obj_mixed": np.array([1, 2.5, "x", True], dtype=object),
        "c2d": np.arange(6, dtype="<f8").reshape(2, 3),
        "f2d": np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)),
        "f3d": np.asfortranarray(np.arange(24, dtype="<i8").reshape(2, 3, 4)),
        "zero_d": np.array(3.5),
        "empty": np.zeros((0, 3)),
        "tree56": np.array([(1, 2, 0, 0.5, 0.4, 10, 10.0), (-1, -1, -2, -2.0, 0.0, 5, 5.0)], dtype=node56),
        "tree64": np.array([(1, 2, 0, 0.5, 0.4, 10, 10.0, 1), (-1, -1, -2, -2.0, 0.0, 5, 5.0, 0)], dtype=node64),
        "rec_big": np.array([(1, 2.5), (-3, 4.0)], dtype=big_rec),
        "shared1": np.array([1.0, 2.0], dtype=shared),
        "shared2": np.array([3.0], dtype=shared),
        "shared3": np.array([[4.0]], dtype=shared),
        "scalar_f8": np.float64(2.5),
        "scalar_i8": np.int64(-9),
        "scalar_bool": np.bool_(True),
    }
    return a


def describe(v):
    """JSON twin of an array: numpy's dtype name, shape, and C-order values."""
    arr = np.asarray(v)
    d = {"dtype": arr.dtype.str if arr.dtype.kind in "USV" else arr.dtype.name, "shape": list(arr.shape)}
    if arr.dtype.names:
        d["fields"] = {n: np.ravel(arr[n], order="C").tolist() for n in arr.dtype.names}
        d["itemsize"] = arr.dtype.itemsize
    else:
        vals = np.ravel(arr, order="C").tolist()
        d["values"] = [x.decode("latin-1") if isinstance(x, bytes) else x for x in vals]
    d["fortran"] = bool(arr.ndim > 1 and arr.flags.f_contiguous and not arr.flags.c_contiguous)
    return d


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    a = arrays()
    twin = {k: describe(v) for k, v in a.items()}
    with open(os.path.join(OUT, "%s_arrays.json" % NP), "w") as f:
        json.dump(twin, f, indent=1, sort_keys=True)
    for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
        write("%s_arrays_p%d.pkl" % (NP, proto), pickle.dumps(a, protocol=proto))
    # Small mixes of the same, cheap seeds for the mutation test (one per protocol).
    mini = {k: a[k] for k in ("f2d", "U", "obj_str", "tree64", "scalar_f8", "i4_big", "shared1", "shared2")}
    mini["tree64"] = mini["tree64"][:1]
    for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
        write("%s_mini_p%d.pkl" % (NP, proto), pickle.dumps(mini, protocol=proto))
    # A masked array, as found in GridSearchCV.cv_results_.
    masked = {"param_C": np.ma.masked_array([0.1, 1.0], mask=[False, True], dtype=object),
              "mean_test_score": np.array([0.9, 0.95])}
    write("%s_masked_p4.pkl" % NP, pickle.dumps(masked, protocol=4))
    write("%s_masked_p2.pkl" % NP, pickle.dumps(masked, protocol=2))

    # joblib: inline NumpyArrayWrapper arrays, plain and compressed with every codec.
    jl = {k: a[k] for k in ("f8", "i4_big", "U", "obj_str", "f2d", "tree64", "zero_d", "empty", "bool")}
    joblib.dump(jl, os.path.join(OUT, "%s_joblib_raw.joblib" % NP))
    if NP == "np2":
        for codec in ("zlib", "gzip", "bz2", "lzma", "xz", "lz4"):
            joblib.dump(jl, os.path.join(OUT, "%s_joblib_%s.joblib" % (NP, codec)), compress=(codec, 3))
        joblib.dump(jl, os.path.join(OUT, "%s_joblib_raw_p2.joblib" % NP), protocol=2)
    # A stream without tell() gets no alignment padding (as joblib < 1.2 wrote every file).
    if NP == "np2":
        import io

        class NoTell(io.RawIOBase):
            def __init__(self):
                self.buf = io.BytesIO()

            def writable(self):
                return True

            def write(self, b):
                return self.buf.write(b)

            def tell(self):
                raise io.UnsupportedOperation("tell")

        sink = NoTell()
        joblib.dump(jl, sink)
        write("%s_joblib_noalign.joblib" % NP, sink.buf.getvalue())
    with open(os.path.join(OUT, "%s_joblib.json" % NP), "w") as f:
        json.dump({k: describe(v) for k, v in jl.items()}, f, indent=1, sort_keys=True)

    # Real scikit-learn models (tiny) for parse tests and as seeds of the mutation test.
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    write("%s_tree_p5.pkl" % NP, pickle.dumps(tree, protocol=5))
    write("%s_tree_p2.pkl" % NP, pickle.dumps(tree, protocol=2))
    joblib.dump(tree, os.path.join(OUT, "%s_tree.joblib" % NP))
    joblib.dump(tree, os.path.join(OUT, "%s_tree_gz.joblib" % NP), compress=("gzip", 3))
    logreg = LogisticRegression(max_iter=500).fit(X, y)
    write("%s_logreg_p4.pkl" % NP, pickle.dumps(logreg, protocol=4))
    hgb = HistGradientBoostingClassifier(max_iter=3, max_depth=2, random_state=0).fit(X, y)
    write("%s_hgb_p5.pkl" % NP, pickle.dumps(hgb, protocol=5))
    grid = GridSearchCV(LogisticRegression(max_iter=300), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    write("%s_grid_p4.pkl" % NP, pickle.dumps(grid, protocol=4))
    svc = SVC().fit(X[::10], y[::10])
    write("%s_svc_p4.pkl" % NP, pickle.dumps(svc, protocol=4))

    # Hostile / plain inputs for the loader's error paths (only written once).
    if NP == "np2":
        class Evil:
            def __reduce__(self):
                return (os.system, ("echo pwned > /tmp/predict_worker_pwned",))
        write("evil_os_system.pkl", pickle.dumps(Evil(), protocol=2))
        class EvalEvil:
            def __reduce__(self):
                return (eval, ("__import__('os').system('echo pwned')",))
        write("evil_eval_p0.pkl", pickle.dumps(EvalEvil(), protocol=0))
        write("plain_dict.pkl", pickle.dumps({"a": 1, "b": [1.5, "x"]}, protocol=4))
    print("wrote fixtures for numpy", np.__version__, "to", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
