//! Python and numpy scalars read as f64, i64 or bool (a numpy scalar is decoded to a 0-d array).

use super::{Heap, Node, Value};

/// A number as f64: Python int/float/bool or a numpy scalar (decoded to an Array of shape ()).
pub fn scalar_f64(heap: &Heap, v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Ref(_) => match heap.get(v)? {
            Node::Array(a) if a.len() == 1 => a.to_f64_vec().ok()?.first().copied(),
            _ => None,
        },
        _ => None,
    }
}

/// An integer: Python int/bool or a numpy integer scalar.
pub fn scalar_i64(heap: &Heap, v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Ref(_) => match heap.get(v)? {
            Node::Array(a) if a.len() == 1 => a.to_i64_vec().ok()?.first().copied(),
            _ => None,
        },
        _ => None,
    }
}

/// A bool: Python bool/int or a numpy bool scalar.
pub fn scalar_bool(heap: &Heap, v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(i) => Some(*i != 0),
        Value::Ref(_) => scalar_i64(heap, v).map(|i| i != 0),
        _ => None,
    }
}
