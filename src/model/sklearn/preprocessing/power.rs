//! PowerTransformer: Yeo-Johnson (scikit-learn's own `(x + 1)^λ` formula before 1.9, scipy's
//! `expm1(λ·log1p(x))` form from 1.9) or Box-Cox (scipy's `expm1(λ·log x) / λ`) per column with
//! its `lambdas_`, then the inner StandardScaler when `standardize`. NaN passes through.

use ndarray::Axis;

use super::numeric;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::pipeline::into_transformer;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    /// Yeo-Johnson; `true` for scipy's expm1/log1p form (scikit-learn ≥ 1.9).
    YeoJohnson(bool),
    BoxCox,
}

/// A fitted PowerTransformer.
#[derive(Debug)]
pub struct Power {
    method: Method,
    lambdas: Vec<f64>,
    scaler: Option<Box<dyn Transformer>>,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let method = match obj.opt_str("method").unwrap_or("yeo-johnson") {
        "yeo-johnson" => Method::YeoJohnson(support::at_least(&obj, 1, 9)),
        "box-cox" => Method::BoxCox,
        other => {
            return Err(obj.error(
                "method",
                format!("{other:?} is not supported; supported: 'yeo-johnson', 'box-cox'"),
            ))
        }
    };
    let lambdas = support::f64s(&obj, "lambdas_")?;
    super::width(&obj, "lambdas_", Some(lambdas.len()))?;
    let standardize = !obj.has("standardize") || obj.bool("standardize")?;
    let scaler = if standardize {
        let built = crate::model::sklearn::build(obj.heap, obj.req("_scaler")?, depth + 1)
            .map_err(|e| obj.error("_scaler", e))?;
        into_transformer(built, "PowerTransformer._scaler")?
    } else {
        None
    };
    Ok(Estimator::Transformer(Box::new(Power {
        method,
        lambdas,
        scaler,
    })))
}

fn yeo_johnson(x: f64, l: f64, scipy: bool) -> f64 {
    let eps = f64::EPSILON;
    if x >= 0.0 {
        if l.abs() < eps {
            x.ln_1p()
        } else if scipy {
            (l * x.ln_1p()).exp_m1() / l
        } else {
            ((x + 1.0).powf(l) - 1.0) / l
        }
    } else if (l - 2.0).abs() > eps {
        if scipy {
            -((2.0 - l) * (-x).ln_1p()).exp_m1() / (2.0 - l)
        } else {
            -((-x + 1.0).powf(2.0 - l) - 1.0) / (2.0 - l)
        }
    } else {
        -(-x).ln_1p()
    }
}

/// scipy.special.boxcox.
fn box_cox(x: f64, l: f64) -> f64 {
    if l.abs() < 1e-19 {
        x.ln()
    } else {
        (l * x.ln()).exp_m1() / l
    }
}

impl Transformer for Power {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let mut out = numeric(x, self.lambdas.len(), "PowerTransformer", false)?.to_owned();
        for (c, mut col) in out.axis_iter_mut(Axis(1)).enumerate() {
            let l = self.lambdas[c];
            for v in col.iter_mut() {
                if v.is_infinite() {
                    return Err(PredictError::bad_value(
                        format!("#{c}"),
                        "PowerTransformer does not accept an infinite value",
                    ));
                }
                *v = match self.method {
                    Method::YeoJohnson(scipy) => yeo_johnson(*v, l, scipy),
                    Method::BoxCox if *v <= 0.0 => return Err(PredictError::bad_value(
                        format!("#{c}"),
                        "the Box-Cox transformation can only be applied to strictly positive data",
                    )),
                    Method::BoxCox => box_cox(*v, l),
                };
            }
        }
        let out = Batch::numeric(out);
        match &self.scaler {
            Some(s) => s.transform(&out),
            None => Ok(out),
        }
    }

    fn summary(&self) -> Summary {
        let s = Summary::new("PowerTransformer")
            .detail("n_features", self.lambdas.len())
            .detail(
                "method",
                match self.method {
                    Method::BoxCox => "box-cox",
                    Method::YeoJohnson(_) => "yeo-johnson",
                },
            );
        match &self.scaler {
            Some(sc) => s.child("_scaler", sc.summary()),
            None => s,
        }
    }
}
