//! LightGBM models read without LightGBM: the Booster's text model string parsed by our own
//! bounded reader, its trees rebuilt as plain Rust, and the scikit-learn wrappers around them.

pub mod categories;
pub mod model;
pub mod sklearn;
pub mod text;
pub mod trees;
