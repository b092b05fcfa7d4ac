//! The scikit-learn wrappers of XGBoost and LightGBM: registered like scikit-learn classes, but
//! accepted only under their own library's module (`xgboost.sklearn`, `lightgbm.sklearn`).

use super::Entry;
use crate::model::{lightgbm, xgboost};

pub const CLASSES: &[Entry] = &[
    ("XGBClassifier", |o, _| xgboost::sklearn::build(o)),
    ("XGBRegressor", |o, _| xgboost::sklearn::build(o)),
    ("LGBMClassifier", |o, _| lightgbm::sklearn::build(o)),
    ("LGBMRegressor", |o, _| lightgbm::sklearn::build(o)),
];

/// The module a wrapper class must come from, for the classes of this family.
pub fn library_module(class: &str) -> Option<&'static str> {
    match class {
        "XGBClassifier" | "XGBRegressor" => Some("xgboost.sklearn"),
        "LGBMClassifier" | "LGBMRegressor" => Some("lightgbm.sklearn"),
        _ => None,
    }
}
