//! BaggingClassifier (each child's probabilities on its `estimators_features_` columns summed into
//! the classes it saw, or one vote per row when it has no probabilities, divided by the number of
//! estimators) and BaggingRegressor (children's predictions summed in order, divided likewise).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use super::child::{self, Child};
use super::voting::children;
use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::linear::math::argmax;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// A fitted bagging ensemble.
#[derive(Debug)]
pub struct Bagging {
    class: String,
    n_features: usize,
    /// Each child with its feature columns and (classifier) the encoded classes it saw.
    children: Vec<(Child, Vec<usize>, Vec<usize>)>,
    classes: Option<Arc<[Label]>>,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let kids = children(&obj, "estimators_", depth)?;
    let feats = obj.seq("estimators_features_")?;
    if feats.len() != kids.len() {
        return Err(obj.error(
            "estimators_features_",
            format!("has {} entries for {} estimators", feats.len(), kids.len()),
        ));
    }
    let n_features =
        support::n_features(&obj).ok_or_else(|| obj.error("n_features_in_", "is missing"))?;
    let classes: Option<Arc<[Label]>> = if obj.class_name() == "BaggingClassifier" {
        let c = obj.labels("classes_")?;
        Some(Arc::from(c))
    } else {
        None
    };
    let mut out = Vec::with_capacity(kids.len());
    for (i, (kid, f)) in kids.into_iter().zip(feats).enumerate() {
        let cols = support::value_i64s(&obj, "estimators_features_", f)?;
        let cols: Vec<usize> = cols
            .iter()
            .map(|&c| usize::try_from(c).ok().filter(|&c| c < n_features))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                obj.error(
                    "estimators_features_",
                    format!("entry {i} names a column outside 0..{n_features}"),
                )
            })?;
        let seen = match &classes {
            None => Vec::new(),
            Some(c) => {
                let kc = kid.classes().unwrap_or_else(|| Arc::from(Vec::new()));
                let idx: Option<Vec<usize>> = kc
                    .iter()
                    .map(|l| match l {
                        Label::Int(v) => usize::try_from(*v).ok().filter(|&v| v < c.len()),
                        _ => None,
                    })
                    .collect();
                match idx {
                    Some(idx) if !idx.is_empty() => idx,
                    _ => {
                        return Err(obj.error(
                            "estimators_",
                            format!(
                                "estimator {i} is not a classifier of the label-encoded classes"
                            ),
                        ))
                    }
                }
            }
        };
        out.push((kid, cols, seen));
    }
    Ok(Estimator::Predictor(Box::new(Bagging {
        class: obj.class_name().to_string(),
        n_features,
        children: out,
        classes,
    })))
}

impl Predictor for Bagging {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.predict_batch(&Batch::numeric(x.to_owned()), "")
    }

    fn predict_batch(&self, x: &Batch, _who: &str) -> Result<Output, PredictError> {
        support::check_width(self.n_features, x.n_cols())?;
        let n = self.children.len() as f64;
        let Some(classes) = &self.classes else {
            let mut sum: Option<Array2<f64>> = None;
            for (i, (kid, cols, _)) in self.children.iter().enumerate() {
                let v = child::values(
                    kid.predict(&x.select_columns(cols))?,
                    &format!("{} estimator {i}", self.class),
                )?;
                sum = Some(match sum {
                    None => v,
                    Some(s) if s.dim() == v.dim() => s + v,
                    Some(_) => {
                        return Err(PredictError::Unsupported(format!(
                            "{} estimator {i} gave a different number of outputs",
                            self.class
                        )))
                    }
                });
            }
            let values = sum.unwrap_or_else(|| Array2::zeros((x.n_rows(), 1))) / n;
            return Ok(Output::Regression { values });
        };
        let mut proba = Array2::<f64>::zeros((x.n_rows(), classes.len()));
        for (i, (kid, cols, seen)) in self.children.iter().enumerate() {
            let out = kid.predict(&x.select_columns(cols))?;
            match out {
                Output::Classification {
                    probabilities: Some(p),
                    ..
                } if p.ncols() == seen.len() => {
                    for (r, row) in p.axis_iter(Axis(0)).enumerate() {
                        for (j, &k) in seen.iter().enumerate() {
                            proba[[r, k]] += row[j];
                        }
                    }
                }
                Output::Classification {
                    predicted,
                    probabilities: None,
                    ..
                } => {
                    for (r, j) in predicted.into_iter().enumerate() {
                        proba[[r, seen[j]]] += 1.0;
                    }
                }
                _ => {
                    return Err(PredictError::Unsupported(format!(
                        "{} estimator {i} gave an output that does not match its classes",
                        self.class
                    )))
                }
            }
        }
        proba /= n;
        Ok(Output::Classification {
            classes: Arc::clone(classes),
            predicted: proba.axis_iter(Axis(0)).map(argmax).collect(),
            probabilities: Some(proba),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        self.classes.clone()
    }

    fn summary(&self) -> Summary {
        let s = Summary::new(&self.class)
            .detail("n_features", self.n_features)
            .detail("n_estimators", self.children.len());
        match self.children.first() {
            Some((c, _, _)) => s.child("estimators_[0]", c.summary()),
            None => s,
        }
    }
}
