//! The fitted categories of one encoded column and the per-cell lookup: strings match strings,
//! numbers match numbers, a null cell matches the NaN (or None) category, anything else is unknown.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::value::{scalar_f64, Node, ObjView, Value};

/// The categories of one column, in `categories_` order.
#[derive(Debug)]
pub struct Categories {
    /// String categories (an object or `<U` array of str); otherwise numeric.
    text: bool,
    numbers: HashMap<u64, usize>,
    strings: HashMap<Arc<str>, usize>,
    nan: Option<usize>,
    none: Option<usize>,
    shown: Vec<String>,
}

/// Bits of a number used as a hash key (-0.0 and 0.0 are the same category).
fn key(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// A number as Python prints it in a DataFrame cell (`3`, `1.5`).
fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl Categories {
    pub fn from_value(obj: &ObjView<'_>, col: usize, v: &Value) -> Result<Self, LoadError> {
        let attr = "categories_";
        let arr = match obj.heap.get(v) {
            Some(Node::Array(a)) => a,
            _ => {
                return Err(obj.error(
                    attr,
                    format!(
                        "column {col}: expected a numpy array, found {}",
                        obj.heap.describe(v)
                    ),
                ))
            }
        };
        let mut c = Categories {
            text: false,
            numbers: HashMap::new(),
            strings: HashMap::new(),
            nan: None,
            none: None,
            shown: Vec::with_capacity(arr.len()),
        };
        if let Some(items) = arr.objects() {
            let mut has_str = false;
            let mut has_num = false;
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Str(s) => {
                        has_str = true;
                        c.strings.entry(Arc::clone(s)).or_insert(i);
                        c.shown.push(format!("{s:?}"));
                    }
                    Value::None => {
                        c.none.get_or_insert(i);
                        c.shown.push("None".into());
                    }
                    other => match scalar_f64(obj.heap, other) {
                        Some(x) if x.is_nan() => {
                            c.nan.get_or_insert(i);
                            c.shown.push("nan".into());
                        }
                        Some(x) => {
                            has_num = true;
                            c.numbers.entry(key(x)).or_insert(i);
                            c.shown.push(number_text(x));
                        }
                        None => {
                            return Err(obj.error(
                                attr,
                                format!(
                                    "column {col}: unsupported category {}",
                                    obj.heap.describe(other)
                                ),
                            ))
                        }
                    },
                }
            }
            if has_str && has_num {
                return Err(obj.error(
                    attr,
                    format!("column {col} mixes string and number categories"),
                ));
            }
            c.text = has_str || !has_num;
        } else if matches!(
            &arr.dtype,
            crate::model::numpy::Dtype::Scalar {
                kind: 'U' | 'S',
                ..
            }
        ) {
            c.text = true;
            for (i, s) in arr
                .to_strings(obj.heap)
                .map_err(|e| obj.error(attr, e))?
                .into_iter()
                .enumerate()
            {
                c.shown.push(format!("{s:?}"));
                c.strings.entry(Arc::from(s)).or_insert(i);
            }
        } else {
            for (i, x) in arr
                .to_f64_vec()
                .map_err(|e| obj.error(attr, e))?
                .into_iter()
                .enumerate()
            {
                if x.is_nan() {
                    c.nan.get_or_insert(i);
                    c.shown.push("nan".into());
                } else {
                    c.numbers.entry(key(x)).or_insert(i);
                    c.shown.push(number_text(x));
                }
            }
        }
        Ok(c)
    }

    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// Index of the category that is missing (NaN, else None), if any.
    pub fn missing_index(&self) -> Option<usize> {
        self.nan.or(self.none)
    }

    /// The known categories, for error messages (at most 20 shown).
    pub fn known(&self) -> String {
        let mut s: Vec<&str> = self.shown.iter().take(20).map(String::as_str).collect();
        let more;
        if self.shown.len() > 20 {
            more = format!("... ({} in all)", self.shown.len());
            s.push(&more);
        }
        s.join(", ")
    }

    /// The category index of a cell, `Ok(None)` for an unknown value. A string where numbers are
    /// expected (or the reverse) is an error unless it denotes a known category.
    pub fn lookup(
        &self,
        x: &Batch,
        row: usize,
        col: usize,
        label: &dyn Fn() -> String,
    ) -> Result<Lookup, PredictError> {
        if let Some(s) = x.text_at(row, col) {
            if self.text {
                return Ok(match self.strings.get(s) {
                    Some(&i) => Lookup::Known(i),
                    None => Lookup::Unknown(format!("{s:?}")),
                });
            }
            return match s.trim().parse::<f64>() {
                Ok(v) if !v.is_nan() => Ok(match self.numbers.get(&key(v)) {
                    Some(&i) => Lookup::Known(i),
                    None => Lookup::Unknown(format!("{s:?}")),
                }),
                _ => Err(PredictError::bad_value(
                    label(),
                    format!(
                        "expects a number (categories: {}), got the string {s:?}",
                        self.known()
                    ),
                )),
            };
        }
        let v = x.values[[row, col]];
        if v.is_nan() {
            return Ok(match self.missing_index() {
                Some(i) => Lookup::Known(i),
                None => Lookup::Unknown("null".into()),
            });
        }
        if !self.text {
            return Ok(match self.numbers.get(&key(v)) {
                Some(&i) => Lookup::Known(i),
                None => Lookup::Unknown(number_text(v)),
            });
        }
        match self.strings.get(number_text(v).as_str()) {
            Some(&i) => Ok(Lookup::Known(i)),
            None => Err(PredictError::bad_value(
                label(),
                format!(
                    "expects a string category (one of: {}), got the number {}",
                    self.known(),
                    number_text(v)
                ),
            )),
        }
    }
}

/// The result of looking a cell up.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    Known(usize),
    /// Not a fitted category; holds the value as shown in error messages.
    Unknown(String),
}
