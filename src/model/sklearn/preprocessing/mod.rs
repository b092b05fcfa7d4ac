//! More preprocessing: projections (PCA, TruncatedSVD), feature expansion (PolynomialFeatures),
//! row and value maps (Normalizer, Binarizer, allow-listed numpy ufuncs in FunctionTransformer),
//! per-column distribution maps (PowerTransformer, QuantileTransformer) binning (KBinsDiscretizer) and target encoding (TargetEncoder).

mod decomposition;
pub mod function;
mod kbins;
mod poly;
mod power;
pub mod quantile;
mod simple;
mod spline;
mod target_encoder;

use crate::model::data::Batch;
use crate::model::error::PredictError;
use crate::model::sklearn::support;
use ndarray::ArrayView2;

/// The preprocessing classes this family registers.
pub const CLASSES: &[super::Entry] = &[
    ("PCA", |o, _| decomposition::build(o)),
    ("TruncatedSVD", |o, _| decomposition::build(o)),
    ("PolynomialFeatures", |o, _| poly::build(o)),
    ("Normalizer", |o, _| simple::build(o)),
    ("Binarizer", |o, _| simple::build(o)),
    ("FunctionTransformer", |o, _| function::build(o)),
    ("PowerTransformer", |o, d| power::build(o, d)),
    ("QuantileTransformer", |o, _| quantile::build(o)),
    ("KBinsDiscretizer", |o, d| kbins::build(o, d)),
    ("TargetEncoder", |o, _| target_encoder::build(o)),
    ("SplineTransformer", |o, _| spline::build(o)),
];

/// The numbers of a batch for a transformer fitted on `n_features` columns; `finite` also refuses
/// NaN and infinity, as scikit-learn's default input validation does.
pub(crate) fn numeric<'a>(
    x: &'a Batch,
    n_features: usize,
    who: &str,
    finite: bool,
) -> Result<ArrayView2<'a, f64>, PredictError> {
    support::check_width(n_features, x.n_cols())?;
    let values = x.require_numeric(who)?;
    if finite {
        support::require_finite(values, who, None)?;
    }
    Ok(values)
}

/// The fitted width of a transformer: `n_features_in_`, else the length a fitted statistic gives.
pub(crate) fn width(
    obj: &crate::model::value::ObjView<'_>,
    attr: &str,
    from_stats: Option<usize>,
) -> Result<usize, crate::model::error::LoadError> {
    match (support::n_features(obj), from_stats) {
        (Some(n), Some(s)) if n != s => Err(obj.error(
            attr,
            format!("has {s} features' worth of values but n_features_in_ is {n}"),
        )),
        (Some(n), _) | (None, Some(n)) => Ok(n),
        (None, None) => Err(obj.error("n_features_in_", "is missing")),
    }
}
