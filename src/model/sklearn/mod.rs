//! The scikit-learn registry: maps a pickled estimator's class name (under any `sklearn.*` module
//! path, so aliases across versions resolve) to the Rust builder that validates and rebuilds it.

pub mod column_transformer;
pub mod discriminant;
pub mod dummy;
pub mod encoders;
pub mod ensemble;
pub mod forest;
pub mod gbm_libraries;
pub mod gradient_boosting;
pub mod hist_gradient_boosting;
pub mod impute;
pub mod linear;
pub mod math;
pub mod naive_bayes;
pub mod neighbors;
pub mod neural_network;
pub mod pipeline;
pub mod preprocessing;
pub mod scalers;
pub mod search;
pub mod support;
pub mod svm;
pub mod tree;

use super::error::LoadError;
use super::estimator::{Predictor, Transformer};
use super::value::{Heap, ObjView, Value};

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

/// How a registered class is rebuilt: the estimator's object and the current nesting depth.
pub type Builder = fn(ObjView<'_>, usize) -> Result<Estimator, LoadError>;

/// One registered class: its name (under any `sklearn.*` module) and its builder.
pub type Entry = (&'static str, Builder);

/// The registry, family by family: the one list the dispatch in [`build`], the "unsupported
/// estimator" error, `inspect` and the README's supported-estimator table all derive from.
/// A new family adds its own `CLASSES` slice here.
pub const FAMILIES: &[(&str, &[Entry])] = &[
    ("Composition", COMPOSITION),
    ("Preprocessing", PREPROCESSING),
    ("Feature transforms", preprocessing::CLASSES),
    ("Linear models", linear::CLASSES),
    ("Discriminant analysis", discriminant::CLASSES),
    ("Trees and forests", TREES),
    ("Boosting", BOOSTING),
    ("Baselines", dummy::CLASSES),
    ("Ensembles of estimators", ensemble::CLASSES),
    ("Support vector machines", svm::CLASSES),
    ("Nearest neighbours", neighbors::CLASSES),
    ("Naive Bayes", naive_bayes::CLASSES),
    ("Neural networks", neural_network::CLASSES),
    ("Gradient boosting libraries", gbm_libraries::CLASSES),
];

const COMPOSITION: &[Entry] = &[
    ("Pipeline", |o, d| pipeline::build(o, d)),
    ("GridSearchCV", |o, d| search::build(o, d)),
    ("RandomizedSearchCV", |o, d| search::build(o, d)),
    ("ColumnTransformer", |o, d| column_transformer::build(o, d)),
];

const PREPROCESSING: &[Entry] = &[
    ("StandardScaler", |o, _| scalers::build(o)),
    ("MinMaxScaler", |o, _| scalers::build(o)),
    ("MaxAbsScaler", |o, _| scalers::build(o)),
    ("RobustScaler", |o, _| scalers::build(o)),
    ("SimpleImputer", |o, _| impute::build(o)),
    ("OneHotEncoder", |o, _| encoders::build(o)),
    ("OrdinalEncoder", |o, _| encoders::build(o)),
];

const TREES: &[Entry] = &[
    ("DecisionTreeClassifier", |o, _| tree::build(o)),
    ("DecisionTreeRegressor", |o, _| tree::build(o)),
    ("ExtraTreeClassifier", |o, _| tree::build(o)),
    ("ExtraTreeRegressor", |o, _| tree::build(o)),
    ("RandomForestClassifier", |o, d| forest::build(o, d)),
    ("RandomForestRegressor", |o, d| forest::build(o, d)),
    ("ExtraTreesClassifier", |o, d| forest::build(o, d)),
    ("ExtraTreesRegressor", |o, d| forest::build(o, d)),
];

const BOOSTING: &[Entry] = &[
    ("GradientBoostingClassifier", |o, d| {
        gradient_boosting::build(o, d)
    }),
    ("GradientBoostingRegressor", |o, d| {
        gradient_boosting::build(o, d)
    }),
    ("HistGradientBoostingClassifier", |o, _| {
        hist_gradient_boosting::build(o)
    }),
    ("HistGradientBoostingRegressor", |o, _| {
        hist_gradient_boosting::build(o)
    }),
];

/// Every registered class name, in registry order.
pub fn supported() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|(_, entries)| entries.iter().map(|(name, _)| *name))
}

/// The builder registered for a class name, if any.
fn builder(class: &str) -> Option<Builder> {
    FAMILIES
        .iter()
        .flat_map(|(_, entries)| entries.iter())
        .find(|(name, _)| *name == class)
        .map(|(_, b)| *b)
}

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
    // scikit-learn classes under any `sklearn.*` path; the XGBoost and LightGBM wrappers only under
    // their own library's module.
    let allowed = match gbm_libraries::library_module(obj.class_name()) {
        Some(module) => obj.module() == module,
        None => obj.module().starts_with("sklearn."),
    };
    if !allowed {
        return Err(unsupported(&obj.full_name()));
    }
    match builder(obj.class_name()) {
        Some(build) => build(obj, depth),
        None => Err(unsupported(&obj.full_name())),
    }
}

/// The error for a class the registry does not know.
pub fn unsupported(full_name: &str) -> LoadError {
    LoadError::Unsupported {
        class: full_name.to_string(),
        supported: supported().collect::<Vec<_>>().join(", "),
    }
}
