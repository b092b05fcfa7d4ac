//! Hostile tree graphs: real tree-family pickles whose node records are randomly corrupted after
//! unpickling. Every corrupted model must either be refused at build time or predict without panic
//! and in bounded time (cycles and dangling children are rejected when the model is built).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ndarray::Array2;
use predict_worker::model::numpy::{ArrayData, Dtype};
use predict_worker::model::pickle::unpickle;
use predict_worker::model::sklearn::{build, Estimator};
use predict_worker::model::value::Node;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CASES: [&str; 6] = [
    "sklearn-1.9.1/dt_clf_nan",
    "sklearn-1.9.1/rf_clf",
    "sklearn-1.9.1/gb_multi",
    "sklearn-1.9.1/hgb_multi_cat",
    "sklearn-1.3.2/gb_binary",
    "sklearn-1.3.2/hgb_reg_poisson_cat",
];

#[test]
fn corrupted_node_records_are_refused_or_predict_safely() {
    let mut rng = StdRng::seed_from_u64(0x7EE5);
    let (mut refused, mut predicted) = (0, 0);
    for case in CASES {
        let path = format!("{}/tests/data/trees/{case}.pkl", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).expect("read case");
        for _ in 0..40 {
            let (mut heap, root, _) = unpickle(&bytes, &Default::default()).expect("unpickle");
            let records: Vec<usize> = (0..heap.len())
                .filter(|&i| matches!(heap.node(i), Node::Array(a) if matches!(a.dtype, Dtype::Record { .. })))
                .collect();
            assert!(!records.is_empty(), "{case} has no node records");
            for _ in 0..rng.random_range(1..4) {
                let id = records[rng.random_range(0..records.len())];
                if let Node::Array(a) = heap.node_mut(id) {
                    if let ArrayData::Bytes(b) = &a.data {
                        let mut v = b.to_vec();
                        if v.is_empty() {
                            continue;
                        }
                        for _ in 0..rng.random_range(1..6) {
                            let at = rng.random_range(0..v.len());
                            v[at] = rng.random();
                        }
                        a.data = ArrayData::Bytes(Arc::from(v));
                    }
                }
            }
            match build(&heap, &root, 0) {
                Err(_) => refused += 1,
                Ok(Estimator::Predictor(p)) => {
                    let n = p
                        .summary()
                        .details
                        .iter()
                        .find(|(k, _)| k == "n_features")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(4);
                    let x = Array2::from_shape_fn((50, n), |_| match rng.random_range(0..10) {
                        0 => f64::NAN,
                        1 => -1.0,
                        _ => rng.random_range(-5.0..300.0),
                    });
                    let started = Instant::now();
                    let _ = p.predict(x.view());
                    assert!(
                        started.elapsed() < Duration::from_secs(2),
                        "{case}: predict took too long"
                    );
                    predicted += 1;
                }
                Ok(_) => predicted += 1,
            }
        }
    }
    assert!(
        refused > 0 && predicted > 0,
        "refused {refused}, predicted {predicted}"
    );
}
