//! Model files: a non-evaluating pickle machine, numpy and joblib decoding, and scikit-learn estimators
//! rebuilt as plain Rust structs that predict exactly what scikit-learn predicts.

pub mod data;
pub mod error;
pub mod estimator;
pub mod joblib;
pub mod lightgbm;
pub mod loader;
pub mod numpy;
pub mod parallel;
pub mod pickle;
pub mod sklearn;
pub mod text;
pub mod value;
pub mod xgboost;

pub use data::{Batch, Label, Output};
pub use error::{LoadError, PredictError};
pub use loader::{load_model, load_model_bytes, LoadLimits, Model, ModelInfo};
pub use text::TextCells;
