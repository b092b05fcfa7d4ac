//! CalibratedClassifierCV: the mean over `calibrated_classifiers_` of each one's calibrated
//! probabilities. Each calibrates its estimator's decision function (or, for estimators without one,
//! its probabilities; the positive column for two classes) per class with a sigmoid
//! (`expit(-(a·t + b))`) or isotonic regression (clip, then `np.interp`), then sets the negative
//! class to `1 - p` (two classes) or normalises the rows (uniform where they sum to 0).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use super::calibrators::{temperature, Calibrator};
use super::child::{self, Child};
use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::linear::math::argmax;
use crate::model::sklearn::Estimator;
use crate::model::value::{ObjView, Value};

/// scikit-learn classifiers that have no `decision_function`: calibration uses their probabilities.
const NO_DECISION_FUNCTION: &[&str] = &[
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "KNeighborsClassifier",
    "RadiusNeighborsClassifier",
    "GaussianNB",
    "MultinomialNB",
    "BernoulliNB",
    "ComplementNB",
    "CategoricalNB",
    "MLPClassifier",
    "DummyClassifier",
    "VotingClassifier",
    "GaussianProcessClassifier",
    "CalibratedClassifierCV",
];

/// One `_CalibratedClassifier`.
#[derive(Debug)]
struct Calibrated {
    estimator: Child,
    decision: bool,
    /// Per response column: the class index it calibrates, and its calibrator.
    calibrators: Vec<(usize, Calibrator)>,
    /// `method='temperature'` (scikit-learn ≥ 1.8): softmax of `beta_ · logits` instead.
    temperature: Option<f64>,
}

/// A fitted CalibratedClassifierCV.
#[derive(Debug)]
pub struct CalibratedCv {
    classes: Arc<[Label]>,
    members: Vec<Calibrated>,
}

/// The class name of the estimator that ends a (possibly wrapped) estimator.
fn final_class<'a>(obj: &ObjView<'a>, v: &'a Value) -> Option<&'a str> {
    let mut cur = obj.heap.estimator(v).ok()?;
    for _ in 0..crate::model::sklearn::MAX_DEPTH {
        cur = match cur.class_name() {
            "FrozenEstimator" => cur.estimator("estimator").ok()?,
            "GridSearchCV" | "RandomizedSearchCV" => cur.estimator("best_estimator_").ok()?,
            "Pipeline" => {
                let last = cur.seq("steps").ok()?.last()?;
                let est = obj.heap.sequence(last)?.get(1)?;
                obj.heap.estimator(est).ok()?
            }
            name => return Some(name),
        };
    }
    None
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let classes: Vec<Label> = obj.labels("classes_")?;
    let k = classes.len();
    let items = obj.seq("calibrated_classifiers_")?;
    if items.is_empty() || k < 2 {
        return Err(obj.error(
            "calibrated_classifiers_",
            "is empty (or fewer than two classes)",
        ));
    }
    let mut members = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let cc = obj
            .heap
            .estimator(item)
            .map_err(|e| obj.error("calibrated_classifiers_", e))?;
        let method = cc.opt_str("method").unwrap_or("sigmoid");
        if method != "sigmoid" && method != "isotonic" && method != "temperature" {
            return Err(cc.error(
                "method",
                format!(
                    "{method:?} is not supported; supported: 'sigmoid', 'isotonic', 'temperature'"
                ),
            ));
        }
        let mut est_value = cc.req("estimator")?;
        if let Ok(frozen) = obj.heap.estimator(est_value) {
            if frozen.class_name() == "FrozenEstimator" {
                est_value = frozen.req("estimator")?;
            }
        }
        let who = format!("CalibratedClassifierCV.calibrated_classifiers_[{i}].estimator");
        let estimator = Child::build(&obj, est_value, depth, &who)?;
        let decision = match final_class(&obj, est_value) {
            Some(name) if NO_DECISION_FUNCTION.contains(&name) => false,
            _ if estimator.has_decision_function() => true,
            name => {
                return Err(obj.error(
                    "calibrated_classifiers_",
                    format!(
                    "{who} ({}) calibrates a decision_function this worker does not compute for it",
                    name.unwrap_or("?")
                ),
                ))
            }
        };
        let est_classes = estimator
            .classes()
            .ok_or_else(|| LoadError::model(format!("{who}: a classifier is needed")))?;
        let cal_values = cc.seq("calibrators")?;
        if method == "temperature" {
            let [cal] = cal_values else {
                return Err(cc.error("calibrators", "temperature scaling has one calibrator"));
            };
            let t = obj
                .heap
                .estimator(cal)
                .map_err(|e| cc.error("calibrators", e))?;
            if t.class_name() != "_TemperatureScaling" {
                return Err(t.error("beta_", "expected a _TemperatureScaling calibrator"));
            }
            if est_classes.len() != k {
                return Err(cc.error(
                    "estimator",
                    "temperature scaling needs an estimator fitted on every class",
                ));
            }
            members.push(Calibrated {
                estimator,
                decision,
                calibrators: Vec::new(),
                temperature: Some(t.f64("beta_")?),
            });
            continue;
        }
        let n_cols = if k == 2 { 1 } else { est_classes.len() };
        if cal_values.len() != n_cols {
            return Err(cc.error(
                "calibrators",
                format!(
                    "has {} calibrators for {n_cols} response columns",
                    cal_values.len()
                ),
            ));
        }
        let mut calibrators = Vec::with_capacity(n_cols);
        for (j, v) in cal_values.iter().enumerate() {
            let label = &est_classes[if k == 2 { 1 } else { j }];
            let idx = classes.iter().position(|c| c == label).ok_or_else(|| {
                LoadError::model(format!("{who}: class {label} is not in classes_"))
            })?;
            calibrators.push((idx, Calibrator::build(&cc, v)?));
        }
        members.push(Calibrated {
            estimator,
            decision,
            calibrators,
            temperature: None,
        });
    }
    Ok(Estimator::Predictor(Box::new(CalibratedCv {
        classes: Arc::from(classes),
        members,
    })))
}

impl Calibrated {
    fn proba(&self, x: &Batch, k: usize) -> Result<Array2<f64>, PredictError> {
        let who = "CalibratedClassifierCV estimator";
        let mut resp = if self.decision {
            self.estimator.decision_function(x)?
        } else {
            child::proba(self.estimator.predict(x)?, who)?
        };
        if !self.decision && k == 2 && resp.ncols() == 2 {
            resp = resp.slice(ndarray::s![.., 1..]).to_owned();
        }
        if let Some(beta) = self.temperature {
            return temperature(resp, beta, k, self.decision);
        }
        if resp.ncols() != self.calibrators.len() {
            return Err(PredictError::Unsupported(format!(
                "{who} gave {} response columns for {} calibrators",
                resp.ncols(),
                self.calibrators.len()
            )));
        }
        let mut p = Array2::<f64>::zeros((x.n_rows(), k));
        for (col, (idx, cal)) in resp.axis_iter(Axis(1)).zip(&self.calibrators) {
            let idx = if k == 2 { 1 } else { *idx };
            for (r, &t) in col.iter().enumerate() {
                p[[r, idx]] = cal.apply(t);
            }
        }
        if k == 2 {
            for mut row in p.axis_iter_mut(Axis(0)) {
                row[0] = 1.0 - row[1];
            }
        } else {
            for mut row in p.axis_iter_mut(Axis(0)) {
                let d: f64 = row.sum();
                if d != 0.0 {
                    row.mapv_inplace(|v| v / d);
                } else {
                    row.fill(1.0 / k as f64);
                }
            }
        }
        p.mapv_inplace(|v| if v > 1.0 && v <= 1.0 + 1e-5 { 1.0 } else { v });
        Ok(p)
    }
}

impl Predictor for CalibratedCv {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.predict_batch(&Batch::numeric(x.to_owned()), "")
    }

    fn predict_batch(&self, x: &Batch, _who: &str) -> Result<Output, PredictError> {
        let k = self.classes.len();
        let mut mean = Array2::<f64>::zeros((x.n_rows(), k));
        for m in &self.members {
            mean += &m.proba(x, k)?;
        }
        mean /= self.members.len() as f64;
        Ok(Output::Classification {
            classes: Arc::clone(&self.classes),
            predicted: mean.axis_iter(Axis(0)).map(argmax).collect(),
            probabilities: Some(mean),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        Some(Arc::clone(&self.classes))
    }

    fn summary(&self) -> Summary {
        let s = Summary::new("CalibratedClassifierCV")
            .detail("n_classes", self.classes.len())
            .detail("n_calibrated", self.members.len());
        match self.members.first() {
            Some(m) => s
                .detail(
                    "response",
                    if m.decision {
                        "decision_function"
                    } else {
                        "predict_proba"
                    },
                )
                .detail(
                    "method",
                    match (m.temperature, m.calibrators.first()) {
                        (Some(_), _) => "temperature",
                        (None, Some((_, Calibrator::Isotonic { .. }))) => "isotonic",
                        _ => "sigmoid",
                    },
                )
                .child("estimator", m.estimator.summary()),
            None => s,
        }
    }
}
