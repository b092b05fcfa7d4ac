//! numpy arrays, dtypes and scalars as found in pickles, decoded without numpy.
//! PUBLIC API CONTRACT: the sklearn layer relies on the methods below (bodies in `array.rs`, `labels.rs`
//! and `record_fields.rs`, dtype helpers in `dtype.rs`, decoding from pickle values in `pickled.rs`).

mod array;
mod dtype;
mod labels;
pub mod pickled;
mod record_fields;

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayD};

use super::data::Label;
use super::error::LoadError;
use super::value::{Heap, Value};

/// A numpy dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum Dtype {
    /// A plain dtype: kind is numpy's `dtype.kind` (`b` bool, `i` int, `u` uint, `f` float, `c` complex,
    /// `U` unicode, `S` bytes, `O` object), size is the item size in bytes.
    Scalar {
        kind: char,
        size: usize,
        big_endian: bool,
    },
    /// A structured (record) dtype such as scikit-learn's tree node dtype.
    Record { fields: Vec<Field>, itemsize: usize },
}

/// One field of a record dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub dtype: Dtype,
    pub offset: usize,
}

/// The storage behind an array: raw bytes for plain and record dtypes, values for object arrays.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    Bytes(Arc<[u8]>),
    Objects(Vec<Value>),
}

/// A decoded numpy array (or numpy scalar, with an empty shape).
#[derive(Clone, Debug, PartialEq)]
pub struct NdArray {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub fortran_order: bool,
    pub data: ArrayData,
}

impl NdArray {
    /// Number of elements (1 for a scalar).
    pub fn len(&self) -> usize {
        // Saturating: a hand-built array with an absurd shape must not overflow (it then fails to read).
        self.shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .unwrap_or(usize::MAX)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// e.g. `float64 (3, 4)`, for error messages.
    pub fn describe(&self) -> String {
        self.describe_impl()
    }

    /// Elements as f64 in C (row-major) order. Works for bool, int, uint and float dtypes.
    pub fn to_f64_vec(&self) -> Result<Vec<f64>, LoadError> {
        self.to_f64_impl()
    }

    /// Elements as i64 in C order. Works for bool, int and uint dtypes (and floats that are whole numbers).
    pub fn to_i64_vec(&self) -> Result<Vec<i64>, LoadError> {
        self.to_i64_impl()
    }

    pub fn to_f64_array(&self) -> Result<ArrayD<f64>, LoadError> {
        self.to_f64_array_impl()
    }

    /// A 1-d array (a 0-d array becomes length 1).
    pub fn to_array1_f64(&self) -> Result<Array1<f64>, LoadError> {
        self.to_array1_impl()
    }

    /// A 2-d array (a 1-d array of length n becomes 1 × n).
    pub fn to_array2_f64(&self) -> Result<Array2<f64>, LoadError> {
        self.to_array2_impl()
    }

    /// Elements as strings: for `<U`/`S` arrays, and object arrays whose elements are all str.
    pub fn to_strings(&self, heap: &Heap) -> Result<Vec<String>, LoadError> {
        self.to_strings_impl(heap)
    }

    /// Elements as class labels (`classes_`): ints, floats, bools, or strings (object or `<U` arrays).
    pub fn to_labels(&self, heap: &Heap) -> Result<Vec<Label>, LoadError> {
        self.to_labels_impl(heap)
    }

    /// One field of a record array, as f64 per element (e.g. tree nodes' `threshold`).
    pub fn field_f64(&self, name: &str) -> Result<Vec<f64>, LoadError> {
        self.field_f64_impl(name)
    }

    /// One field of a record array, as i64 per element (e.g. tree nodes' `left_child`).
    pub fn field_i64(&self, name: &str) -> Result<Vec<i64>, LoadError> {
        self.field_i64_impl(name)
    }

    /// Does the record dtype have this field (e.g. `missing_go_to_left`, added in scikit-learn 1.3)?
    pub fn has_field(&self, name: &str) -> bool {
        matches!(&self.dtype, Dtype::Record { fields, .. } if fields.iter().any(|f| f.name == name))
    }

    /// Object array elements.
    pub fn objects(&self) -> Option<&[Value]> {
        match &self.data {
            ArrayData::Objects(v) => Some(v),
            ArrayData::Bytes(_) => None,
        }
    }
}
