//! Reading single fields of record (structured) arrays, such as scikit-learn's tree nodes'
//! `threshold` or `left_child`, as f64 or i64 per element.

use super::dtype::{element_f64, element_i128};
use super::{Dtype, NdArray};
use crate::model::error::LoadError;

impl NdArray {
    fn field_scalar(&self, name: &str) -> Result<(usize, char, usize, bool), LoadError> {
        let field = self.dtype.field(name).ok_or_else(|| {
            LoadError::numpy(format!("{} has no field {name:?}", self.describe()))
        })?;
        match field.dtype {
            Dtype::Scalar {
                kind,
                size,
                big_endian,
            } if field
                .offset
                .checked_add(size)
                .is_some_and(|end| end <= self.dtype.itemsize()) =>
            {
                Ok((field.offset, kind, size, big_endian))
            }
            _ => Err(LoadError::numpy(format!(
                "field {name:?} of {} is not a plain number",
                self.describe()
            ))),
        }
    }

    pub(super) fn field_f64_impl(&self, name: &str) -> Result<Vec<f64>, LoadError> {
        let (offset, kind, size, big) = self.field_scalar(name)?;
        let mut out = Vec::with_capacity(self.checked_len()?);
        for i in self.c_order() {
            let b = self.element(i)?.get(offset..).unwrap_or(&[]);
            out.push(element_f64(b, kind, size, big).ok_or_else(|| {
                LoadError::numpy(format!(
                    "field {name:?} of {} is not numeric",
                    self.describe()
                ))
            })?);
        }
        Ok(out)
    }

    pub(super) fn field_i64_impl(&self, name: &str) -> Result<Vec<i64>, LoadError> {
        let (offset, kind, size, big) = self.field_scalar(name)?;
        let mut out = Vec::with_capacity(self.checked_len()?);
        for i in self.c_order() {
            let b = self.element(i)?.get(offset..).unwrap_or(&[]);
            let v = match kind {
                'f' => element_f64(b, kind, size, big)
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64),
                _ => element_i128(b, kind, size, big).and_then(|v| i64::try_from(v).ok()),
            };
            out.push(v.ok_or_else(|| {
                LoadError::numpy(format!(
                    "field {name:?} of {} is not an integer",
                    self.describe()
                ))
            })?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::model::numpy::{ArrayData, Dtype, Field, NdArray};

    #[test]
    fn record_fields() {
        let mut bytes = Vec::new();
        for (l, t) in [(1i64, 0.5f64), (-1, -2.0)] {
            bytes.extend(l.to_le_bytes());
            bytes.extend(t.to_le_bytes());
        }
        let a = NdArray {
            dtype: Dtype::Record {
                fields: vec![
                    Field {
                        name: "left".into(),
                        dtype: Dtype::Scalar {
                            kind: 'i',
                            size: 8,
                            big_endian: false,
                        },
                        offset: 0,
                    },
                    Field {
                        name: "threshold".into(),
                        dtype: Dtype::Scalar {
                            kind: 'f',
                            size: 8,
                            big_endian: false,
                        },
                        offset: 8,
                    },
                ],
                itemsize: 16,
            },
            shape: vec![2],
            fortran_order: false,
            data: ArrayData::Bytes(Arc::from(bytes)),
        };
        assert_eq!(a.field_i64("left").unwrap(), vec![1, -1]);
        assert_eq!(a.field_f64("threshold").unwrap(), vec![0.5, -2.0]);
        assert!(a.field_f64("nope").is_err());
        assert!(a.has_field("left"));
        assert!(a.to_f64_vec().is_err());
    }
}
