//! The shipped model (`outputs/best_model.pkl`) through the pickle layer: it decodes, every numpy
//! array in it is a decoded `Array` (no inert ndarray placeholders left), and decoding it twice gives
//! the same graph. How fast it decodes is measured by `cargo bench --bench predict` (decode/shipped_model),
//! not asserted here: a timing budget in a test fails on a busy machine and proves nothing on an idle one.

use std::path::PathBuf;

use predict_worker::model::joblib;
use predict_worker::model::pickle::{unpickle, Limits};
use predict_worker::model::value::Node;

#[test]
fn shipped_model_decodes_fully() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("outputs/best_model.pkl");
    let bytes = std::fs::read(&path).expect("outputs/best_model.pkl is committed");
    let decode = || {
        let (stream, _) = joblib::decompress(&bytes, 1 << 30).unwrap();
        unpickle(&stream, &Limits::default()).unwrap()
    };
    let (heap, root, info) = decode();
    assert!(heap.estimator(&root).is_ok(), "the root is an estimator");
    assert!(info.protocol >= 2);
    let mut arrays = 0;
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
    // The forest's 50 trees each hold a node array and a value array.
    assert!(arrays >= 100, "only {arrays} decoded arrays");
    let (again, _, _) = decode();
    assert_eq!(again.len(), heap.len(), "decoding is deterministic");
    for id in 0..heap.len() {
        // Compared through Debug, where NaN equals NaN.
        assert_eq!(
            format!("{:?}", again.node(id)),
            format!("{:?}", heap.node(id)),
            "node {id} differs between two decodes"
        );
    }
}
