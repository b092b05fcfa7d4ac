//! Decoding numpy objects from inert pickle values: `_reconstruct` array state, protocol-5
//! `_frombuffer`, and scalars; dtypes (`numpy.dtype` REDUCE + BUILD state, record dtypes) in `dtypes`.

mod dtypes;

use std::sync::Arc;

pub use dtypes::{dtype_from_str, is_dtype_class, DtypeCache};

use super::{ArrayData, Dtype, NdArray};
use crate::model::error::LoadError;
use crate::model::value::{Heap, Node, Value};

fn err(message: impl Into<String>) -> LoadError {
    LoadError::numpy(message)
}

/// Element count of a shape, overflow-checked.
fn element_count(shape: &[usize]) -> Result<usize, LoadError> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            err(format!(
                "shape {shape:?} has more elements than memory can address"
            ))
        })
}

/// A shape tuple (or a single int).
pub fn parse_shape(heap: &Heap, v: &Value) -> Result<Vec<usize>, LoadError> {
    let dims: &[Value] = match v {
        Value::Int(_) => std::slice::from_ref(v),
        _ => heap
            .sequence(v)
            .ok_or_else(|| err(format!("array shape is {}, not a tuple", heap.describe(v))))?,
    };
    dims.iter()
        .map(|d| match d {
            Value::Int(i) => {
                usize::try_from(*i).map_err(|_| err(format!("negative array dimension {i}")))
            }
            other => Err(err(format!("array dimension is {}", heap.describe(other)))),
        })
        .collect()
}

/// Raw bytes held by a value: bytes, a bytearray node, or a latin-1 str (old pickles).
fn raw_bytes(heap: &Heap, v: &Value) -> Result<Arc<[u8]>, LoadError> {
    match v {
        Value::Bytes(b) => Ok(b.clone()),
        Value::Str(s) => s
            .chars()
            .map(|c| u8::try_from(u32::from(c)).map_err(|_| err("array data str is not latin-1")))
            .collect::<Result<Vec<u8>, _>>()
            .map(Arc::from),
        Value::Ref(_) => match heap.get(v) {
            Some(Node::ByteArray(b)) => Ok(Arc::from(b.as_slice())),
            _ => Err(err(format!(
                "array data is {}, not bytes",
                heap.describe(v)
            ))),
        },
        _ => Err(err(format!(
            "array data is {}, not bytes",
            heap.describe(v)
        ))),
    }
}

/// Assemble an array, checking that the data holds exactly shape × itemsize bytes (or elements).
fn assemble(
    heap: &Heap,
    dtype: Dtype,
    shape: Vec<usize>,
    fortran_order: bool,
    data: &Value,
) -> Result<Option<NdArray>, LoadError> {
    let count = element_count(&shape)?;
    if dtype.is_object() {
        let items = match heap.get(data) {
            Some(Node::List(items)) | Some(Node::Tuple(items)) => items.clone(),
            _ => {
                return Err(err(format!(
                    "object array data is {}, not a list",
                    heap.describe(data)
                )))
            }
        };
        if items.len() != count {
            return Err(err(format!(
                "object array of shape {shape:?} holds {} elements instead of {count}",
                items.len()
            )));
        }
        // Object elements come in C order whatever the memory order was.
        return Ok(Some(NdArray {
            dtype,
            shape,
            fortran_order: false,
            data: ArrayData::Objects(items),
        }));
    }
    if matches!(data, Value::Ref(_)) && matches!(heap.get(data), Some(Node::List(_))) {
        return Ok(None); // a record dtype holding Python objects: not modelled
    }
    let bytes = raw_bytes(heap, data)?;
    let needed = count
        .checked_mul(dtype.itemsize())
        .ok_or_else(|| err(format!("array of shape {shape:?} is too large")))?;
    if bytes.len() != needed {
        return Err(err(format!(
            "{} array of shape {shape:?} needs {needed} bytes but its data has {}",
            dtype.name(),
            bytes.len()
        )));
    }
    Ok(Some(NdArray {
        dtype,
        shape,
        fortran_order,
        data: ArrayData::Bytes(bytes),
    }))
}

/// The BUILD state of `multiarray._reconstruct(ndarray, (0,), b'b')`:
/// `(version, shape, dtype, is_fortran, rawdata)` (the version is absent in very old pickles).
pub fn array_from_state(
    heap: &Heap,
    cache: &mut DtypeCache,
    state: &Value,
) -> Result<Option<NdArray>, LoadError> {
    let items = heap.sequence(state).ok_or_else(|| {
        err(format!(
            "ndarray state is {}, not a tuple",
            heap.describe(state)
        ))
    })?;
    let s = match items.len() {
        5 => &items[1..],
        4 => items,
        n => return Err(err(format!("ndarray state has {n} items, expected 5"))),
    };
    let shape = parse_shape(heap, &s[0])?;
    let Some(dtype) = cache.dtype(heap, &s[1])? else {
        return Ok(None);
    };
    let fortran = match &s[2] {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        other => {
            return Err(err(format!(
                "ndarray fortran flag is {}",
                heap.describe(other)
            )))
        }
    };
    assemble(heap, dtype, shape, fortran, &s[3])
}

/// Protocol 5's `numeric._frombuffer(buffer, dtype, shape, order)`.
pub fn array_from_buffer(
    heap: &Heap,
    cache: &mut DtypeCache,
    args: &[Value],
) -> Result<Option<NdArray>, LoadError> {
    let [buf, dtype, shape, order] = args else {
        return Err(err(format!(
            "_frombuffer takes 4 arguments, got {}",
            args.len()
        )));
    };
    let shape = parse_shape(heap, shape)?;
    let Some(dtype) = cache.dtype(heap, dtype)? else {
        return Ok(None);
    };
    if dtype.is_object() {
        return Err(err("_frombuffer cannot hold an object array"));
    }
    let fortran = matches!(order, Value::Str(o) if &**o == "F");
    assemble(heap, dtype, shape, fortran, buf)
}

/// `multiarray.scalar(dtype, bytes)` (or `(dtype, obj)` for object scalars): a 0-d array.
pub fn scalar(
    heap: &Heap,
    cache: &mut DtypeCache,
    args: &[Value],
) -> Result<Option<NdArray>, LoadError> {
    let (dtype, data) = match args {
        [dtype, data] => (dtype, data),
        [dtype] => (dtype, &Value::None),
        _ => {
            return Err(err(format!(
                "numpy scalar takes 2 arguments, got {}",
                args.len()
            )))
        }
    };
    let Some(dtype) = cache.dtype(heap, dtype)? else {
        return Ok(None);
    };
    if dtype.is_object() {
        return Ok(Some(NdArray {
            dtype,
            shape: Vec::new(),
            fortran_order: false,
            data: ArrayData::Objects(vec![data.clone()]),
        }));
    }
    assemble(heap, dtype, Vec::new(), false, data)
}
