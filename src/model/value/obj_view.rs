//! `ObjView`: an estimator object seen through its attribute dict (`Heap::estimator`), with accessors
//! whose errors name the class and the attribute.

use super::scalars::{scalar_bool, scalar_f64, scalar_i64};
use super::{Heap, Node, Object, Value};
use crate::model::data::Label;
use crate::model::error::LoadError;
use crate::model::numpy::NdArray;

impl Heap {
    /// View an estimator-like object: its class plus its `__dict__` (the BUILD state dict).
    pub fn estimator<'a>(&'a self, value: &'a Value) -> Result<ObjView<'a>, LoadError> {
        let obj = self.object(value).ok_or_else(|| {
            LoadError::model(format!(
                "expected a scikit-learn estimator object, found {}",
                self.describe(value)
            ))
        })?;
        let state: &[(Value, Value)] = match &obj.state {
            Some(state) => self.dict(state).unwrap_or(&[]),
            None => &[],
        };
        Ok(ObjView {
            heap: self,
            value,
            obj,
            state,
        })
    }
}

/// An estimator object seen through its attribute dict. Every accessor fails with an error that
/// names the class and the attribute, so a user knows which part of the model file is off.
#[derive(Clone, Copy, Debug)]
pub struct ObjView<'a> {
    pub heap: &'a Heap,
    value: &'a Value,
    pub obj: &'a Object,
    pub state: &'a [(Value, Value)],
}

impl<'a> ObjView<'a> {
    /// The object's own value (a `Value::Ref`).
    pub fn value(&self) -> &'a Value {
        self.value
    }

    pub fn class_name(&self) -> &'a str {
        &self.obj.class.name
    }

    pub fn module(&self) -> &'a str {
        &self.obj.class.module
    }

    pub fn full_name(&self) -> String {
        self.obj.class.full_name()
    }

    /// An error about this object's attribute `attr`.
    pub fn error(&self, attr: &str, message: impl std::fmt::Display) -> LoadError {
        LoadError::model(format!("{}.{attr}: {message}", self.class_name()))
    }

    pub fn get(&self, attr: &str) -> Option<&'a Value> {
        self.state
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if &**s == attr))
            .map(|(_, v)| v)
    }

    pub fn has(&self, attr: &str) -> bool {
        self.get(attr).is_some()
    }

    /// A required attribute.
    pub fn req(&self, attr: &str) -> Result<&'a Value, LoadError> {
        self.get(attr).ok_or_else(|| {
            self.error(
                attr,
                "attribute is missing; was the estimator fitted before it was saved?",
            )
        })
    }

    pub fn f64(&self, attr: &str) -> Result<f64, LoadError> {
        let v = self.req(attr)?;
        scalar_f64(self.heap, v).ok_or_else(|| {
            self.error(
                attr,
                format!("expected a number, found {}", self.heap.describe(v)),
            )
        })
    }

    pub fn i64(&self, attr: &str) -> Result<i64, LoadError> {
        let v = self.req(attr)?;
        scalar_i64(self.heap, v).ok_or_else(|| {
            self.error(
                attr,
                format!("expected an integer, found {}", self.heap.describe(v)),
            )
        })
    }

    pub fn usize(&self, attr: &str) -> Result<usize, LoadError> {
        let i = self.i64(attr)?;
        usize::try_from(i)
            .map_err(|_| self.error(attr, format!("expected a non-negative integer, found {i}")))
    }

    pub fn bool(&self, attr: &str) -> Result<bool, LoadError> {
        let v = self.req(attr)?;
        match scalar_bool(self.heap, v) {
            Some(b) => Ok(b),
            None => Err(self.error(
                attr,
                format!("expected a bool, found {}", self.heap.describe(v)),
            )),
        }
    }

    pub fn str(&self, attr: &str) -> Result<&'a str, LoadError> {
        let v = self.req(attr)?;
        match v {
            Value::Str(s) => Ok(s),
            _ => Err(self.error(
                attr,
                format!("expected a str, found {}", self.heap.describe(v)),
            )),
        }
    }

    /// A str attribute that may be absent or None.
    pub fn opt_str(&self, attr: &str) -> Option<&'a str> {
        match self.get(attr)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A nested estimator.
    pub fn estimator(&self, attr: &str) -> Result<ObjView<'a>, LoadError> {
        let v = self.req(attr)?;
        self.heap.estimator(v).map_err(|e| self.error(attr, e))
    }

    /// A list or tuple attribute.
    pub fn seq(&self, attr: &str) -> Result<&'a [Value], LoadError> {
        let v = self.req(attr)?;
        self.heap.sequence(v).ok_or_else(|| {
            self.error(
                attr,
                format!("expected a list or tuple, found {}", self.heap.describe(v)),
            )
        })
    }

    /// A numpy array attribute of class labels (`classes_`), errors naming the attribute.
    pub fn labels(&self, attr: &str) -> Result<Vec<Label>, LoadError> {
        self.array(attr)?
            .to_labels(self.heap)
            .map_err(|e| self.error(attr, e))
    }

    /// A numpy array attribute.
    pub fn array(&self, attr: &str) -> Result<&'a NdArray, LoadError> {
        let v = self.req(attr)?;
        match self.heap.get(v) {
            Some(Node::Array(a)) => Ok(a),
            _ => Err(self.error(
                attr,
                format!("expected a numpy array, found {}", self.heap.describe(v)),
            )),
        }
    }
}
