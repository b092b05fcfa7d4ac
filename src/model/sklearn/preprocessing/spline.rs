//! SplineTransformer: per feature, the B-spline basis of its fitted `bsplines_` (scipy BSpline
//! objects read as data: knots `t`, coefficients `c`, degree `k`) evaluated with scipy's interval
//! search and de Boor recursion (the pickled `_asarray` function reference is never used), then extrapolated as `extrapolation` says (error, constant,
//! linear, continue, periodic). The last column per feature is dropped without `include_bias`.

use ndarray::Array2;

use super::numeric;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extrapolation {
    Error,
    Constant,
    Linear,
    Continue,
    Periodic,
}

#[derive(Debug)]
struct Spline {
    t: Vec<f64>,
    /// Rows of coefficients (len(t) - k - 1 of them), each `n_splines` wide.
    c: Array2<f64>,
    k: usize,
    extrapolate: bool,
}

/// A fitted SplineTransformer.
#[derive(Debug)]
pub struct SplineTransformer {
    splines: Vec<Spline>,
    n_splines: usize,
    degree: usize,
    extrapolation: Extrapolation,
    include_bias: bool,
    nan_zeros: bool,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let items = obj.seq("bsplines_")?;
    let degree = obj.usize("degree")?;
    let mut splines = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let b = obj
            .heap
            .estimator(v)
            .map_err(|e| obj.error("bsplines_", e))?;
        // scipy ≥ 1.16 keeps the knots and coefficients as `_t` / `_c`.
        let t = support::f64s(&b, if b.has("t") { "t" } else { "_t" })?;
        let c = support::matrix(&b, if b.has("c") { "c" } else { "_c" })?;
        if b.has("axis") && b.i64("axis")? != 0 {
            return Err(b.error("axis", "only axis 0 is supported"));
        }
        let k = b.usize("k")?;
        let n = t.len().saturating_sub(k + 1);
        if k != degree
            || k > 10
            || n <= k
            || c.nrows() != n
            || t.windows(2).any(|w| w[0].is_nan() || w[0] > w[1])
        {
            return Err(obj.error(
                "bsplines_",
                format!("entry {i}: knots, coefficients and degree {k} do not fit together (degree {degree})"),
            ));
        }
        splines.push(Spline {
            t,
            c,
            k,
            extrapolate: b.has("extrapolate") && b.bool("extrapolate").unwrap_or(false),
        });
    }
    super::width(&obj, "bsplines_", Some(splines.len()))?;
    let n_splines = splines.first().map_or(0, |s| s.c.ncols());
    if n_splines <= degree || splines.iter().any(|s| s.c.ncols() != n_splines) {
        return Err(obj.error(
            "bsplines_",
            "every spline needs the same number (more than degree) of basis columns",
        ));
    }
    let extrapolation = match obj.opt_str("extrapolation").unwrap_or("constant") {
        "error" => Extrapolation::Error,
        "constant" => Extrapolation::Constant,
        "linear" => Extrapolation::Linear,
        "continue" => Extrapolation::Continue,
        "periodic" => Extrapolation::Periodic,
        other => {
            return Err(obj.error(
                "extrapolation",
                format!("{other:?} is not supported; supported: error, constant, linear, continue, periodic"),
            ))
        }
    };
    if obj.has("sparse_output") && obj.bool("sparse_output")? {
        return Err(obj.error("sparse_output", "only dense output (False) is supported"));
    }
    Ok(Estimator::Transformer(Box::new(SplineTransformer {
        splines,
        n_splines,
        degree,
        extrapolation,
        include_bias: !obj.has("include_bias") || obj.bool("include_bias")?,
        nan_zeros: obj.opt_str("handle_missing") == Some("zeros"),
    })))
}

impl Spline {
    /// scipy's `find_interval`: the largest `l` in `[k, n-1]` with `t[l] <= x`; None outside the
    /// base interval without extrapolation, or for NaN.
    fn interval(&self, x: f64) -> Option<usize> {
        let k = self.k;
        let n = self.t.len() - k - 1;
        if x.is_nan() || ((x < self.t[k] || x > self.t[n]) && !self.extrapolate) {
            return None;
        }
        let mut l = k + 1;
        while l != n && x >= self.t[l] {
            l += 1;
        }
        Some(l - 1)
    }

    /// scipy's `_deBoor_D`: the k+1 non-zero basis values (or their `m`-th derivative) at `x`.
    fn de_boor(&self, x: f64, ell: usize, m: usize) -> Vec<f64> {
        let (k, t) = (self.k, &self.t);
        let mut h = vec![0.0; k + 1];
        if m > k {
            // The derivative of order above the degree vanishes.
            return h;
        }
        h[0] = 1.0;
        for j in 1..=k {
            let hh: Vec<f64> = h[..j].to_vec();
            h[0] = 0.0;
            for n in 1..=j {
                let xb = t[ell + n];
                let xa = t[ell + n - j];
                if xa == xb {
                    h[if j > k - m { m } else { n }] = 0.0;
                    continue;
                }
                if j <= k - m {
                    let w = hh[n - 1] / (xb - xa);
                    h[n - 1] += w * (xb - x);
                    h[n] = w * (x - xa);
                } else {
                    let w = j as f64 * hh[n - 1] / (xb - xa);
                    h[n - 1] -= w;
                    h[n] = w;
                }
            }
        }
        h
    }

    /// `spl(x, nu)`: one value per basis column (NaN outside without extrapolation).
    fn eval(&self, x: f64, nu: usize) -> Vec<f64> {
        let cols = self.c.ncols();
        let Some(ell) = self.interval(x) else {
            return vec![f64::NAN; cols];
        };
        let work = self.de_boor(x, ell, nu);
        (0..cols)
            .map(|j| {
                let mut s = 0.0;
                for (a, w) in work.iter().enumerate() {
                    s += self.c[[ell + a - self.k, j]] * w;
                }
                s
            })
            .collect()
    }
}

impl Transformer for SplineTransformer {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let values = numeric(x, self.splines.len(), "SplineTransformer", !self.nan_zeros)?;
        let ns = self.n_splines;
        let mut out = Array2::<f64>::zeros((values.nrows(), ns * self.splines.len()));
        // scikit-learn raises `degree` to 2 in place for linear extrapolation of degree <= 1, and the
        // raised value carries over to the next features.
        let mut degree = self.degree;
        for (f, spl) in self.splines.iter().enumerate() {
            let base = f * ns;
            let col = values.column(f);
            match self.extrapolation {
                Extrapolation::Error | Extrapolation::Continue | Extrapolation::Periodic => {
                    for (r, &v) in col.iter().enumerate() {
                        if v.is_nan() {
                            continue;
                        }
                        let xv = if self.extrapolation == Extrapolation::Periodic {
                            let n = spl.t.len() - spl.k - 1;
                            let period = spl.t[n] - spl.t[spl.k];
                            if period > 0.0 {
                                spl.t[spl.k] + py_mod(v - spl.t[spl.k], period)
                            } else {
                                0.0
                            }
                        } else {
                            v
                        };
                        let b = spl.eval(xv, 0);
                        if self.extrapolation == Extrapolation::Error
                            && b.iter().any(|v| v.is_nan())
                        {
                            return Err(PredictError::bad_value(
                                format!("#{f}"),
                                "SplineTransformer(extrapolation='error'): the value is beyond the limits of the knots",
                            ));
                        }
                        for (j, bv) in b.into_iter().enumerate() {
                            out[[r, base + j]] = bv;
                        }
                    }
                }
                Extrapolation::Constant | Extrapolation::Linear => {
                    let t = &spl.t;
                    if degree >= t.len() {
                        return Err(PredictError::Unsupported(
                            "SplineTransformer: degree exceeds the knots".into(),
                        ));
                    }
                    let (xmin, xmax) = (t[degree], t[t.len() - degree - 1]);
                    let (f_min, f_max) = (spl.eval(xmin, 0), spl.eval(xmax, 0));
                    for (r, &v) in col.iter().enumerate() {
                        if xmin <= v && v <= xmax {
                            for (j, bv) in spl.eval(v, 0).into_iter().enumerate() {
                                out[[r, base + j]] = bv;
                            }
                        }
                    }
                    if self.extrapolation == Extrapolation::Constant {
                        for (r, &v) in col.iter().enumerate() {
                            if v < xmin {
                                for j in 0..degree.min(ns) {
                                    out[[r, base + j]] = f_min[j];
                                }
                            }
                            if v > xmax {
                                for j in ns.saturating_sub(degree)..ns {
                                    out[[r, base + j]] = f_max[j];
                                }
                            }
                        }
                    } else {
                        let (fp_min, fp_max) = (spl.eval(xmin, 1), spl.eval(xmax, 1));
                        if degree <= 1 {
                            degree += 1;
                        }
                        for j in 0..degree.min(ns) {
                            let kk = ns - 1 - j;
                            for (r, &v) in col.iter().enumerate() {
                                if v < xmin {
                                    out[[r, base + j]] = f_min[j] + (v - xmin) * fp_min[j];
                                }
                                if v > xmax {
                                    out[[r, base + kk]] = f_max[kk] + (v - xmax) * fp_max[kk];
                                }
                            }
                        }
                    }
                }
            }
        }
        if !self.include_bias {
            let keep: Vec<usize> = (0..out.ncols()).filter(|j| (j + 1) % ns != 0).collect();
            out = out.select(ndarray::Axis(1), &keep);
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new("SplineTransformer")
            .detail("n_features", self.splines.len())
            .detail("n_splines", self.n_splines)
            .detail("degree", self.degree)
            .detail(
                "extrapolation",
                format!("{:?}", self.extrapolation).to_lowercase(),
            )
    }
}

/// Python's float `%` (the result takes the divisor's sign).
fn py_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && (m < 0.0) != (b < 0.0) {
        m + b
    } else {
        m
    }
}
