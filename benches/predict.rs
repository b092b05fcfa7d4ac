//! Criterion micro-benchmarks: load time of the shipped model (whole load, and the decompress + unpickle
//! part alone, which tests/pickle_shipped.rs once held to a timing budget), and single-row and 1,000-row predict for each
//! family (shipped ColumnTransformer + forest, linear pipeline, forest, gradient boosting, hist gradient boosting,
//! SVC with an rbf kernel, k-nearest neighbours, MLP, XGBoost and LightGBM binary classifiers of 100
//! trees), and request parsing (`support/parse.rs`).
//! The Python baseline for the same models and rows is `python/bench_sklearn.py`.

#[path = "../tests/common/fixtures.rs"]
mod fixtures;
#[path = "support/parse.rs"]
mod parse;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use predict_worker::model::joblib;
use predict_worker::model::pickle::{unpickle, Limits};
use predict_worker::model::{load_model, Batch, LoadLimits, Model};
use serde_json::Value;

/// The fixture behind each family (current scikit-learn), as in python/bench_sklearn.py.
const FAMILIES: &[(&str, &str)] = &[
    ("linear", "sklearn-1.9.1/logreg_binary_pickle_p4"),
    ("forest", "sklearn-1.9.1/random_forest_classifier_pickle_p5"),
    (
        "gradient_boosting",
        "sklearn-1.9.1/gradient_boosting_classifier_binary",
    ),
    (
        "hist_gradient_boosting",
        "sklearn-1.9.1/hist_gradient_boosting_classifier_binary",
    ),
    // The model zoo, part A (tests/fixtures/zoo-a/).
    ("svc_rbf", "zoo-a/sklearn-1.9.1/svc_rbf_binary_proba"),
    ("knn", "zoo-a/sklearn-1.9.1/knn_clf_uniform"),
    ("mlp", "zoo-a/sklearn-1.9.1/mlp_clf_multiclass"),
    ("xgboost_100_trees", "gbm/xgb_bench_100"),
    ("lightgbm_100_trees", "gbm/lgbm_bench_100"),
];

fn shipped_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("outputs/best_model.pkl")
}

fn shipped_rows() -> Result<Vec<Value>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("outputs/best_model.sample.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).map_err(|e| e.to_string())?;
            Ok(v["features"].clone())
        })
        .collect()
}

/// A loaded model with a 1-row and a 1,000-row batch (its rows cycled).
fn prepare(path: &Path, rows: &[Value]) -> Result<(Model, Batch, Batch), String> {
    let model = load_model(path, &LoadLimits::default()).map_err(|e| e.to_string())?;
    let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
    let one = fixtures::batch_from_rows(&rows[..1], names.as_deref())?;
    let many: Vec<Value> = rows.iter().cycle().take(1000).cloned().collect();
    let many = fixtures::batch_from_rows(&many, names.as_deref())?;
    model.predict(&many).map_err(|e| e.to_string())?;
    Ok((model, one, many))
}

fn bench_predict(c: &mut Criterion, family: &str, prepared: Result<(Model, Batch, Batch), String>) {
    let (model, one, many) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("SKIPPED predict/{family}: the model does not load or predict: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group(format!("predict/{family}"));
    group.throughput(Throughput::Elements(1));
    group.bench_function("1_row", |b| b.iter(|| model.predict(black_box(&one))));
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000_rows", |b| b.iter(|| model.predict(black_box(&many))));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let shipped = shipped_path();
    c.bench_function("load/shipped_model", |b| {
        b.iter(|| load_model(black_box(&shipped), &LoadLimits::default()).is_ok())
    });
    match std::fs::read(&shipped) {
        Ok(bytes) => {
            c.bench_function("decode/shipped_model", |b| {
                b.iter(|| {
                    let (stream, _) = joblib::decompress(black_box(&bytes), 1 << 30).ok()?;
                    unpickle(&stream, &Limits::default())
                        .ok()
                        .map(|(heap, _, _)| heap.len())
                })
            });
        }
        Err(e) => eprintln!("SKIPPED decode/shipped_model: {}: {e}", shipped.display()),
    }
    let prepared = shipped_rows().and_then(|rows| prepare(&shipped, &rows));
    bench_predict(c, "shipped_model", prepared);
    for (family, name) in FAMILIES {
        let prepared =
            fixtures::fixture(name).and_then(|fx| prepare(&fx.model_path, &fx.manifest.inputs));
        bench_predict(c, family, prepared);
    }
    parse::benches(c);
}

criterion_group! {
    name = predict;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(predict);
