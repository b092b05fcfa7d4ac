//! Test helpers: hand-made object graphs shaped like scikit-learn pickles (record-dtype node arrays,
//! `Tree` objects, estimator state dicts), so builders can be tested without the pickle machine.

use std::sync::Arc;

use crate::model::numpy::{ArrayData, Dtype, Field, NdArray};
use crate::model::value::{Global, Heap, Node, Object, Value};

pub fn scalar(kind: char, size: usize) -> Dtype {
    Dtype::Scalar {
        kind,
        size,
        big_endian: false,
    }
}

pub fn f64_array(heap: &mut Heap, shape: &[usize], data: &[f64]) -> Value {
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    heap.alloc(Node::Array(NdArray {
        dtype: scalar('f', 8),
        shape: shape.to_vec(),
        fortran_order: false,
        data: ArrayData::Bytes(Arc::from(bytes)),
    }))
}

pub fn i64_array(heap: &mut Heap, shape: &[usize], data: &[i64]) -> Value {
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    heap.alloc(Node::Array(NdArray {
        dtype: scalar('i', 8),
        shape: shape.to_vec(),
        fortran_order: false,
        data: ArrayData::Bytes(Arc::from(bytes)),
    }))
}

pub fn object_array(heap: &mut Heap, shape: &[usize], items: Vec<Value>) -> Value {
    heap.alloc(Node::Array(NdArray {
        dtype: scalar('O', 8),
        shape: shape.to_vec(),
        fortran_order: false,
        data: ArrayData::Objects(items),
    }))
}

/// A record array from `(name, kind, size)` fields and rows of f64 values (cast per field).
pub fn records(heap: &mut Heap, fields: &[(&str, char, usize)], rows: &[Vec<f64>]) -> Value {
    records_padded(heap, fields, rows, 0)
}

/// Like [`records`], with each record padded to at least `pad_to` bytes (numpy's aligned layouts).
pub fn records_padded(
    heap: &mut Heap,
    fields: &[(&str, char, usize)],
    rows: &[Vec<f64>],
    pad_to: usize,
) -> Value {
    let mut offset = 0;
    let mut fs = Vec::new();
    for (name, kind, size) in fields {
        fs.push(Field {
            name: name.to_string(),
            dtype: scalar(*kind, *size),
            offset,
        });
        offset += size;
    }
    let itemsize = offset.max(pad_to);
    let mut bytes = Vec::with_capacity(itemsize * rows.len());
    for row in rows {
        for ((_, kind, size), v) in fields.iter().zip(row) {
            match (kind, size) {
                ('f', 8) => bytes.extend(v.to_le_bytes()),
                ('i', 8) => bytes.extend((*v as i64).to_le_bytes()),
                ('u', 4) => bytes.extend((*v as u32).to_le_bytes()),
                ('u', 1) => bytes.push(*v as u8),
                other => panic!("unsupported test field {other:?}"),
            }
        }
        bytes.resize(bytes.len() + (itemsize - offset), 0);
    }
    heap.alloc(Node::Array(NdArray {
        dtype: Dtype::Record {
            fields: fs,
            itemsize,
        },
        shape: vec![rows.len()],
        fortran_order: false,
        data: ArrayData::Bytes(Arc::from(bytes)),
    }))
}

/// An object of class `module.name` whose BUILD state is a dict of `attrs`.
pub fn object(heap: &mut Heap, module: &str, name: &str, attrs: Vec<(&str, Value)>) -> Value {
    let state = heap.alloc(Node::Dict(
        attrs
            .into_iter()
            .map(|(k, v)| (Value::Str(Arc::from(k)), v))
            .collect(),
    ));
    heap.alloc(Node::Object(Object {
        class: Arc::new(Global::new(module, name)),
        args: Vec::new(),
        kwargs: Vec::new(),
        state: Some(state),
        list_items: Vec::new(),
        dict_items: Vec::new(),
    }))
}

pub fn str_value(s: &str) -> Value {
    Value::Str(Arc::from(s))
}

pub fn list(heap: &mut Heap, items: Vec<Value>) -> Value {
    heap.alloc(Node::List(items))
}

/// One sklearn tree node: (left, right, feature, threshold, missing_go_to_left).
pub type TreeNode = (i64, i64, i64, f64, u8);

/// A `sklearn.tree._tree.Tree` with the 64-byte (≥ 1.3) or 56-byte (< 1.3) node layout.
pub fn tree(
    heap: &mut Heap,
    nodes: &[TreeNode],
    values: &[f64],
    width: usize,
    with_missing: bool,
) -> Value {
    let mut fields = vec![
        ("left_child", 'i', 8),
        ("right_child", 'i', 8),
        ("feature", 'i', 8),
        ("threshold", 'f', 8),
        ("impurity", 'f', 8),
        ("n_node_samples", 'i', 8),
        ("weighted_n_node_samples", 'f', 8),
    ];
    if with_missing {
        fields.push(("missing_go_to_left", 'u', 1));
    }
    let rows: Vec<Vec<f64>> = nodes
        .iter()
        .map(|&(l, r, f, t, m)| vec![l as f64, r as f64, f as f64, t, 0.0, 1.0, 1.0, f64::from(m)])
        .collect();
    let arr = records_padded(heap, &fields, &rows, if with_missing { 64 } else { 56 });
    let vals = f64_array(heap, &[nodes.len(), 1, width], values);
    object(
        heap,
        "sklearn.tree._tree",
        "Tree",
        vec![
            ("max_depth", Value::Int(8)),
            ("node_count", Value::Int(nodes.len() as i64)),
            ("nodes", arr),
            ("values", vals),
        ],
    )
}
