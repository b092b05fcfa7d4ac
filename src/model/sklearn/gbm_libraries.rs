//! The scikit-learn wrappers of XGBoost and LightGBM: registered like scikit-learn classes, but
//! accepted only under their own library's module (`xgboost.sklearn`, `lightgbm.sklearn`).

use std::sync::Arc;

use super::Entry;
use crate::model::error::LoadError;
use crate::model::value::ObjView;
use crate::model::{lightgbm, xgboost};

pub const CLASSES: &[Entry] = &[
    ("XGBClassifier", |o, _| xgboost::sklearn::build(o)),
    ("XGBRegressor", |o, _| xgboost::sklearn::build(o)),
    ("XGBRFClassifier", |o, _| xgboost::sklearn::build(o)),
    ("XGBRFRegressor", |o, _| xgboost::sklearn::build(o)),
    ("LGBMClassifier", |o, _| lightgbm::sklearn::build(o)),
    ("LGBMRegressor", |o, _| lightgbm::sklearn::build(o)),
];

/// The module a wrapper class must come from, for the classes of this family.
pub fn library_module(class: &str) -> Option<&'static str> {
    match class {
        "XGBClassifier" | "XGBRegressor" | "XGBRFClassifier" | "XGBRFRegressor" => {
            Some("xgboost.sklearn")
        }
        "LGBMClassifier" | "LGBMRegressor" => Some("lightgbm.sklearn"),
        _ => None,
    }
}

/// An input width and, when fitted on a DataFrame, the feature names.
pub type InputFacts = (Option<usize>, Option<Arc<[String]>>);

/// The input width and feature names of a wrapper that sees the input first (they live in the
/// library's model, not in scikit-learn's `n_features_in_` / `feature_names_in_`): names only when
/// fitted on a DataFrame. `None` for classes of other families.
pub fn input_facts(obj: &ObjView<'_>) -> Result<Option<InputFacts>, LoadError> {
    let (n, names, named) = match library_module(obj.class_name()) {
        Some("xgboost.sklearn") => {
            let (n, names) = xgboost::model::input_names(xgboost::sklearn::booster_bytes(obj)?)?;
            let named = !names.is_empty();
            (n, names, named)
        }
        Some(_) => {
            let (text, _) = lightgbm::sklearn::booster_model(obj)?;
            let (n, names) = lightgbm::model::input_names(text)?;
            // `_fitted_with_feature_names` (lightgbm >= 4.6); older: any name but `Column_i`.
            let named = match obj.get("_fitted_with_feature_names") {
                Some(_) => obj.bool("_fitted_with_feature_names")?,
                None => names
                    .iter()
                    .enumerate()
                    .any(|(i, n)| *n != format!("Column_{i}")),
            };
            (n, names, named)
        }
        None => return Ok(None),
    };
    if named && names.len() != n {
        return Err(obj.error(
            "_Booster",
            format!("names {} features but has {n}", names.len()),
        ));
    }
    Ok(Some((Some(n), named.then(|| Arc::from(names)))))
}
