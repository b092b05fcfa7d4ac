//! Builders for the naive Bayes classes: read the fitted parameters, check every shape against
//! `classes_` and the input width, and precompute what scikit-learn recomputes per call.

use ndarray::{Array1, Array2, Axis};

use super::{Kind, NaiveBayes};
use crate::model::error::LoadError;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{scalar_f64, ObjView, Value};

fn done(nb: NaiveBayes) -> Result<Estimator, LoadError> {
    Ok(Estimator::Predictor(Box::new(nb)))
}

fn vector(obj: &ObjView<'_>, attr: &str, len: usize) -> Result<Array1<f64>, LoadError> {
    let v = support::f64s(obj, attr)?;
    if v.len() != len {
        return Err(obj.error(
            attr,
            format!("has {} values; expected one per class ({len})", v.len()),
        ));
    }
    Ok(Array1::from(v))
}

fn matrix2(obj: &ObjView<'_>, attr: &str) -> Result<Array2<f64>, LoadError> {
    let a = obj.array(attr)?;
    if a.shape.len() != 2 || a.shape[0] == 0 {
        return Err(obj.error(
            attr,
            format!(
                "expected a 2-d array with one row per class, found {}",
                a.describe()
            ),
        ));
    }
    support::matrix(obj, attr)
}

/// GaussianNB: `theta_`, `var_` (`sigma_` before 1.0) and `class_prior_`.
pub fn gaussian(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let theta = matrix2(&obj, "theta_")?;
    let var_attr = if obj.has("var_") { "var_" } else { "sigma_" };
    let var = matrix2(&obj, var_attr)?;
    if var.dim() != theta.dim() {
        return Err(obj.error(
            var_attr,
            format!("has shape {:?} but theta_ has {:?}", var.dim(), theta.dim()),
        ));
    }
    let (n_classes, n_features) = theta.dim();
    let log_prior = vector(&obj, "class_prior_", n_classes)?.mapv(f64::ln);
    let norm = var
        .axis_iter(Axis(0))
        .map(|row| {
            -0.5 * row
                .iter()
                .map(|&s2| (2.0 * std::f64::consts::PI * s2).ln())
                .sum::<f64>()
        })
        .collect();
    let kind = Kind::Gaussian {
        theta,
        var,
        log_prior,
        norm,
    };
    done(NaiveBayes::new(&obj, n_features, kind, vec![])?)
}

/// MultinomialNB, ComplementNB and BernoulliNB: `feature_log_prob_` and `class_log_prior_`.
pub fn discrete(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let flp = matrix2(&obj, "feature_log_prob_")?;
    let (n_classes, n_features) = flp.dim();
    let clp = vector(&obj, "class_log_prior_", n_classes)?;
    let mut detail = vec![];
    let kind = match obj.class_name() {
        "BernoulliNB" => {
            let binarize = match obj.get("binarize") {
                None | Some(Value::None) => None,
                Some(v) => Some(scalar_f64(obj.heap, v).ok_or_else(|| {
                    obj.error(
                        "binarize",
                        format!("expected a number or None, found {}", obj.heap.describe(v)),
                    )
                })?),
            };
            detail.push(("binarize".to_string(), format!("{binarize:?}")));
            // neg_prob = log(1 - exp(flp)); jll = X · (flp - neg_prob)ᵀ + (clp + Σ neg_prob)
            let neg = flp.mapv(|v| (1.0 - v.exp()).ln());
            let weight = &flp - &neg;
            let bias = &clp + &neg.sum_axis(Axis(1));
            Kind::Linear {
                weight,
                bias,
                binarize,
            }
        }
        "ComplementNB" => {
            // Only a single-class ComplementNB adds the class prior.
            let bias = if n_classes == 1 {
                clp
            } else {
                Array1::zeros(n_classes)
            };
            Kind::Linear {
                weight: flp,
                bias,
                binarize: None,
            }
        }
        _ => Kind::Linear {
            weight: flp,
            bias: clp,
            binarize: None,
        },
    };
    done(NaiveBayes::new(&obj, n_features, kind, detail)?)
}

/// CategoricalNB: one `feature_log_prob_` table (classes × categories) per feature.
pub fn categorical(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let items = obj.seq("feature_log_prob_")?;
    let clp = support::f64s(&obj, "class_log_prior_")?;
    let n_classes = clp.len();
    let mut tables = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let t = match obj.heap.get(item) {
            Some(crate::model::value::Node::Array(a)) if a.shape.len() == 2 => a
                .to_array2_f64()
                .map_err(|e| obj.error("feature_log_prob_", e))?,
            _ => {
                return Err(obj.error(
                    "feature_log_prob_",
                    format!("item {i} is not a 2-d array: {}", obj.heap.describe(item)),
                ))
            }
        };
        if t.nrows() != n_classes || t.ncols() == 0 {
            return Err(obj.error(
                "feature_log_prob_",
                format!(
                    "table {i} has shape {:?}; expected ({n_classes}, n_categories)",
                    t.dim()
                ),
            ));
        }
        tables.push(t);
    }
    let n_features = tables.len();
    let cats: Vec<String> = tables.iter().map(|t| t.ncols().to_string()).collect();
    let detail = vec![("n_categories".to_string(), format!("[{}]", cats.join(", ")))];
    let kind = Kind::Categorical {
        tables,
        log_prior: Array1::from(clp),
    };
    done(NaiveBayes::new(&obj, n_features, kind, detail)?)
}
