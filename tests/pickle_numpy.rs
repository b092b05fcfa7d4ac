//! Real numpy pickles (numpy 1.x and 2.x, protocols 0-5) decode to exactly the arrays numpy wrote:
//! every dtype, both byte orders, C and Fortran order, scalars, record dtypes and shared dtypes.

use std::path::PathBuf;

use predict_worker::model::joblib;
use predict_worker::model::numpy::{Dtype, NdArray};
use predict_worker::model::pickle::{unpickle, Limits};
use predict_worker::model::value::{Heap, Node, Value};
use predict_worker::model::Label;
use serde_json::Value as Json;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pickle")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(name: &str) -> (Heap, Value) {
    let bytes = fixture(name);
    let (stream, _) = joblib::decompress(&bytes, 1 << 30).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (heap, root, _) =
        unpickle(&stream, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    (heap, root)
}

fn array<'a>(heap: &'a Heap, root: &Value, key: &str, file: &str) -> &'a NdArray {
    let v = heap
        .dict_get(root, key)
        .unwrap_or_else(|| panic!("{file}: no key {key}"));
    match heap.get(v) {
        Some(Node::Array(a)) => a,
        _ => panic!("{file}: {key} is {}, not an array", heap.describe(v)),
    }
}

fn json_label(v: &Json) -> Label {
    match v {
        Json::Bool(b) => Label::Bool(*b),
        Json::Number(n) if n.is_i64() => Label::Int(n.as_i64().unwrap()),
        Json::Number(n) if n.is_u64() => Label::Int(n.as_u64().unwrap() as i64),
        Json::Number(n) => Label::Float(n.as_f64().unwrap()),
        Json::String(s) => Label::Str(s.clone()),
        other => panic!("unexpected JSON value {other}"),
    }
}

fn dtype_name(d: &Dtype) -> String {
    match d {
        Dtype::Scalar {
            kind: 'U',
            size,
            big_endian,
        } => {
            format!("{}U{}", if *big_endian { ">" } else { "<" }, size / 4)
        }
        Dtype::Scalar {
            kind: 'S', size, ..
        } => format!("|S{size}"),
        Dtype::Record { itemsize, .. } => format!("|V{itemsize}"),
        other => other.name(),
    }
}

/// Compare every array in a fixture with its JSON twin.
fn check_against_twin(file: &str, twin: &str) {
    let (heap, root) = load(file);
    let twin: serde_json::Map<String, Json> = serde_json::from_slice(&fixture(twin)).unwrap();
    for (key, want) in &twin {
        let a = array(&heap, &root, key, file);
        let ctx = format!("{file} {key} ({})", a.describe());
        assert_eq!(
            dtype_name(&a.dtype),
            want["dtype"].as_str().unwrap(),
            "{ctx}: dtype"
        );
        let shape: Vec<usize> = want["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(a.shape, shape, "{ctx}: shape");
        if let Some(fields) = want.get("fields") {
            assert_eq!(
                a.dtype.itemsize() as u64,
                want["itemsize"].as_u64().unwrap(),
                "{ctx}"
            );
            for (name, values) in fields.as_object().unwrap() {
                let got = a.field_f64(name).unwrap_or_else(|e| panic!("{ctx}: {e}"));
                let expect: Vec<f64> = values
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                assert_eq!(got, expect, "{ctx}: field {name}");
            }
            continue;
        }
        let expect: Vec<Label> = want["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(json_label)
            .collect();
        let got = a.to_labels(&heap).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(got, expect, "{ctx}: values");
        if matches!(a.dtype.kind(), 'b' | 'i' | 'u' | 'f') {
            let nums = a.to_f64_vec().unwrap();
            let want_nums: Vec<f64> = want["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().or(v.as_bool().map(|b| b as u8 as f64)).unwrap())
                .collect();
            assert_eq!(nums, want_nums, "{ctx}: as f64");
        }
    }
}

#[test]
fn numpy2_every_protocol() {
    for p in 0..=5 {
        check_against_twin(&format!("np2_arrays_p{p}.pkl"), "np2_arrays.json");
    }
}

#[test]
fn numpy1_every_protocol() {
    for p in 0..=5 {
        check_against_twin(&format!("np1_arrays_p{p}.pkl"), "np1_arrays.json");
    }
}

#[test]
fn fortran_arrays_keep_their_order_flag() {
    for file in [
        "np2_arrays_p2.pkl",
        "np2_arrays_p5.pkl",
        "np1_arrays_p4.pkl",
    ] {
        let (heap, root) = load(file);
        let f = array(&heap, &root, "f2d", file);
        assert!(f.fortran_order, "{file}");
        assert_eq!(f.to_array2_f64().unwrap()[[1, 0]], 3.0, "{file}");
        let c = array(&heap, &root, "c2d", file);
        assert!(!c.fortran_order, "{file}");
    }
}

#[test]
fn tree_node_layouts_and_missing_go_to_left() {
    let (heap, root) = load("np2_arrays_p4.pkl");
    let t56 = array(&heap, &root, "tree56", "p4");
    let t64 = array(&heap, &root, "tree64", "p4");
    assert_eq!(t56.dtype.itemsize(), 56);
    assert_eq!(t64.dtype.itemsize(), 64);
    assert!(!t56.has_field("missing_go_to_left"));
    assert_eq!(t64.field_i64("missing_go_to_left").unwrap(), vec![1, 0]);
    assert_eq!(t64.field_i64("left_child").unwrap(), vec![1, -1]);
    let big = array(&heap, &root, "rec_big", "p4");
    assert_eq!(big.field_i64("a").unwrap(), vec![1, -3]);
    assert_eq!(big.field_f64("b").unwrap(), vec![2.5, 4.0]);
}

#[test]
fn masked_arrays_parse_as_inert_objects() {
    for file in [
        "np2_masked_p4.pkl",
        "np2_masked_p2.pkl",
        "np1_masked_p4.pkl",
        "np1_masked_p2.pkl",
    ] {
        let (heap, root) = load(file);
        let v = heap.dict_get(&root, "param_C").unwrap();
        assert!(
            heap.describe(v).contains("numpy.ma"),
            "{file}: {}",
            heap.describe(v)
        );
        assert_eq!(
            array(&heap, &root, "mean_test_score", file)
                .to_f64_vec()
                .unwrap(),
            vec![0.9, 0.95]
        );
    }
}
