//! TODO(helper): scalers.

use super::Estimator;
use crate::model::error::LoadError;
use crate::model::value::ObjView;

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    Err(super::unsupported(&obj.full_name()))
}
