//! A tiny builder for hand-made pickle graphs (`Heap` + `Value`) describing fitted scikit-learn
//! estimators, shared by the `sklearn_linear*` tests.
#![allow(dead_code)]

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};
use predict_worker::model::data::{Batch, Output};
use predict_worker::model::error::{LoadError, PredictError};
use predict_worker::model::numpy::{ArrayData, Dtype, NdArray};
use predict_worker::model::sklearn::{self, Estimator};
use predict_worker::model::value::{Global, Heap, Node, Object, Value};

pub struct G {
    pub heap: Heap,
}

pub fn s(x: &str) -> Value {
    Value::Str(Arc::from(x))
}

impl G {
    pub fn new() -> Self {
        G { heap: Heap::new() }
    }

    fn array(&mut self, kind: char, size: usize, shape: &[usize], data: ArrayData) -> Value {
        self.heap.alloc(Node::Array(NdArray {
            dtype: Dtype::Scalar {
                kind,
                size,
                big_endian: false,
            },
            shape: shape.to_vec(),
            fortran_order: false,
            data,
        }))
    }

    pub fn f64s(&mut self, shape: &[usize], data: &[f64]) -> Value {
        let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.array('f', 8, shape, ArrayData::Bytes(Arc::from(bytes)))
    }

    pub fn i64s(&mut self, shape: &[usize], data: &[i64]) -> Value {
        let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.array('i', 8, shape, ArrayData::Bytes(Arc::from(bytes)))
    }

    pub fn bools(&mut self, data: &[bool]) -> Value {
        let bytes: Vec<u8> = data.iter().map(|&b| u8::from(b)).collect();
        self.array('b', 1, &[data.len()], ArrayData::Bytes(Arc::from(bytes)))
    }

    pub fn objects(&mut self, items: Vec<Value>) -> Value {
        let n = items.len();
        self.array('O', 8, &[n], ArrayData::Objects(items))
    }

    pub fn strs(&mut self, items: &[&str]) -> Value {
        self.objects(items.iter().map(|x| s(x)).collect())
    }

    pub fn list(&mut self, items: Vec<Value>) -> Value {
        self.heap.alloc(Node::List(items))
    }

    pub fn tuple(&mut self, items: Vec<Value>) -> Value {
        self.heap.alloc(Node::Tuple(items))
    }

    pub fn dict(&mut self, items: Vec<(Value, Value)>) -> Value {
        self.heap.alloc(Node::Dict(items))
    }

    pub fn global(&mut self, module: &str, name: &str) -> Value {
        Value::Global(Arc::new(Global::new(module, name)))
    }

    /// An object built with args (e.g. `builtins.slice`).
    pub fn object(&mut self, module: &str, name: &str, args: Vec<Value>) -> Value {
        self.heap.alloc(Node::Object(Object {
            class: Arc::new(Global::new(module, name)),
            args,
            kwargs: vec![],
            state: None,
            list_items: vec![],
            dict_items: vec![],
        }))
    }

    /// A fitted estimator: class plus its `__dict__`.
    pub fn est(&mut self, module: &str, name: &str, attrs: Vec<(&str, Value)>) -> Value {
        let state: Vec<(Value, Value)> = attrs.into_iter().map(|(k, v)| (s(k), v)).collect();
        let state = self.dict(state);
        self.heap.alloc(Node::Object(Object {
            class: Arc::new(Global::new(module, name)),
            args: vec![],
            kwargs: vec![],
            state: Some(state),
            list_items: vec![],
            dict_items: vec![],
        }))
    }

    pub fn build(&self, root: &Value) -> Result<Estimator, LoadError> {
        sklearn::build(&self.heap, root, 0)
    }
}

pub fn predict(est: &Estimator, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
    match est {
        Estimator::Predictor(p) => p.predict(x),
        other => panic!("expected a predictor, got {other:?}"),
    }
}

pub fn transform(est: &Estimator, x: &Batch) -> Result<Batch, PredictError> {
    match est {
        Estimator::Transformer(t) => t.transform(x),
        other => panic!("expected a transformer, got {other:?}"),
    }
}

/// A batch from rows of cells: `Some(text)` cells are strings, numbers are given as f64 (NaN = null).
pub fn mixed(rows: &[Vec<Cell>]) -> Batch {
    let n = rows.len();
    let w = rows.first().map_or(0, Vec::len);
    let mut values = Array2::from_elem((n, w), f64::NAN);
    let mut text = Array2::from_elem((n, w), None);
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::N(x) => values[[r, c]] = *x,
                Cell::T(t) => text[[r, c]] = Some(Arc::from(*t)),
                Cell::Null => {}
            }
        }
    }
    let any = text.iter().any(Option::is_some);
    Batch {
        values,
        text: any.then(|| text.into()),
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Cell {
    N(f64),
    T(&'static str),
    Null,
}

/// Relative closeness (1e-12), NaN equal to NaN.
pub fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

pub fn assert_rows(got: &Array2<f64>, want: &[&[f64]]) {
    assert_eq!(got.nrows(), want.len(), "rows of {got:?}");
    for (r, row) in want.iter().enumerate() {
        assert_eq!(got.ncols(), row.len(), "columns of {got:?}");
        for (c, w) in row.iter().enumerate() {
            assert!(
                close(got[[r, c]], *w),
                "[{r},{c}] got {} want {w}; {got:?}",
                got[[r, c]]
            );
        }
    }
}
