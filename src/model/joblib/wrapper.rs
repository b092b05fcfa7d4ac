//! joblib's NumpyArrayWrapper: the pickle holds only the array's shape, order and dtype; the raw
//! bytes follow the wrapper's BUILD in the stream (after a 1-byte padding length and that many
//! padding bytes when `numpy_array_alignment_bytes` is set), or, for object arrays, a nested pickle.

use std::sync::Arc;

use crate::model::error::LoadError;
use crate::model::numpy::pickled::{parse_shape, DtypeCache};
use crate::model::numpy::{ArrayData, NdArray};
use crate::model::pickle::Reader;
use crate::model::value::{Heap, Value};

/// What follows a wrapper in the stream.
#[derive(Debug)]
pub enum WrapperPayload {
    /// The array, read from the raw bytes that followed.
    Array(NdArray),
    /// An object array: a complete nested pickle stream starts at the reader's position.
    NestedPickle,
}

fn err(message: impl Into<String>) -> LoadError {
    LoadError::numpy(format!("joblib NumpyArrayWrapper: {}", message.into()))
}

/// Read the array a wrapper with BUILD state `state` describes, advancing `r` past its bytes.
pub fn read(
    heap: &Heap,
    dtypes: &mut DtypeCache,
    state: &Value,
    r: &mut Reader<'_>,
) -> Result<WrapperPayload, LoadError> {
    let get = |key: &str| heap.dict_get(state, key);
    let dtype_value = get("dtype").ok_or_else(|| err("state has no dtype"))?;
    let dtype = dtypes
        .dtype(heap, dtype_value)?
        .ok_or_else(|| err("its dtype is not supported, so its data cannot be skipped"))?;
    if dtype.is_object() {
        return Ok(WrapperPayload::NestedPickle);
    }
    let shape = parse_shape(heap, get("shape").ok_or_else(|| err("state has no shape"))?)?;
    let fortran_order = match get("order") {
        Some(Value::Str(o)) => &**o == "F",
        Some(Value::Bytes(o)) => &**o == b"F",
        _ => false,
    };
    if !matches!(get("numpy_array_alignment_bytes"), None | Some(Value::None)) {
        let pad = r.u8("joblib array padding length")?;
        r.take(usize::from(pad), "joblib array padding")?;
    }
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|n| n.checked_mul(dtype.itemsize()))
        .ok_or_else(|| err(format!("shape {shape:?} is too large")))?;
    let bytes = r.take_len(count as u64, "joblib array data")?;
    Ok(WrapperPayload::Array(NdArray {
        dtype,
        shape,
        fortran_order,
        data: ArrayData::Bytes(Arc::from(bytes)),
    }))
}
