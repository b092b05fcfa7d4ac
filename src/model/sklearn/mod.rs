//! The scikit-learn registry: maps a pickled estimator's class name (under any `sklearn.*` module
//! path, so aliases across versions resolve) to the Rust builder that validates and rebuilds it.

pub mod column_transformer;
pub mod dummy;
pub mod encoders;
pub mod forest;
pub mod gradient_boosting;
pub mod hist_gradient_boosting;
pub mod impute;
pub mod linear;
pub mod pipeline;
pub mod scalers;
pub mod search;
pub mod support;
pub mod tree;

use super::error::LoadError;
use super::estimator::{Predictor, Transformer};
use super::value::{Heap, Value};

/// Deepest nesting of estimators (pipelines in search wrappers in column transformers ...) accepted.
pub const MAX_DEPTH: usize = 32;

/// A rebuilt estimator.
#[derive(Debug)]
pub enum Estimator {
    Transformer(Box<dyn Transformer>),
    Predictor(Box<dyn Predictor>),
    /// Pipeline steps in order (nested pipelines are kept nested; the loader flattens them).
    Pipeline(Vec<(String, Estimator)>),
    /// `"passthrough"` or `None` as a pipeline step.
    Passthrough,
}

/// Every class name the registry accepts, for the "unsupported estimator" error.
pub const SUPPORTED: &[&str] = &[
    "Pipeline",
    "GridSearchCV",
    "RandomizedSearchCV",
    "ColumnTransformer",
    "StandardScaler",
    "MinMaxScaler",
    "MaxAbsScaler",
    "RobustScaler",
    "SimpleImputer",
    "OneHotEncoder",
    "OrdinalEncoder",
    "LinearRegression",
    "Ridge",
    "Lasso",
    "ElasticNet",
    "LogisticRegression",
    "SGDClassifier",
    "SGDRegressor",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
    "DummyClassifier",
    "DummyRegressor",
];

/// Rebuild the estimator a value refers to. `depth` counts nesting and is bounded by [`MAX_DEPTH`].
pub fn build(heap: &Heap, value: &Value, depth: usize) -> Result<Estimator, LoadError> {
    if depth > MAX_DEPTH {
        return Err(LoadError::model(format!(
            "estimators are nested more than {MAX_DEPTH} levels deep"
        )));
    }
    match value {
        Value::None => return Ok(Estimator::Passthrough),
        Value::Str(s) if &**s == "passthrough" => return Ok(Estimator::Passthrough),
        _ => {}
    }
    let obj = heap.estimator(value)?;
    if !obj.module().starts_with("sklearn.") {
        return Err(unsupported(&obj.full_name()));
    }
    match obj.class_name() {
        "Pipeline" => pipeline::build(obj, depth),
        "GridSearchCV" | "RandomizedSearchCV" => search::build(obj, depth),
        "ColumnTransformer" => column_transformer::build(obj, depth),
        "StandardScaler" | "MinMaxScaler" | "MaxAbsScaler" | "RobustScaler" => scalers::build(obj),
        "SimpleImputer" => impute::build(obj),
        "OneHotEncoder" | "OrdinalEncoder" => encoders::build(obj),
        "LinearRegression" | "Ridge" | "Lasso" | "ElasticNet" | "LogisticRegression"
        | "SGDClassifier" | "SGDRegressor" => linear::build(obj),
        "DecisionTreeClassifier"
        | "DecisionTreeRegressor"
        | "ExtraTreeClassifier"
        | "ExtraTreeRegressor" => tree::build(obj),
        "RandomForestClassifier"
        | "RandomForestRegressor"
        | "ExtraTreesClassifier"
        | "ExtraTreesRegressor" => forest::build(obj, depth),
        "GradientBoostingClassifier" | "GradientBoostingRegressor" => {
            gradient_boosting::build(obj, depth)
        }
        "HistGradientBoostingClassifier" | "HistGradientBoostingRegressor" => {
            hist_gradient_boosting::build(obj)
        }
        "DummyClassifier" | "DummyRegressor" => dummy::build(obj),
        _ => Err(unsupported(&obj.full_name())),
    }
}

/// The error for a class the registry does not know.
pub fn unsupported(full_name: &str) -> LoadError {
    LoadError::Unsupported {
        class: full_name.to_string(),
        supported: SUPPORTED.join(", "),
    }
}
