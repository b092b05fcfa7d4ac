//! The decoded XGBoost model document: a small JSON value with compact numeric arrays (UBJSON's
//! typed arrays stay flat), plus the lookups the model reader needs, each failing with the path.

use crate::model::error::LoadError;

/// A JSON value as XGBoost writes it. Typed UBJSON arrays of numbers decode to `Numbers`.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Numbers(Vec<f64>),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// An error about the model document at `path` (`learner/gradient_booster/model/trees[3]`).
pub fn doc_error(path: &str, message: impl std::fmt::Display) -> LoadError {
    LoadError::model(format!("XGBoost model {path}: {message}"))
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A required member; the error names `path/key`.
    pub fn req(&self, path: &str, key: &str) -> Result<&Json, LoadError> {
        self.get(key)
            .ok_or_else(|| doc_error(path, format!("has no {key:?} member")))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A number, or a string holding one (XGBoost writes most parameters as strings).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Int(i) => Some(*i as f64),
            Json::Float(f) => Some(*f),
            Json::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A non-negative integer, or a string holding one.
    pub fn as_usize(&self) -> Option<usize> {
        match self {
            Json::Int(i) => usize::try_from(*i).ok(),
            Json::Str(s) => s.trim().parse().ok(),
            Json::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15 => Some(*f as usize),
            _ => None,
        }
    }

    /// Every element of a numeric array (typed or not), as f64.
    pub fn numbers(&self) -> Option<Vec<f64>> {
        match self {
            Json::Numbers(v) => Some(v.clone()),
            Json::Array(items) => items
                .iter()
                .map(|v| match v {
                    Json::Int(i) => Some(*i as f64),
                    Json::Float(f) => Some(*f),
                    Json::Bool(b) => Some(f64::from(u8::from(*b))),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// The items of an untyped array.
    pub fn items(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A required numeric array member of exactly `len` elements.
    pub fn numbers_of(&self, path: &str, key: &str, len: usize) -> Result<Vec<f64>, LoadError> {
        let v = self
            .req(path, key)?
            .numbers()
            .ok_or_else(|| doc_error(path, format!("{key:?} is not an array of numbers")))?;
        if v.len() != len {
            return Err(doc_error(
                path,
                format!("{key:?} has {} entries, expected {len}", v.len()),
            ));
        }
        Ok(v)
    }

    /// A required member holding a non-negative integer (or a string of one).
    pub fn usize_at(&self, path: &str, key: &str) -> Result<usize, LoadError> {
        self.req(path, key)?
            .as_usize()
            .ok_or_else(|| doc_error(path, format!("{key:?} is not a non-negative integer")))
    }
}

/// Most nested arrays and objects a JSON document may have (serde_json's own limit is 128).
pub const MAX_NESTING: usize = 64;

/// Convert a `serde_json` document (XGBoost < 2 pickled its model as JSON text).
pub fn from_serde(v: &serde_json::Value) -> Json {
    // Iterative: a stack of (source children, built children, object keys).
    enum Frame<'a> {
        Array(std::slice::Iter<'a, serde_json::Value>, Vec<Json>),
        Object(serde_json::map::Iter<'a>, Vec<(String, Json)>, String),
    }
    fn leaf(v: &serde_json::Value) -> Option<Json> {
        Some(match v {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Json::Int(i),
                None => Json::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Json::Str(s.clone()),
            _ => return None,
        })
    }
    fn open(v: &serde_json::Value) -> Option<Frame<'_>> {
        match v {
            serde_json::Value::Array(a) => {
                Some(Frame::Array(a.iter(), Vec::with_capacity(a.len())))
            }
            serde_json::Value::Object(o) => {
                Some(Frame::Object(o.iter(), Vec::new(), String::new()))
            }
            _ => None,
        }
    }
    if let Some(j) = leaf(v) {
        return j;
    }
    let mut stack: Vec<Frame<'_>> = open(v).into_iter().collect();
    loop {
        let Some(top) = stack.last_mut() else {
            return Json::Null;
        };
        let next = match top {
            Frame::Array(it, _) => it.next(),
            Frame::Object(it, _, key) => it.next().map(|(k, v)| {
                *key = k.clone();
                v
            }),
        };
        let done = match next {
            Some(child) => match leaf(child) {
                Some(j) => Some(j),
                None => {
                    if let Some(f) = open(child) {
                        stack.push(f);
                    }
                    None
                }
            },
            None => match stack.pop() {
                Some(Frame::Array(_, items)) => Some(Json::Array(items)),
                Some(Frame::Object(_, items, _)) => Some(Json::Object(items)),
                None => None,
            },
        };
        if let Some(j) = done {
            match stack.last_mut() {
                Some(Frame::Array(_, items)) => items.push(j),
                Some(Frame::Object(_, items, key)) => items.push((std::mem::take(key), j)),
                None => return j,
            }
        }
    }
}
