//! XGBoost models read without XGBoost: the Booster's UBJSON (or JSON) buffer decoded by our own
//! bounded reader, its trees rebuilt as plain Rust, and the scikit-learn wrappers around them.

pub mod json;
pub mod model;
pub mod sklearn;
pub mod trees;
pub mod ubjson;
