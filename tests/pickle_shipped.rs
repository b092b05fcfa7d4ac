//! The shipped model (`outputs/best_model.pkl`) through the pickle layer: it decodes, every numpy
//! array in it is a decoded `Array` (no inert ndarray placeholders left), and it loads quickly.

use std::path::PathBuf;
use std::time::Instant;

use predict_worker::model::joblib;
use predict_worker::model::pickle::{unpickle, Limits};
use predict_worker::model::value::Node;

#[test]
fn shipped_model_decodes_fully_and_fast() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("outputs/best_model.pkl");
    let bytes = std::fs::read(&path).expect("outputs/best_model.pkl is committed");
    // Warm up once, then time the best of a few runs (the machine is shared).
    let mut best = std::time::Duration::MAX;
    let mut arrays = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let (stream, _) = joblib::decompress(&bytes, 1 << 30).unwrap();
        let (heap, root, info) = unpickle(&stream, &Limits::default()).unwrap();
        best = best.min(started.elapsed());
        assert!(heap.estimator(&root).is_ok());
        assert!(info.protocol >= 2);
        arrays = 0;
        for id in 0..heap.len() {
            match heap.node(id) {
                Node::Array(_) => arrays += 1,
                Node::Object(o) => assert!(
                    !(o.class.module.starts_with("numpy") && o.class.name == "ndarray"),
                    "an ndarray was left undecoded"
                ),
                _ => {}
            }
        }
    }
    eprintln!(
        "shipped model: {} bytes, {arrays} arrays, decoded in {best:?} (best of 5, {} build)",
        bytes.len(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    assert!(arrays > 10);
    let budget = if cfg!(debug_assertions) { 2000 } else { 50 };
    assert!(best.as_millis() < budget, "took {best:?}");
}
