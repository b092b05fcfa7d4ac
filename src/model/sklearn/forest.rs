//! TODO(helper): forest.

use super::Estimator;
use crate::model::error::LoadError;
use crate::model::value::ObjView;

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let _ = depth;
    Err(super::unsupported(&obj.full_name()))
}
