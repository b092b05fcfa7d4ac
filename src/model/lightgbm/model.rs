//! A LightGBM text model read into plain trees: the header (`num_class`,
//! `num_tree_per_iteration`, `max_feature_idx`, `objective`, `average_output`), the trees, and
//! `GBDT::Predict`: float64 raw scores summed tree by tree, averaged in random-forest mode, then
//! the objective's `ConvertOutput` (identity, sigmoid with its parameter, softmax, exp).

use super::text::{self, text_error};
use super::trees::{Trees, ZERO_THRESHOLD};
use crate::model::error::LoadError;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Link {
    Identity,
    /// `binary sigmoid:s`: 1 / (1 + exp(-s · raw)).
    Sigmoid(f64),
    Softmax,
    /// `poisson`, `gamma`, `tweedie`: exp(raw).
    Exp,
}

#[derive(Debug)]
pub struct LgbmModel {
    pub objective: String,
    pub link: Link,
    pub n_features: usize,
    /// Trees per iteration (1, or the number of classes).
    pub k: usize,
    pub trees: Trees,
    pub n_iterations: usize,
    /// Iterations predicted with (`best_iteration` after early stopping, else all).
    pub used_iterations: usize,
    pub average_output: bool,
}

/// Objectives whose `ConvertOutput` is the identity (without the `sqrt` option).
const IDENTITY: &[&str] = &[
    "regression",
    "regression_l1",
    "huber",
    "fair",
    "quantile",
    "mape",
];

/// Parse a model string; `best_iteration > 0` limits prediction to that many iterations.
pub fn load(model_str: &str, best_iteration: usize) -> Result<LgbmModel, LoadError> {
    let parts = text::split(model_str)?;
    let h = &parts.header;
    let n_features = h.num::<usize>("max_feature_idx")?.saturating_add(1);
    let num_class: usize = h.num("num_class")?;
    let k: usize = h
        .get("num_tree_per_iteration")
        .map_or(Ok(num_class), |_| h.num("num_tree_per_iteration"))?;
    let objective = h.req("objective")?.trim().to_string();
    let mut words = objective.split_ascii_whitespace();
    let name = words.next().unwrap_or("");
    let options: Vec<&str> = words.collect();
    let link = match name {
        "binary" => {
            let s = options
                .iter()
                .find_map(|o| o.strip_prefix("sigmoid:"))
                .unwrap_or("1");
            let s: f64 = s
                .parse()
                .map_err(|_| text_error("objective", format!("sigmoid:{s} is not a number")))?;
            if !(s.is_finite() && s > 0.0) {
                return Err(text_error(
                    "objective",
                    format!("sigmoid:{s} must be positive"),
                ));
            }
            Link::Sigmoid(s)
        }
        "multiclass" => Link::Softmax,
        "poisson" | "gamma" | "tweedie" => Link::Exp,
        n if IDENTITY.contains(&n) && !options.contains(&"sqrt") => Link::Identity,
        _ => {
            return Err(LoadError::model(format!(
                "LightGBM objective {objective:?} is not supported (supported: binary, multiclass, \
                 poisson, gamma, tweedie, {} without sqrt)",
                IDENTITY.join(", ")
            )))
        }
    };
    let expected_k = if link == Link::Softmax { num_class } else { 1 };
    if k != expected_k || k == 0 || (link == Link::Softmax && k < 2) {
        return Err(text_error(
            "header",
            format!(
                "num_tree_per_iteration={k} and num_class={num_class} do not fit objective {name}"
            ),
        ));
    }
    if n_features == 0 || n_features > u32::MAX as usize {
        return Err(text_error(
            "header",
            format!("max_feature_idx gives {n_features} features"),
        ));
    }
    if parts.trees.is_empty() || parts.trees.len() % k != 0 {
        return Err(text_error(
            "header",
            format!(
                "{} trees do not make whole iterations of {k}",
                parts.trees.len()
            ),
        ));
    }
    let n_iterations = parts.trees.len() / k;
    let used_iterations = if best_iteration > 0 {
        best_iteration.min(n_iterations)
    } else {
        n_iterations
    };
    let mut trees = Trees::default();
    for block in parts.trees.iter().take(used_iterations * k) {
        trees.push(block, n_features)?;
    }
    Ok(LgbmModel {
        objective,
        link,
        n_features,
        k,
        trees,
        n_iterations,
        used_iterations,
        average_output: h.has_flag("average_output"),
    })
}

/// The input width and the `feature_names=` of a model string (`Column_0 ...` when the model
/// was not fitted on named columns).
pub fn input_names(model_str: &str) -> Result<(usize, Vec<String>), LoadError> {
    let parts = text::split(model_str)?;
    let n = parts
        .header
        .num::<usize>("max_feature_idx")?
        .saturating_add(1);
    let names = match parts.header.get("feature_names") {
        Some(line) => line.split_ascii_whitespace().map(str::to_string).collect(),
        None => Vec::new(),
    };
    Ok((n, names))
}

impl LgbmModel {
    /// Raw scores of one row into `out` (length k). `row` is rewritten: values within
    /// kZeroThreshold of zero become 0, as LightGBM's dense-row reader drops them.
    pub fn raw_row(&self, row: &mut [f64], out: &mut [f64]) {
        for v in row.iter_mut() {
            if v.abs() <= ZERO_THRESHOLD {
                *v = 0.0;
            }
        }
        out.iter_mut().for_each(|o| *o = 0.0);
        for it in self.trees.trees.chunks_exact(self.k) {
            for (o, t) in out.iter_mut().zip(it) {
                *o += self.trees.predict(t, row);
            }
        }
        if self.average_output {
            let n = self.used_iterations as f64;
            out.iter_mut().for_each(|o| *o /= n);
        }
    }
}

/// LightGBM's `Common::Softmax`.
pub fn softmax(v: &mut [f64]) {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    v.iter_mut().for_each(|x| *x /= sum);
}
