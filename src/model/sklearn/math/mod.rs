//! Numeric kernels shared by several estimator families (kernel functions of
//! `sklearn.metrics.pairwise`), written once and computed in scikit-learn's order of operations.

pub mod kernels;
pub mod normal;
