//! Errors at the model boundary: `LoadError` for reading a model file, `PredictError` for running it
//! on a request. Both say what was wrong and what to do about it.

use std::path::PathBuf;

/// Why a model file could not be loaded. Pickle errors carry the byte offset where they happened.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read model file {path}: {source}; check the path (--model or PREDICT_WORKER__MODEL__PATH)")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("model file {path}: {source}")]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<LoadError>,
    },
    #[error("the file is empty; expected a pickle or joblib file written by scikit-learn")]
    Empty,
    #[error("this is not a pickle or joblib file ({found}); save the model with pickle.dump or joblib.dump")]
    NotPickle { found: String },
    #[error("pickle error at byte {offset}: {message}")]
    Pickle { offset: u64, message: String },
    #[error("refused at byte {offset}: {message}; model files may only hold numpy arrays, builtins and scikit-learn estimators")]
    Forbidden { offset: u64, message: String },
    #[error("limit exceeded at byte {offset}: {message}")]
    Limit { offset: u64, message: String },
    #[error("compressed model file: {0}")]
    Compression(String),
    #[error("numpy array: {0}")]
    Numpy(String),
    #[error("unsupported estimator {class}; supported estimators: {supported}")]
    Unsupported { class: String, supported: String },
    #[error("{0}")]
    Model(String),
}

impl LoadError {
    /// A structural problem in the model graph (missing attribute, wrong type, bad shape).
    pub fn model(message: impl Into<String>) -> Self {
        LoadError::Model(message.into())
    }

    pub fn pickle(offset: u64, message: impl Into<String>) -> Self {
        LoadError::Pickle {
            offset,
            message: message.into(),
        }
    }

    pub fn forbidden(offset: u64, message: impl Into<String>) -> Self {
        LoadError::Forbidden {
            offset,
            message: message.into(),
        }
    }

    pub fn limit(offset: u64, message: impl Into<String>) -> Self {
        LoadError::Limit {
            offset,
            message: message.into(),
        }
    }

    pub fn numpy(message: impl Into<String>) -> Self {
        LoadError::Numpy(message.into())
    }
}

/// Why a request could not be predicted. Each variant has a stable snake_case `code()` for replies.
/// None of them is worth retrying: the same input fails the same way.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error(
        "expected {expected} features per row, got {got}; send rows in the model's feature order"
    )]
    FeatureCount { expected: usize, got: usize },
    #[error("unknown feature name {name:?}; the model's features are: {known}")]
    UnknownFeature { name: String, known: String },
    #[error("feature {name:?} is missing from row {row}; send every feature the model was trained on (null for a missing value)")]
    MissingFeature { name: String, row: usize },
    #[error("this model has no feature names (it was not fitted on a DataFrame); send rows as arrays in feature order")]
    NoFeatureNames,
    #[error("feature {column}: {message}")]
    BadValue { column: String, message: String },
    #[error("feature {column}: unknown category {value}; the model knows: {known}")]
    UnknownCategory {
        column: String,
        value: String,
        known: String,
    },
    #[error("{0}")]
    Unsupported(String),
}

impl PredictError {
    pub fn code(&self) -> &'static str {
        match self {
            PredictError::FeatureCount { .. } => "wrong_feature_count",
            PredictError::UnknownFeature { .. } => "unknown_feature",
            PredictError::MissingFeature { .. } => "missing_feature",
            PredictError::NoFeatureNames => "no_feature_names",
            PredictError::BadValue { .. } => "bad_value",
            PredictError::UnknownCategory { .. } => "unknown_category",
            PredictError::Unsupported(_) => "unsupported_input",
        }
    }

    /// Rewrite the column named by a `BadValue` or `UnknownCategory` (other errors are unchanged).
    /// Columns start as indices into the batch the failing step saw; the steps around it rewrite
    /// them into the model's input column and, at the top, its feature name.
    pub fn map_column(self, f: impl FnOnce(&str) -> String) -> Self {
        match self {
            PredictError::BadValue { column, message } => PredictError::BadValue {
                column: f(&column),
                message,
            },
            PredictError::UnknownCategory {
                column,
                value,
                known,
            } => PredictError::UnknownCategory {
                column: f(&column),
                value,
                known,
            },
            other => other,
        }
    }

    pub fn bad_value(column: impl std::fmt::Display, message: impl Into<String>) -> Self {
        PredictError::BadValue {
            column: column.to_string(),
            message: message.into(),
        }
    }
}
