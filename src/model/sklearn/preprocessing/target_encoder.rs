//! TargetEncoder: each cell's category (looked up like OneHotEncoder's, NaN a category when fitted
//! as one) replaced by its fitted `encodings_` value, unknown categories by `target_mean_`; a
//! multiclass target gives one column per (feature, class), feature-major as scikit-learn orders them.

use ndarray::Array2;

use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::encoders::{Categories, Lookup};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// A fitted TargetEncoder.
#[derive(Debug)]
pub struct TargetEncoder {
    categories: Vec<Categories>,
    /// One per output column, indexed by category.
    encodings: Vec<Vec<f64>>,
    /// Per class (one value unless multiclass).
    target_mean: Vec<f64>,
    target_type: String,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let cats = obj.seq("categories_")?;
    let categories = cats
        .iter()
        .enumerate()
        .map(|(i, v)| Categories::from_value(&obj, i, v))
        .collect::<Result<Vec<_>, _>>()?;
    let n = super::width(&obj, "categories_", Some(categories.len()))?;
    let target_type = obj.str("target_type_")?.to_string();
    let target_mean = support::f64s(&obj, "target_mean_")?;
    let n_classes = match target_type.as_str() {
        "binary" | "continuous" => 1,
        "multiclass" => obj.array("classes_")?.len(),
        other => {
            return Err(obj.error(
                "target_type_",
                format!("{other:?} is not supported; supported: binary, continuous, multiclass"),
            ))
        }
    };
    if target_mean.len() != n_classes {
        return Err(obj.error(
            "target_mean_",
            format!("has {} values for {n_classes} classes", target_mean.len()),
        ));
    }
    let enc_values = obj.seq("encodings_")?;
    if enc_values.len() != n * n_classes {
        return Err(obj.error(
            "encodings_",
            format!(
                "has {} entries for {n} features × {n_classes} classes",
                enc_values.len()
            ),
        ));
    }
    let mut encodings = Vec::with_capacity(enc_values.len());
    for (e, v) in enc_values.iter().enumerate() {
        let values = support::value_f64s(&obj, "encodings_", v)?;
        let feat = e / n_classes;
        if values.len() != categories[feat].len() {
            return Err(obj.error(
                "encodings_",
                format!(
                    "entry {e} has {} values for {} categories of feature {feat}",
                    values.len(),
                    categories[feat].len()
                ),
            ));
        }
        encodings.push(values);
    }
    Ok(Estimator::Transformer(Box::new(TargetEncoder {
        categories,
        encodings,
        target_mean,
        target_type,
    })))
}

impl Transformer for TargetEncoder {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let n = self.categories.len();
        support::check_width(n, x.n_cols())?;
        let k = self.target_mean.len();
        let mut out = Array2::<f64>::zeros((x.n_rows(), n * k));
        for (col, cats) in self.categories.iter().enumerate() {
            for row in 0..x.n_rows() {
                let found = cats.lookup(x, row, col, &|| format!("#{col}"))?;
                for c in 0..k {
                    let e = col * k + c;
                    out[[row, e]] = match found {
                        Lookup::Known(i) => self.encodings[e][i],
                        Lookup::Unknown(_) => self.target_mean[c],
                    };
                }
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new("TargetEncoder")
            .detail("n_features", self.categories.len())
            .detail("target_type", &self.target_type)
    }
}
