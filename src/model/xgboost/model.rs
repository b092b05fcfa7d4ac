//! An XGBoost model document (what a pickled `Booster` holds: UBJSON in current versions, JSON
//! text in older ones) read into plain trees: the objective and its link, `base_score` turned into
//! a margin, output groups (classes) per tree, and the iteration range (`best_iteration`).

use super::json::{doc_error, from_serde, Json};
use super::trees::Forest;
use super::ubjson;
use crate::model::error::LoadError;

/// How margins become predictions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// `reg:squarederror` and friends: the margin is the prediction.
    Identity,
    /// `binary:logistic`, `reg:logistic`: a float32 sigmoid.
    Sigmoid,
    /// `count:poisson`, `reg:gamma`, `reg:tweedie`: a float32 exponential.
    Exp,
    /// `multi:softprob`: a float32 softmax over the classes.
    Softprob,
    /// `multi:softmax`: the argmax of the margins (probabilities are their softmax).
    Softmax,
}

/// A loaded XGBoost gbtree model, already cut to the iterations the scikit-learn wrapper predicts with.
#[derive(Debug)]
pub struct XgbModel {
    pub objective: String,
    pub link: Link,
    pub n_features: usize,
    /// Output groups: 1, or the number of classes for multiclass objectives.
    pub n_groups: usize,
    /// `base_score` as a margin, one per group.
    pub base_margin: Vec<f32>,
    pub forest: Forest,
    /// Boosting rounds in the model, and the ones used (`best_iteration + 1` after early stopping).
    pub n_iterations: usize,
    pub used_iterations: usize,
    pub version: String,
}

/// Decode a Booster's raw buffer (UBJSON, or JSON text from older XGBoost).
pub fn decode(bytes: &[u8]) -> Result<Json, LoadError> {
    let mut rest = bytes.iter().skip_while(|b| b.is_ascii_whitespace());
    match (rest.next(), rest.find(|b| !b.is_ascii_whitespace())) {
        (Some(b'{'), Some(b'"' | b'}')) => {
            let v: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|e| LoadError::model(format!("XGBoost JSON model: {e}")))?;
            Ok(from_serde(&v))
        }
        (Some(b'{' | b'['), _) => ubjson::decode(bytes),
        _ => Err(LoadError::model(
            "the XGBoost Booster is in XGBoost's legacy binary format, which is not supported; \
             load it with XGBoost >= 1.6 and pickle it again",
        )),
    }
}

/// Read a Booster buffer.
pub fn load(bytes: &[u8]) -> Result<XgbModel, LoadError> {
    let doc = decode(bytes)?;
    // The pickled buffer is {"Config": ..., "Model": ...}; a saved model file is the model itself.
    let root = doc.get("Model").unwrap_or(&doc);
    let learner = root.req("model", "learner")?;
    let version = match root.get("version").and_then(Json::numbers) {
        Some(v) => v
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("."),
        None => "unknown".into(),
    };
    let objective = learner
        .req("learner", "objective")?
        .req("learner/objective", "name")?
        .as_str()
        .ok_or_else(|| doc_error("learner/objective/name", "is not a string"))?
        .to_string();
    let param = learner.req("learner", "learner_model_param")?;
    let n_features = param.usize_at("learner_model_param", "num_feature")?;
    let num_class = param.get("num_class").and_then(Json::as_usize).unwrap_or(0);
    if let Some(t) = param.get("num_target").and_then(Json::as_usize) {
        if t > 1 {
            return Err(doc_error(
                "learner_model_param",
                format!("num_target is {t}: multi-output models are not supported"),
            ));
        }
    }
    let link = match objective.as_str() {
        "reg:squarederror" | "reg:linear" | "reg:absoluteerror" | "reg:pseudohubererror"
        | "reg:squaredlogerror" => Link::Identity,
        "binary:logistic" | "reg:logistic" => Link::Sigmoid,
        "count:poisson" | "reg:gamma" | "reg:tweedie" => Link::Exp,
        "multi:softprob" => Link::Softprob,
        "multi:softmax" => Link::Softmax,
        other => {
            return Err(LoadError::model(format!(
                "XGBoost objective {other:?} is not supported (supported: reg:squarederror, \
                 reg:absoluteerror, reg:pseudohubererror, reg:squaredlogerror, reg:logistic, \
                 count:poisson, reg:gamma, reg:tweedie, binary:logistic, multi:softprob, multi:softmax)"
            )))
        }
    };
    let n_groups = match link {
        Link::Softprob | Link::Softmax if num_class < 2 => {
            return Err(doc_error(
                "learner_model_param",
                format!("num_class is {num_class} for {objective}"),
            ))
        }
        Link::Softprob | Link::Softmax => num_class,
        _ => 1,
    };
    if n_features == 0 || n_features >= super::trees::DEFAULT_LEFT as usize {
        return Err(doc_error(
            "learner_model_param",
            format!("num_feature is {n_features}"),
        ));
    }
    let base_margin = base_margin(param, link, n_groups)?;

    let booster = learner.req("learner", "gradient_booster")?;
    match booster.get("name").and_then(Json::as_str) {
        Some("gbtree") | None => {}
        Some(other) => {
            return Err(LoadError::model(format!(
                "XGBoost booster {other:?} is not supported (only \"gbtree\")"
            )))
        }
    }
    let model = booster.req("gradient_booster", "model")?;
    let trees = model
        .req("gradient_booster/model", "trees")?
        .items()
        .ok_or_else(|| doc_error("gradient_booster/model/trees", "is not an array"))?;
    let tree_info = model.numbers_of("gradient_booster/model", "tree_info", trees.len())?;
    // XGBoost < 1.6 keeps num_parallel_tree in the training configuration only.
    let config_parallel = doc
        .get("Config")
        .and_then(|c| c.get("learner"))
        .and_then(|l| l.get("gradient_booster"))
        .and_then(|g| g.get("gbtree_train_param"))
        .and_then(|p| p.get("num_parallel_tree"))
        .and_then(Json::as_usize);
    let indptr = iteration_bounds(model, trees.len(), n_groups, config_parallel)?;
    let n_iterations = indptr.len() - 1;
    let best = learner
        .get("attributes")
        .and_then(|a| a.get("best_iteration"))
        .and_then(Json::as_usize);
    let used_iterations = match best {
        Some(b) => (b + 1).min(n_iterations),
        None => n_iterations,
    };
    let mut forest = Forest::default();
    for (i, tree) in trees.iter().take(indptr[used_iterations]).enumerate() {
        let path = format!("trees[{i}]");
        let g = tree_info[i];
        if !(g >= 0.0 && g < n_groups as f64 && g.fract() == 0.0) {
            return Err(doc_error(
                &path,
                format!("is in output group {g}, the model has {n_groups}"),
            ));
        }
        forest.push(tree, &path, n_features, g as u32)?;
    }
    Ok(XgbModel {
        objective,
        link,
        n_features,
        n_groups,
        base_margin,
        forest,
        n_iterations,
        used_iterations,
        version,
    })
}

/// The input width and feature names (`learner/feature_names`, set when fitted on a DataFrame;
/// empty otherwise) of a Booster buffer.
pub fn input_names(bytes: &[u8]) -> Result<(usize, Vec<String>), LoadError> {
    let doc = decode(bytes)?;
    let root = doc.get("Model").unwrap_or(&doc);
    let learner = root.req("model", "learner")?;
    let n = learner
        .req("learner", "learner_model_param")?
        .usize_at("learner_model_param", "num_feature")?;
    let names = match learner.get("feature_names").and_then(Json::items) {
        Some(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| doc_error("learner/feature_names", "holds a non-string"))?,
        None => Vec::new(),
    };
    Ok((n, names))
}

/// `base_score` ("5E-1", or "[a,b,c]" per class in XGBoost 3), turned into a margin by the
/// objective's `ProbToMargin` (float32, as XGBoost computes it).
fn base_margin(param: &Json, link: Link, n_groups: usize) -> Result<Vec<f32>, LoadError> {
    let path = "learner_model_param/base_score";
    let text = match param.req("learner_model_param", "base_score")? {
        Json::Str(s) => s.clone(),
        other => match other.as_f64() {
            Some(f) => f.to_string(),
            None => return Err(doc_error(path, "is not a number")),
        },
    };
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    let scores: Vec<f32> = inner
        .split(',')
        .map(|s| s.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            doc_error(
                path,
                format!("{text:?} is not a number or a list of numbers"),
            )
        })?;
    let scores = match scores.len() {
        1 => vec![scores[0]; n_groups],
        n if n == n_groups => scores,
        n => {
            return Err(doc_error(
                path,
                format!("has {n} values for {n_groups} outputs"),
            ))
        }
    };
    scores
        .into_iter()
        .map(|b| match link {
            Link::Sigmoid if !(b > 0.0 && b < 1.0) => Err(doc_error(
                path,
                format!("{b} is not a probability in (0, 1)"),
            )),
            Link::Sigmoid => Ok(-(1.0f32 / b - 1.0f32).ln()),
            Link::Exp if !(b > 0.0 && b.is_finite()) => {
                Err(doc_error(path, format!("{b} is not a positive mean")))
            }
            Link::Exp => Ok(b.ln()),
            _ if !b.is_finite() => Err(doc_error(path, format!("{b} is not finite"))),
            _ => Ok(b),
        })
        .collect()
}

/// Tree index bounds of each boosting round: `iteration_indptr` (XGBoost ≥ 2), else rounds of
/// `num_parallel_tree × groups` trees (`num_parallel_tree` from the model, else from the training
/// configuration as XGBoost < 1.6 keeps it).
fn iteration_bounds(
    model: &Json,
    n_trees: usize,
    n_groups: usize,
    config_parallel: Option<usize>,
) -> Result<Vec<usize>, LoadError> {
    let path = "gradient_booster/model";
    if let Some(v) = model.get("iteration_indptr") {
        let v = v
            .numbers()
            .ok_or_else(|| doc_error(path, "\"iteration_indptr\" is not an array of numbers"))?;
        let ok = v.first() == Some(&0.0)
            && v.last() == Some(&(n_trees as f64))
            && v.windows(2).all(|w| w[0] <= w[1])
            && v.iter().all(|x| x.fract() == 0.0);
        if !ok {
            return Err(doc_error(
                path,
                format!("\"iteration_indptr\" does not split {n_trees} trees into rounds"),
            ));
        }
        return Ok(v.into_iter().map(|x| x as usize).collect());
    }
    let parallel = model
        .get("gbtree_model_param")
        .and_then(|p| p.get("num_parallel_tree"))
        .and_then(Json::as_usize)
        .or(config_parallel)
        .unwrap_or(1)
        .max(1);
    let per_round = parallel.saturating_mul(n_groups);
    if !n_trees.is_multiple_of(per_round) {
        return Err(doc_error(
            path,
            format!("{n_trees} trees do not make whole rounds of {per_round}"),
        ));
    }
    Ok((0..=n_trees / per_round).map(|i| i * per_round).collect())
}
