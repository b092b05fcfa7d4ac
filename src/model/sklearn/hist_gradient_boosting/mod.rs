//! HistGradientBoostingClassifier / Regressor: raw = baseline + Σ predictor(X) on float64 input,
//! then the loss's inverse link (expit, softmax, exp or identity). Models fitted on categorical
//! DataFrame columns carry a `_preprocessor` that ordinal-encodes them first (see `preprocess`).

pub mod nodes;
pub mod preprocess;

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::tree::common::{self, argmax, expit, older_than, softmax_in_place};
use super::Estimator;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::{ObjView, Value};
use nodes::{as_category, Bitset, HgbTrees};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Identity,
    /// Poisson and gamma losses: exp(raw).
    Log,
    Logit,
    Multinomial,
}

#[derive(Debug)]
pub struct HistGradientBoosting {
    summary: Summary,
    trees: HgbTrees,
    n_features: usize,
    k: usize,
    baseline: Vec<f64>,
    /// Known categories per feature (all zero for numeric features).
    known: Vec<Bitset>,
    link: Link,
    classes: Option<Arc<[Label]>>,
    /// scikit-learn < 1.4 predicted the argmax of probabilities rather than of raw scores.
    legacy: bool,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let n_features = if obj.has("n_features_in_") || obj.has("n_features_") {
        common::n_features(&obj)?
    } else {
        obj.usize("_n_features")?
    };
    if n_features == 0 {
        return Err(obj.error(
            "n_features_in_",
            "is 0; a fitted model has at least one feature",
        ));
    }
    let k = obj.usize("n_trees_per_iteration_")?;
    let loss = obj.opt_str("loss").unwrap_or("");
    let (classes, link) = if obj.class_name() == "HistGradientBoostingClassifier" {
        let classes = common::classes(&obj)?;
        let link = match (k, classes.len()) {
            (1, 2) => Link::Logit,
            (k, n) if k == n && n > 2 => Link::Multinomial,
            (k, n) => {
                return Err(obj.error("n_trees_per_iteration_", format!("is {k} for {n} classes")))
            }
        };
        (Some(classes), link)
    } else {
        let link = match loss {
            "poisson" | "gamma" => Link::Log,
            "squared_error"
            | "absolute_error"
            | "quantile"
            | "least_squares"
            | "least_absolute_deviation"
            | "" => Link::Identity,
            other => return Err(obj.error("loss", format!("{other:?} is not supported"))),
        };
        if k != 1 {
            return Err(obj.error(
                "n_trees_per_iteration_",
                format!("is {k}, expected 1 for a regressor"),
            ));
        }
        (None, link)
    };
    // An array of shape (1, k) in current versions; a plain float in some older binary models.
    let baseline = match obj.req("_baseline_prediction")? {
        Value::Float(f) => vec![*f],
        _ => obj.array("_baseline_prediction")?.to_f64_vec()?,
    };
    if baseline.len() != k {
        return Err(obj.error(
            "_baseline_prediction",
            format!("has {} values, expected {k}", baseline.len()),
        ));
    }
    let bin_mapper = obj.estimator("_bin_mapper")?;
    let is_categorical = categorical_mask(&bin_mapper, "is_categorical_", n_features)?;
    let known = known_categories(&bin_mapper, &is_categorical)?;
    let trees = predictors(&obj, k, &is_categorical)?;
    let mut summary = Summary::new(obj.class_name())
        .detail("n_iter", trees.roots.len() / k.max(1))
        .detail("n_features", n_features)
        .detail("max_depth", trees.max_depth)
        .detail(
            "categorical_features",
            is_categorical.iter().filter(|c| **c).count(),
        );
    if let Some(c) = &classes {
        summary = summary.detail("n_classes", c.len());
    }
    let model = HistGradientBoosting {
        summary,
        trees,
        n_features,
        k,
        baseline,
        known,
        link,
        classes,
        legacy: older_than(&obj, 1, 4),
    };
    match obj.get("_preprocessor") {
        None | Some(Value::None) => Ok(Estimator::Predictor(Box::new(model))),
        Some(_) => {
            let pre = preprocess::build(&obj, n_features)?;
            Ok(Estimator::Pipeline(vec![
                (
                    "_preprocessor".to_string(),
                    Estimator::Transformer(Box::new(pre)),
                ),
                (
                    obj.class_name().to_string(),
                    Estimator::Predictor(Box::new(model)),
                ),
            ]))
        }
    }
}

/// A boolean mask attribute (uint8 or bool array, or None meaning "no categorical feature").
pub fn categorical_mask(
    obj: &ObjView<'_>,
    attr: &str,
    n_features: usize,
) -> Result<Vec<bool>, LoadError> {
    match obj.get(attr) {
        None | Some(Value::None) => Ok(vec![false; n_features]),
        Some(_) => {
            let mask: Vec<bool> = obj
                .array(attr)?
                .to_i64_vec()?
                .into_iter()
                .map(|v| v != 0)
                .collect();
            if mask.len() != n_features {
                return Err(obj.error(
                    attr,
                    format!("has {} entries for {n_features} features", mask.len()),
                ));
            }
            Ok(mask)
        }
    }
}

/// `make_known_categories_bitsets`: the categories seen in fit (`bin_thresholds_`) per categorical feature.
fn known_categories(
    bin_mapper: &ObjView<'_>,
    is_categorical: &[bool],
) -> Result<Vec<Bitset>, LoadError> {
    let mut known = vec![[0u32; 8]; is_categorical.len()];
    if !is_categorical.iter().any(|c| *c) {
        return Ok(known);
    }
    let thresholds = bin_mapper.seq("bin_thresholds_")?;
    for (f, bits) in known.iter_mut().enumerate() {
        if !is_categorical.get(f).copied().unwrap_or(false) {
            continue;
        }
        let at = format!("bin_thresholds_[{f}]");
        let cats = match thresholds.get(f).and_then(|v| bin_mapper.heap.get(v)) {
            Some(crate::model::value::Node::Array(a)) => a.to_f64_vec()?,
            _ => return Err(bin_mapper.error(&at, "expected the array of known categories")),
        };
        for c in cats {
            if !(0.0..256.0).contains(&c) {
                return Err(bin_mapper.error(&at, format!("category {c} is outside 0..=255")));
            }
            let v = as_category(c);
            bits[usize::from(v / 32)] |= 1 << (v % 32);
        }
    }
    Ok(known)
}

/// `_predictors`: one list of k TreePredictor per iteration.
fn predictors(obj: &ObjView<'_>, k: usize, is_categorical: &[bool]) -> Result<HgbTrees, LoadError> {
    let iterations = obj.seq("_predictors")?;
    let mut trees = HgbTrees::default();
    for (i, it) in iterations.iter().enumerate() {
        let at = format!("_predictors[{i}]");
        let preds = obj
            .heap
            .sequence(it)
            .ok_or_else(|| obj.error(&at, "expected a list of tree predictors"))?;
        if preds.len() != k {
            return Err(obj.error(&at, format!("has {} predictors, expected {k}", preds.len())));
        }
        for p in preds {
            let view = obj.heap.estimator(p).map_err(|e| obj.error(&at, e))?;
            trees.push(&view, is_categorical)?;
        }
    }
    Ok(trees)
}

impl HistGradientBoosting {
    fn raw(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        common::check_width(x, self.n_features)?;
        let mut raw = Array2::<f64>::zeros((x.nrows(), self.k));
        let mut row_buf = vec![0.0; self.n_features];
        for (xr, mut out) in x.rows().into_iter().zip(raw.rows_mut()) {
            // Rows of a non-standard layout are copied once into a reused buffer.
            let row: &[f64] = match xr.as_slice() {
                Some(s) => s,
                None => {
                    row_buf.iter_mut().zip(xr.iter()).for_each(|(b, v)| *b = *v);
                    &row_buf
                }
            };
            out.iter_mut()
                .zip(&self.baseline)
                .for_each(|(o, b)| *o += b);
            for stage in self.trees.roots.chunks_exact(self.k) {
                for (o, &root) in out.iter_mut().zip(stage) {
                    *o += self.trees.predict_row(root, row, &self.known);
                }
            }
        }
        Ok(raw)
    }
}

impl Predictor for HistGradientBoosting {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let mut raw = self.raw(x)?;
        let Some(classes) = &self.classes else {
            if self.link == Link::Log {
                raw.mapv_inplace(f64::exp);
            }
            return Ok(Output::Regression { values: raw });
        };
        let n_rows = raw.nrows();
        let mut proba = Array2::<f64>::zeros((n_rows, classes.len()));
        let mut predicted = Vec::with_capacity(n_rows);
        for (raw_row, mut p) in raw.rows().into_iter().zip(proba.rows_mut()) {
            if self.link == Link::Logit {
                let z = raw_row[0];
                p[1] = expit(z);
                p[0] = 1.0 - p[1];
                let positive = if self.legacy { p[1] > p[0] } else { z > 0.0 };
                predicted.push(usize::from(positive));
            } else {
                p.assign(&raw_row);
                let Some(slice) = p.as_slice_mut() else {
                    continue;
                };
                softmax_in_place(slice);
                let from = if self.legacy {
                    Some(&*slice)
                } else {
                    raw_row.as_slice()
                };
                predicted.push(from.map_or(0, argmax));
            }
        }
        Ok(Output::Classification {
            classes: classes.clone(),
            predicted,
            probabilities: Some(proba),
        })
    }

    fn summary(&self) -> Summary {
        self.summary.clone()
    }
}

#[cfg(test)]
mod tests;
