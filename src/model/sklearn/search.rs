//! GridSearchCV / RandomizedSearchCV: serve the refitted `best_estimator_`. The rest of the search
//! state (including `cv_results_`, which may hold numpy masked arrays) is never looked at.

use super::Estimator;
use crate::model::error::LoadError;
use crate::model::value::ObjView;

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let Some(best) = obj.get("best_estimator_") else {
        return Err(obj.error(
            "best_estimator_",
            "is missing: the search was fitted with refit=False (or never fitted), so there is no model to serve; fit it with refit=True or save search.best_estimator_ instead",
        ));
    };
    super::build(obj.heap, best, depth + 1)
        .map_err(|e| LoadError::model(format!("{}.best_estimator_: {e}", obj.class_name())))
}
