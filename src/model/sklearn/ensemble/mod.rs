//! Ensembles of other estimators: voting, stacking, bagging, AdaBoost and the target-transforming
//! wrapper. Each builds its children through the registry (`child::Child`), so any registered
//! estimator or pipeline may sit inside.

mod adaboost;
mod bagging;
mod calibration;
mod calibrators;
pub mod child;
mod stacking;
mod target;
mod voting;

/// The ensemble classes this family registers.
pub const CLASSES: &[super::Entry] = &[
    ("VotingClassifier", voting::build),
    ("VotingRegressor", voting::build),
    ("StackingClassifier", stacking::build),
    ("StackingRegressor", stacking::build),
    ("BaggingClassifier", bagging::build),
    ("BaggingRegressor", bagging::build),
    ("AdaBoostClassifier", adaboost::build),
    ("AdaBoostRegressor", adaboost::build),
    ("TransformedTargetRegressor", target::build),
    ("CalibratedClassifierCV", calibration::build),
];
