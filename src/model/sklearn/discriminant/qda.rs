//! QuadraticDiscriminantAnalysis: for each class, `-0.5 · (|(X - mean)·R·S^-½|² + Σ log S) + log prior`;
//! the label is the arg-max, probabilities the normalised exponentials (scikit-learn's order).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::linear::math::argmax;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{Node, ObjView};

/// One class's Gaussian.
#[derive(Debug)]
struct ClassModel {
    mean: Vec<f64>,
    /// `R * S^-0.5`: n_features × rank.
    w: Array2<f64>,
    /// `Σ log S`.
    log_det: f64,
    log_prior: f64,
}

/// A fitted QDA.
#[derive(Debug)]
pub struct Qda {
    classes: Arc<[Label]>,
    models: Vec<ClassModel>,
    n_features: usize,
    feature_names: Option<Vec<String>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let classes = obj.labels("classes_")?;
    let k = classes.len();
    let means = support::matrix(&obj, "means_")?;
    let priors = support::f64s(&obj, "priors_")?;
    let rotations = obj.seq("rotations_")?;
    let scalings = obj.seq("scalings_")?;
    if k < 2
        || means.nrows() != k
        || priors.len() != k
        || rotations.len() != k
        || scalings.len() != k
    {
        return Err(obj.error(
            "means_",
            format!(
                "{k} classes but means_ has {} rows, priors_ {} values, rotations_ {} and scalings_ {} entries",
                means.nrows(),
                priors.len(),
                rotations.len(),
                scalings.len()
            ),
        ));
    }
    let n_features = means.ncols();
    if let Some(n) = support::n_features(&obj).filter(|&n| n != n_features) {
        return Err(obj.error(
            "means_",
            format!("has {n_features} columns but n_features_in_ is {n}"),
        ));
    }
    let mut models = Vec::with_capacity(k);
    for i in 0..k {
        let r = match obj.heap.get(&rotations[i]) {
            Some(Node::Array(a)) if a.shape.len() == 2 => {
                a.to_array2_f64().map_err(|e| obj.error("rotations_", e))?
            }
            _ => return Err(obj.error("rotations_", format!("entry {i} is not a 2-d array"))),
        };
        let s = support::value_f64s(&obj, "scalings_", &scalings[i])?;
        if r.nrows() != n_features || r.ncols() != s.len() {
            return Err(obj.error(
                "rotations_",
                format!(
                    "entry {i} is {}×{} but needs {n_features} rows and one column per scaling ({})",
                    r.nrows(),
                    r.ncols(),
                    s.len()
                ),
            ));
        }
        let mut w = r;
        for (mut col, &sv) in w.axis_iter_mut(Axis(1)).zip(&s) {
            let f = sv.powf(-0.5);
            col.mapv_inplace(|v| v * f);
        }
        models.push(ClassModel {
            mean: means.row(i).to_vec(),
            w,
            log_det: s.iter().map(|v| v.ln()).sum(),
            log_prior: priors[i].ln(),
        });
    }
    Ok(Estimator::Predictor(Box::new(Qda {
        classes: Arc::from(classes),
        models,
        n_features,
        feature_names: support::feature_names(&obj)?,
    })))
}

impl Qda {
    /// `_decision_function`: the per-class log posteriors (rows × classes).
    fn scores(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        support::check_width(self.n_features, x.ncols())?;
        support::require_finite(
            x,
            "QuadraticDiscriminantAnalysis",
            self.feature_names.as_deref(),
        )?;
        let mut scores = Array2::zeros((x.nrows(), self.models.len()));
        for (c, m) in self.models.iter().enumerate() {
            let mut xm = x.to_owned();
            for mut row in xm.axis_iter_mut(Axis(0)) {
                row.iter_mut().zip(&m.mean).for_each(|(v, mu)| *v -= mu);
            }
            let x2 = xm.dot(&m.w);
            for (r, row) in x2.axis_iter(Axis(0)).enumerate() {
                let norm2: f64 = row.iter().map(|v| v * v).sum();
                scores[[r, c]] = -0.5 * (norm2 + m.log_det) + m.log_prior;
            }
        }
        Ok(scores)
    }
}

impl Predictor for Qda {
    fn has_decision_function(&self) -> bool {
        true
    }

    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        let s = self.scores(x)?;
        if s.ncols() == 2 {
            Ok(Array2::from_shape_fn((s.nrows(), 1), |(r, _)| {
                s[[r, 1]] - s[[r, 0]]
            }))
        } else {
            Ok(s)
        }
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let scores = self.scores(x)?;
        let predicted = scores.axis_iter(Axis(0)).map(argmax).collect();
        let mut proba = scores;
        for mut row in proba.axis_iter_mut(Axis(0)) {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            row.mapv_inplace(|v| (v - max).exp());
            let sum: f64 = row.iter().sum();
            row.mapv_inplace(|v| v / sum);
        }
        Ok(Output::Classification {
            classes: Arc::clone(&self.classes),
            predicted,
            probabilities: Some(proba),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        Some(Arc::clone(&self.classes))
    }

    fn summary(&self) -> Summary {
        Summary::new("QuadraticDiscriminantAnalysis")
            .detail("n_features", self.n_features)
            .detail("n_classes", self.classes.len())
    }
}
