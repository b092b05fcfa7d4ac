//! DummyClassifier and DummyRegressor: constant predictors, used mostly as GradientBoosting's `init_`
//! (the class prior, or a mean/median/quantile constant).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::tree::common::{self, argmax};
use super::Estimator;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::ObjView;

/// A fitted dummy estimator: the same prediction for every row.
#[derive(Clone, Debug)]
pub enum Dummy {
    /// `predict_proba` is `proba` on every row; `predict` is `classes[predicted]`.
    Classifier {
        classes: Arc<[Label]>,
        proba: Vec<f64>,
        predicted: usize,
    },
    Regressor {
        constant: f64,
    },
}

/// A dummy estimator with its input width (when the pickle says it).
#[derive(Clone, Debug)]
pub struct DummyModel {
    pub dummy: Dummy,
    pub n_features: Option<usize>,
    class: String,
}

/// Read a DummyClassifier or DummyRegressor.
pub fn read(obj: &ObjView<'_>) -> Result<DummyModel, LoadError> {
    common::require_single_output(obj)?;
    let n_features = if obj.has("n_features_in_") {
        Some(obj.usize("n_features_in_")?)
    } else {
        None
    };
    let dummy = match obj.class_name() {
        "DummyClassifier" => classifier(obj)?,
        "DummyRegressor" => {
            let constant = obj.array("constant_")?;
            let values = constant.to_f64_vec()?;
            match values.as_slice() {
                [c] => Dummy::Regressor { constant: *c },
                _ => return Err(common::multi_output(obj)),
            }
        }
        _ => return Err(super::unsupported(&obj.full_name())),
    };
    Ok(DummyModel {
        dummy,
        n_features,
        class: obj.class_name().to_string(),
    })
}

fn classifier(obj: &ObjView<'_>) -> Result<Dummy, LoadError> {
    let strategy = obj
        .opt_str("_strategy")
        .or_else(|| obj.opt_str("strategy"))
        .unwrap_or("prior");
    let classes = common::classes(obj)?;
    let prior = obj.array("class_prior_")?.to_f64_vec()?;
    if prior.len() != classes.len() {
        return Err(obj.error(
            "class_prior_",
            format!("has {} entries for {} classes", prior.len(), classes.len()),
        ));
    }
    let predicted = argmax(&prior);
    let proba = match strategy {
        "prior" => prior,
        "most_frequent" => {
            let mut one_hot = vec![0.0; classes.len()];
            one_hot[predicted] = 1.0;
            one_hot
        }
        other => {
            return Err(obj.error(
                "strategy",
                format!("{other:?} is not supported (only \"prior\" and \"most_frequent\" are deterministic and supported)"),
            ))
        }
    };
    Ok(Dummy::Classifier {
        classes,
        proba,
        predicted,
    })
}

/// The baseline classes this family registers.
pub const CLASSES: &[super::Entry] = &[
    ("DummyClassifier", |o, _| build(o)),
    ("DummyRegressor", |o, _| build(o)),
];

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    Ok(Estimator::Predictor(Box::new(read(&obj)?)))
}

impl Predictor for DummyModel {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        if let Some(n) = self.n_features {
            common::check_width(x, n)?;
        }
        let n_rows = x.nrows();
        Ok(match &self.dummy {
            Dummy::Classifier {
                classes,
                proba,
                predicted,
            } => {
                let mut out = Array2::zeros((n_rows, proba.len()));
                for mut row in out.rows_mut() {
                    row.iter_mut().zip(proba).for_each(|(o, p)| *o = *p);
                }
                Output::Classification {
                    classes: classes.clone(),
                    predicted: vec![*predicted; n_rows],
                    probabilities: Some(out),
                }
            }
            Dummy::Regressor { constant } => Output::Regression {
                values: Array2::from_elem((n_rows, 1), *constant),
            },
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        match &self.dummy {
            Dummy::Classifier { classes, .. } => Some(Arc::clone(classes)),
            Dummy::Regressor { .. } => None,
        }
    }

    fn summary(&self) -> Summary {
        let s = Summary::new(self.class.clone());
        match &self.dummy {
            Dummy::Classifier { classes, .. } => s.detail("n_classes", classes.len()),
            Dummy::Regressor { constant } => s.detail("constant", constant),
        }
    }
}
