//! Decoding numpy dtypes from pickle values: type strings such as `<f8`, and `numpy.dtype` objects
//! with their BUILD state (byte order, item size, record fields), cached per heap node.

use std::collections::HashMap;
use std::sync::Arc;

use super::err;
use crate::model::error::LoadError;
use crate::model::numpy::{Dtype, Field};
use crate::model::value::{Heap, NodeId, Value};

/// Deepest nesting of record dtypes inside record dtypes.
const MAX_DTYPE_DEPTH: usize = 8;
/// Most fields in one record dtype.
const MAX_FIELDS: usize = 4096;

/// Parsed dtypes by heap node, so a dtype shared through the memo is parsed once.
#[derive(Debug, Default)]
pub struct DtypeCache {
    parsed: HashMap<NodeId, Option<Dtype>>,
}

/// Is this class reference numpy's dtype (or one of numpy 2's `numpy.dtypes.*DType` classes)?
pub fn is_dtype_class(module: &str, name: &str) -> bool {
    (module == "numpy" || module.starts_with("numpy.")) && name == "dtype"
        || module == "numpy.dtypes" && name.ends_with("DType")
}

/// A dtype from a type string such as `f8`, `<i4`, `U5`, `V56`, `O8`, `b1`.
pub fn dtype_from_str(s: &str) -> Option<Dtype> {
    let (big_endian, rest) = match s.as_bytes().first()? {
        b'>' => (true, &s[1..]),
        b'<' | b'=' | b'|' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut chars = rest.chars();
    let kind = chars.next()?;
    let digits = chars.as_str();
    let n: Option<usize> = if digits.is_empty() {
        None
    } else {
        Some(digits.parse().ok()?)
    };
    let (kind, size) = match (kind, n) {
        ('?', None) | ('b', Some(1)) => ('b', 1),
        ('i' | 'u', Some(n @ (1 | 2 | 4 | 8))) => (kind, n),
        ('f', Some(n @ (2 | 4 | 8 | 12 | 16))) => ('f', n),
        ('c', Some(n @ (8 | 16 | 24 | 32))) => ('c', n),
        ('O', None | Some(4 | 8)) => ('O', 8),
        ('M' | 'm', Some(8)) => (kind, 8),
        ('U', Some(n)) => ('U', n.checked_mul(4)?),
        ('S' | 'a', Some(n)) => ('S', n),
        ('V', Some(n)) => ('V', n),
        _ => return None,
    };
    Some(Dtype::Scalar {
        kind,
        size,
        big_endian,
    })
}

impl DtypeCache {
    pub fn new() -> Self {
        DtypeCache::default()
    }

    /// The dtype a value describes. `Ok(None)` means a dtype this reader does not model (subarray
    /// fields, exotic kinds): the array holding it stays an inert object instead of failing the load.
    pub fn dtype(&mut self, heap: &Heap, v: &Value) -> Result<Option<Dtype>, LoadError> {
        self.dtype_at(heap, v, 0)
    }

    fn dtype_at(
        &mut self,
        heap: &Heap,
        v: &Value,
        depth: usize,
    ) -> Result<Option<Dtype>, LoadError> {
        if depth > MAX_DTYPE_DEPTH {
            return Err(err(format!(
                "record dtypes nested more than {MAX_DTYPE_DEPTH} levels deep"
            )));
        }
        match v {
            Value::Str(s) => Ok(dtype_from_str(s)),
            Value::Ref(id) => {
                if let Some(hit) = self.parsed.get(id) {
                    return Ok(hit.clone());
                }
                let parsed = self.parse_object(heap, v, depth)?;
                self.parsed.insert(*id, parsed.clone());
                Ok(parsed)
            }
            _ => Err(err(format!("expected a dtype, found {}", heap.describe(v)))),
        }
    }

    fn parse_object(
        &mut self,
        heap: &Heap,
        v: &Value,
        depth: usize,
    ) -> Result<Option<Dtype>, LoadError> {
        let obj = heap
            .object(v)
            .filter(|o| is_dtype_class(&o.class.module, &o.class.name))
            .ok_or_else(|| err(format!("expected a dtype, found {}", heap.describe(v))))?;
        let type_str = match obj.args.first() {
            Some(Value::Str(s)) => s.clone(),
            Some(Value::Bytes(b)) => Arc::from(String::from_utf8_lossy(b).as_ref()),
            _ => {
                return Err(err(format!(
                    "dtype {} has no type string",
                    obj.class.full_name()
                )))
            }
        };
        let Some(base) = dtype_from_str(&type_str) else {
            return Ok(None);
        };
        let Dtype::Scalar {
            kind,
            mut size,
            mut big_endian,
        } = base
        else {
            return Ok(None);
        };
        let Some(state) = obj.state.as_ref() else {
            return Ok(Some(base));
        };
        let items = heap.sequence(state).ok_or_else(|| {
            err(format!(
                "dtype {type_str}: state is {}",
                heap.describe(state)
            ))
        })?;
        // Versioned states start with an int; the oldest start with the byte order.
        let s = if matches!(items.first(), Some(Value::Int(_))) {
            &items[1..]
        } else {
            items
        };
        match s.first() {
            Some(Value::Str(order)) => big_endian = &**order == ">",
            // Python 2 pickles spell it as a byte string.
            Some(Value::Bytes(order)) => big_endian = &**order == b">",
            _ => {}
        }
        if !matches!(s.get(1), None | Some(Value::None)) {
            return Ok(None); // subarray dtype
        }
        if let Some(Value::Int(elsize)) = s.get(4) {
            if *elsize > 0 && matches!(kind, 'U' | 'S' | 'V') {
                size = usize::try_from(*elsize).map_err(|_| err("dtype item size too large"))?;
            }
        }
        let names = s.get(2).filter(|v| !matches!(v, Value::None));
        let fields = s.get(3).filter(|v| !matches!(v, Value::None));
        let (Some(names), Some(fields)) = (names, fields) else {
            return Ok(Some(Dtype::Scalar {
                kind,
                size,
                big_endian,
            }));
        };
        let names = heap
            .sequence(names)
            .ok_or_else(|| err("record dtype names is not a tuple"))?;
        let fields = heap
            .dict(fields)
            .ok_or_else(|| err("record dtype fields is not a dict"))?;
        if names.len() > MAX_FIELDS {
            return Err(err(format!(
                "record dtype has {} fields, more than {MAX_FIELDS}",
                names.len()
            )));
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            // Python 2 pickles name fields with byte strings.
            let key = name;
            let name: String = match name {
                Value::Str(s) => s.to_string(),
                Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                _ => return Err(err("record dtype field name is not a str")),
            };
            let spec = fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    err(format!(
                        "record dtype field {name:?} is named but not described"
                    ))
                })?;
            let spec = heap
                .sequence(spec)
                .filter(|s| s.len() >= 2)
                .ok_or_else(|| {
                    err(format!(
                        "record dtype field {name:?} is not (dtype, offset)"
                    ))
                })?;
            let Some(dtype) = self.dtype_at(heap, &spec[0], depth + 1)? else {
                return Ok(None);
            };
            let offset = match spec[1] {
                Value::Int(o) => usize::try_from(o).map_err(|_| err("negative field offset"))?,
                _ => {
                    return Err(err(format!(
                        "record dtype field {name:?} has no integer offset"
                    )))
                }
            };
            if offset
                .checked_add(dtype.itemsize())
                .is_none_or(|end| end > size)
            {
                return Err(err(format!(
                    "record dtype field {name:?} at offset {offset} does not fit in {size} bytes"
                )));
            }
            out.push(Field {
                name,
                dtype,
                offset,
            });
        }
        Ok(Some(Dtype::Record {
            fields: out,
            itemsize: size,
        }))
    }
}
