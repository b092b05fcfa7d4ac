//! Neural networks: MLPClassifier and MLPRegressor, the forward pass of `_forward_pass_fast`
//! (`X · W + b` per layer, the hidden activation between layers, `out_activation_` at the end).
//! Binary classifiers threshold the logistic output at 0.5, multiclass ones take the first argmax
//! of the softmax; multilabel classifiers are refused at load.

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::math::{self, Activation};
use super::{support, Estimator};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::{Node, ObjView};

/// The neural network classes this family registers, each with its builder.
pub const CLASSES: &[super::Entry] = &[
    ("MLPClassifier", |o, _| build(o, true)),
    ("MLPRegressor", |o, _| build(o, false)),
];

/// What the output layer is.
#[derive(Debug)]
enum Head {
    /// One logistic unit: `[1 - p, p]`, class 1 when `p > 0.5`.
    Binary(Arc<[Label]>),
    /// One softmax unit per class.
    Multiclass(Arc<[Label]>),
    /// Identity outputs.
    Regression,
}

/// A fitted multi-layer perceptron.
#[derive(Debug)]
pub struct Mlp {
    class: String,
    layers: Vec<(Array2<f64>, Array1<f64>)>,
    hidden: Activation,
    head: Head,
    feature_names: Option<Vec<String>>,
}

fn arrays(obj: &ObjView<'_>, attr: &str) -> Result<Vec<Array2<f64>>, LoadError> {
    obj.seq(attr)?
        .iter()
        .enumerate()
        .map(|(i, v)| match obj.heap.get(v) {
            Some(Node::Array(a)) if a.shape.len() <= 2 => {
                let m = a.to_array2_f64().map_err(|e| obj.error(attr, e))?;
                // A 1-d intercept of n values comes back as 1 × n.
                Ok(m)
            }
            _ => Err(obj.error(
                attr,
                format!(
                    "item {i} is not a 1-d or 2-d array: {}",
                    obj.heap.describe(v)
                ),
            )),
        })
        .collect()
}

fn build(obj: ObjView<'_>, classifier: bool) -> Result<Estimator, LoadError> {
    let coefs = arrays(&obj, "coefs_")?;
    let intercepts = arrays(&obj, "intercepts_")?;
    if coefs.is_empty() || coefs.len() != intercepts.len() {
        return Err(obj.error(
            "coefs_",
            format!(
                "has {} layers but intercepts_ has {}",
                coefs.len(),
                intercepts.len()
            ),
        ));
    }
    if let Ok(n_layers) = obj.usize("n_layers_") {
        if n_layers != coefs.len() + 1 {
            return Err(obj.error(
                "n_layers_",
                format!("is {n_layers} for {} weight matrices", coefs.len()),
            ));
        }
    }
    let mut layers = Vec::with_capacity(coefs.len());
    let mut width = coefs[0].nrows();
    for (i, (w, b)) in coefs.into_iter().zip(intercepts).enumerate() {
        if w.nrows() != width || b.len() != w.ncols() || w.ncols() == 0 {
            return Err(obj.error(
                "coefs_",
                format!(
                    "layer {i} has weights {:?} and {} intercepts after a layer of width {width}",
                    w.dim(),
                    b.len()
                ),
            ));
        }
        width = w.ncols();
        layers.push((w, Array1::from_iter(b.iter().copied())));
    }
    let n_features = layers[0].0.nrows();
    let feature_names = support::checked_inputs(&obj, n_features, "coefs_")?;
    let act_name = obj.str("activation")?;
    let hidden = Activation::parse(act_name).ok_or_else(|| {
        obj.error(
            "activation",
            format!("{act_name:?} is not supported; expected identity, logistic, tanh or relu"),
        )
    })?;
    let out = obj.str("out_activation_")?;
    let head = if classifier {
        classifier_head(&obj, out, width)?
    } else {
        if out != "identity" {
            return Err(obj.error(
                "out_activation_",
                format!("{out:?}: a regressor's output is 'identity'"),
            ));
        }
        Head::Regression
    };
    Ok(Estimator::Predictor(Box::new(Mlp {
        class: obj.class_name().to_string(),
        layers,
        hidden,
        head,
        feature_names,
    })))
}

fn classifier_head(obj: &ObjView<'_>, out: &str, width: usize) -> Result<Head, LoadError> {
    let binarizer = obj.estimator("_label_binarizer").ok();
    if let Some(y_type) = binarizer.and_then(|b| b.opt_str("y_type_")) {
        if y_type != "binary" && y_type != "multiclass" {
            return Err(obj.error(
                "_label_binarizer",
                format!("target type {y_type:?} is not supported (multilabel MLPClassifiers are refused); expected binary or multiclass"),
            ));
        }
    }
    let classes = match (obj.get("classes_"), binarizer) {
        (Some(_), _) | (None, None) => obj.labels("classes_")?,
        (None, Some(b)) => b
            .array("classes_")?
            .to_labels(obj.heap)
            .map_err(|e| obj.error("classes_", e))?,
    };
    let classes: Arc<[Label]> = Arc::from(classes);
    match (out, classes.len(), width) {
        ("logistic", 2, 1) => Ok(Head::Binary(classes)),
        ("softmax", k, w) if k > 2 && w == k => Ok(Head::Multiclass(classes)),
        _ => Err(obj.error(
            "out_activation_",
            format!(
                "{out:?} with {} classes and {width} outputs is not supported; expected logistic with 2 classes and 1 output, or softmax with one output per class",
                classes.len()
            ),
        )),
    }
}

impl Mlp {
    fn forward(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let last = self.layers.len() - 1;
        let mut act = x.to_owned();
        for (i, (w, b)) in self.layers.iter().enumerate() {
            act = act.dot(w);
            for mut row in act.axis_iter_mut(Axis(0)) {
                row += b;
            }
            if i != last {
                act.mapv_inplace(|v| self.hidden.apply(v));
            }
        }
        act
    }
}

impl Predictor for Mlp {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        support::check_width(self.layers[0].0.nrows(), x.ncols())?;
        support::require_finite(x, &self.class, self.feature_names.as_deref())?;
        let mut out = self.forward(x);
        Ok(match &self.head {
            Head::Regression => Output::Regression { values: out },
            Head::Binary(classes) => {
                let p = out.column(0).mapv(math::expit);
                let predicted = p.iter().map(|&v| usize::from(v > 0.5)).collect();
                let probabilities =
                    Array2::from_shape_fn(
                        (p.len(), 2),
                        |(r, c)| if c == 1 { p[r] } else { 1.0 - p[r] },
                    );
                Output::Classification {
                    classes: Arc::clone(classes),
                    predicted,
                    probabilities: Some(probabilities),
                }
            }
            Head::Multiclass(classes) => {
                math::softmax_rows(&mut out);
                let predicted = out.axis_iter(Axis(0)).map(math::argmax).collect();
                Output::Classification {
                    classes: Arc::clone(classes),
                    predicted,
                    probabilities: Some(out),
                }
            }
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        match &self.head {
            Head::Binary(c) | Head::Multiclass(c) => Some(Arc::clone(c)),
            Head::Regression => None,
        }
    }

    fn summary(&self) -> Summary {
        let sizes: Vec<String> = self
            .layers
            .iter()
            .map(|(w, _)| w.ncols().to_string())
            .collect();
        let s = Summary::new(&self.class)
            .detail("n_features", self.layers[0].0.nrows())
            .detail("layers", format!("[{}]", sizes.join(", ")))
            .detail("activation", self.hidden.name());
        match &self.head {
            Head::Binary(c) | Head::Multiclass(c) => s.detail("n_classes", c.len()),
            Head::Regression => {
                s.detail("n_outputs", sizes.last().map(String::as_str).unwrap_or("0"))
            }
        }
    }
}
