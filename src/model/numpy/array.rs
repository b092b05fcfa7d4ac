//! Reading decoded arrays as numbers in C (row-major) order whatever the memory order, and the
//! element access the other readers share: the C-order walk, length checks and raw element bytes.

use ndarray::{Array1, Array2, ArrayD, IxDyn};

use super::dtype::{element_f64, element_i128};
use super::{ArrayData, Dtype, NdArray};
use crate::model::error::LoadError;
use crate::model::value::Value;

/// Memory indices of the elements of an array, visited in C order.
pub(super) struct COrder {
    shape: Vec<usize>,
    /// Element stride of each axis in memory.
    strides: Vec<usize>,
    index: Vec<usize>,
    remaining: usize,
    offset: usize,
}

impl Iterator for COrder {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let current = self.offset;
        // Advance the multi-index, last axis fastest.
        for axis in (0..self.shape.len()).rev() {
            self.index[axis] += 1;
            self.offset += self.strides[axis];
            if self.index[axis] < self.shape[axis] {
                break;
            }
            self.offset -= self.strides[axis] * self.index[axis];
            self.index[axis] = 0;
        }
        Some(current)
    }
}

impl NdArray {
    /// Memory index of every element, in C order.
    pub(super) fn c_order(&self) -> COrder {
        let n = self.shape.len();
        let mut strides = vec![1usize; n];
        if self.fortran_order {
            for axis in 1..n {
                strides[axis] = strides[axis - 1].saturating_mul(self.shape[axis - 1]);
            }
        } else {
            for axis in (0..n.saturating_sub(1)).rev() {
                strides[axis] = strides[axis + 1].saturating_mul(self.shape[axis + 1]);
            }
        }
        COrder {
            shape: self.shape.clone(),
            strides,
            index: vec![0; n],
            remaining: self.len(),
            offset: 0,
        }
    }

    /// Number of elements, checked against the data actually present (so a hand-built array with an
    /// absurd shape fails instead of allocating).
    pub(super) fn checked_len(&self) -> Result<usize, LoadError> {
        let count = self
            .shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d));
        let ok = match (&self.data, count) {
            (ArrayData::Bytes(b), Some(n)) => n
                .checked_mul(self.dtype.itemsize())
                .is_some_and(|need| need <= b.len()),
            (ArrayData::Objects(items), Some(n)) => n == items.len(),
            (_, None) => false,
        };
        match (ok, count) {
            (true, Some(n)) => Ok(n),
            _ => Err(LoadError::numpy(format!(
                "{} holds fewer elements than its shape needs",
                self.describe()
            ))),
        }
    }

    /// The bytes of the element at memory index `i`.
    pub(super) fn element(&self, i: usize) -> Result<&[u8], LoadError> {
        let size = self.dtype.itemsize();
        let bytes = match &self.data {
            ArrayData::Bytes(b) => b,
            ArrayData::Objects(_) => {
                return Err(LoadError::numpy("an object array has no raw element bytes"))
            }
        };
        i.checked_mul(size)
            .and_then(|start| bytes.get(start..start.checked_add(size)?))
            .ok_or_else(|| {
                LoadError::numpy(format!(
                    "{} holds fewer bytes than its shape needs",
                    self.describe()
                ))
            })
    }

    pub(super) fn wrong_kind(&self, wanted: &str) -> LoadError {
        LoadError::numpy(format!("expected {wanted}, found {}", self.describe()))
    }

    /// e.g. `float64 (3, 4)`.
    pub(super) fn describe_impl(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(usize::to_string).collect();
        let shape = match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        };
        format!("{} {shape}", self.dtype.name())
    }

    pub(super) fn to_f64_impl(&self) -> Result<Vec<f64>, LoadError> {
        if let ArrayData::Objects(items) = &self.data {
            return items
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Ok(*i as f64),
                    Value::Float(f) => Ok(*f),
                    Value::Bool(b) => Ok(f64::from(u8::from(*b))),
                    _ => Err(self.wrong_kind("an array of numbers")),
                })
                .collect();
        }
        let Dtype::Scalar {
            kind,
            size,
            big_endian,
        } = self.dtype
        else {
            return Err(self.wrong_kind("an array of numbers"));
        };
        if !matches!(kind, 'b' | 'i' | 'u' | 'f') {
            return Err(self.wrong_kind("an array of numbers"));
        }
        let mut out = Vec::with_capacity(self.checked_len()?);
        for i in self.c_order() {
            let v = element_f64(self.element(i)?, kind, size, big_endian)
                .ok_or_else(|| self.wrong_kind("an array of numbers"))?;
            out.push(v);
        }
        Ok(out)
    }

    pub(super) fn to_i64_impl(&self) -> Result<Vec<i64>, LoadError> {
        let whole = |f: f64| -> Result<i64, LoadError> {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                Ok(f as i64)
            } else {
                Err(LoadError::numpy(format!(
                    "expected whole numbers in {}, found {f}",
                    self.describe()
                )))
            }
        };
        match (&self.data, &self.dtype) {
            (ArrayData::Objects(_), _) => self.to_f64_impl()?.into_iter().map(whole).collect(),
            (_, Dtype::Scalar { kind: 'f', .. }) => {
                self.to_f64_impl()?.into_iter().map(whole).collect()
            }
            (
                _,
                Dtype::Scalar {
                    kind: kind @ ('b' | 'i' | 'u'),
                    size,
                    big_endian,
                },
            ) => {
                let mut out = Vec::with_capacity(self.checked_len()?);
                for i in self.c_order() {
                    let v = element_i128(self.element(i)?, *kind, *size, *big_endian)
                        .and_then(|v| i64::try_from(v).ok())
                        .ok_or_else(|| self.wrong_kind("an array of integers that fit in int64"))?;
                    out.push(v);
                }
                Ok(out)
            }
            _ => Err(self.wrong_kind("an array of integers")),
        }
    }

    pub(super) fn to_f64_array_impl(&self) -> Result<ArrayD<f64>, LoadError> {
        let values = self.to_f64_impl()?;
        ArrayD::from_shape_vec(IxDyn(&self.shape), values)
            .map_err(|e| LoadError::numpy(format!("{}: {e}", self.describe())))
    }

    pub(super) fn to_array1_impl(&self) -> Result<Array1<f64>, LoadError> {
        if self.shape.len() > 1 {
            return Err(self.wrong_kind("a 1-d array"));
        }
        Ok(Array1::from(self.to_f64_impl()?))
    }

    pub(super) fn to_array2_impl(&self) -> Result<Array2<f64>, LoadError> {
        let (rows, cols) = match self.shape.as_slice() {
            [n] => (1, *n),
            [r, c] => (*r, *c),
            _ => return Err(self.wrong_kind("a 1-d or 2-d array")),
        };
        Array2::from_shape_vec((rows, cols), self.to_f64_impl()?)
            .map_err(|e| LoadError::numpy(format!("{}: {e}", self.describe())))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn f8(values: &[f64], shape: Vec<usize>, fortran: bool) -> NdArray {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        NdArray {
            dtype: Dtype::Scalar {
                kind: 'f',
                size: 8,
                big_endian: false,
            },
            shape,
            fortran_order: fortran,
            data: ArrayData::Bytes(Arc::from(bytes)),
        }
    }

    #[test]
    fn fortran_order_is_read_in_c_order() {
        // [[1,2,3],[4,5,6]] stored column by column.
        let a = f8(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], vec![2, 3], true);
        assert_eq!(a.to_f64_vec().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let m = a.to_array2_f64().unwrap();
        assert_eq!(m[[1, 0]], 4.0);
        let c = f8(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![2, 3], false);
        assert_eq!(c.to_f64_vec().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let f3 = f8(
            &(0..24).map(f64::from).collect::<Vec<_>>(),
            vec![2, 3, 4],
            true,
        );
        let v = f3.to_f64_vec().unwrap();
        // C index 6 is [0,1,2], which lives at 0 + 2*1 + 6*2 = 14 in Fortran memory.
        assert_eq!(v[6], 14.0);
        assert_eq!(v[23], 23.0);
        assert_eq!(f3.describe(), "float64 (2, 3, 4)");
    }

    #[test]
    fn short_data_is_an_error_not_a_panic() {
        let mut a = f8(&[1.0], vec![3], false);
        assert!(a.to_f64_vec().is_err());
        a.shape = vec![usize::MAX, 2];
        assert!(a.to_f64_vec().is_err());
    }
}
