//! Reading decoded arrays as strings and class labels (`classes_`): `<U`/`S` arrays, numeric
//! arrays, and object arrays of Python scalars or numpy scalars.

use super::dtype::{element_bytes_str, element_f64, element_i128, element_unicode};
use super::{ArrayData, Dtype, NdArray};
use crate::model::data::Label;
use crate::model::error::LoadError;
use crate::model::value::{Heap, Node, Value};

impl NdArray {
    pub(super) fn to_strings_impl(&self, heap: &Heap) -> Result<Vec<String>, LoadError> {
        self.to_labels_impl(heap)?
            .into_iter()
            .map(|l| match l {
                Label::Str(s) => Ok(s),
                other => Err(LoadError::numpy(format!(
                    "expected strings in {}, found {other}",
                    self.describe()
                ))),
            })
            .collect()
    }

    pub(super) fn to_labels_impl(&self, heap: &Heap) -> Result<Vec<Label>, LoadError> {
        if let ArrayData::Objects(items) = &self.data {
            return items.iter().map(|v| self.object_label(heap, v)).collect();
        }
        let Dtype::Scalar {
            kind,
            size,
            big_endian,
        } = self.dtype
        else {
            return Err(self.wrong_kind("an array of labels"));
        };
        let mut out = Vec::with_capacity(self.checked_len()?);
        for i in self.c_order() {
            let b = self.element(i)?;
            let label = match kind {
                'b' => Label::Bool(b.first().is_some_and(|&x| x != 0)),
                'i' | 'u' => Label::Int(
                    element_i128(b, kind, size, big_endian)
                        .and_then(|v| i64::try_from(v).ok())
                        .ok_or_else(|| self.wrong_kind("labels that fit in int64"))?,
                ),
                'f' => Label::Float(
                    element_f64(b, kind, size, big_endian)
                        .ok_or_else(|| self.wrong_kind("an array of labels"))?,
                ),
                'U' => Label::Str(
                    element_unicode(b, big_endian)
                        .ok_or_else(|| self.wrong_kind("valid unicode strings"))?,
                ),
                'S' => Label::Str(element_bytes_str(b)),
                _ => return Err(self.wrong_kind("an array of labels")),
            };
            out.push(label);
        }
        Ok(out)
    }

    /// One element of an object array as a label (numpy scalars inside are unwrapped once).
    fn object_label(&self, heap: &Heap, v: &Value) -> Result<Label, LoadError> {
        match v {
            Value::Str(s) => Ok(Label::Str(s.to_string())),
            Value::Bytes(b) => Ok(Label::Str(element_bytes_str(b))),
            Value::Int(i) => Ok(Label::Int(*i)),
            Value::Float(f) => Ok(Label::Float(*f)),
            Value::Bool(b) => Ok(Label::Bool(*b)),
            Value::Ref(_) => match heap.get(v) {
                Some(Node::Array(a)) if a.shape.is_empty() && a.objects().is_none() => a
                    .to_labels_impl(heap)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| self.wrong_kind("labels")),
                _ => Err(LoadError::numpy(format!(
                    "expected labels in {}, found {}",
                    self.describe(),
                    heap.describe(v)
                ))),
            },
            _ => Err(LoadError::numpy(format!(
                "expected labels in {}, found {}",
                self.describe(),
                heap.describe(v)
            ))),
        }
    }
}
