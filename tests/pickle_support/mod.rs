//! Shared helpers for the pickle tests: read a fixture, run it through decompress + unpickle, and
//! compare decoded arrays with the JSON twins written by python/make_pickle_fixtures.py.
#![allow(dead_code)]

use std::path::PathBuf;

use predict_worker::model::joblib;
use predict_worker::model::numpy::{Dtype, NdArray};
use predict_worker::model::pickle::{unpickle, Limits, PickleInfo};
use predict_worker::model::value::{Heap, Node, Value};
use predict_worker::model::Label;
use serde_json::Value as Json;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pickle")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn load(name: &str) -> (Heap, Value) {
    let (heap, root, _, _) = load_info(name);
    (heap, root)
}

pub fn load_info(name: &str) -> (Heap, Value, PickleInfo, Option<joblib::Compression>) {
    let bytes = fixture(name);
    let (stream, codec) =
        joblib::decompress(&bytes, 1 << 30).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (heap, root, info) =
        unpickle(&stream, &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    (heap, root, info, codec)
}

pub fn array<'a>(heap: &'a Heap, root: &Value, key: &str, file: &str) -> &'a NdArray {
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
pub fn check_against_twin(file: &str, twin: &str) {
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
