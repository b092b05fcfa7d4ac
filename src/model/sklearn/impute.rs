//! SimpleImputer: fills missing cells with the fitted `statistics_` (numbers or strings), drops the
//! columns scikit-learn drops (no observed value at fit), and appends the MissingIndicator columns.

use std::sync::Arc;

use ndarray::Array2;

use super::support;
use super::Estimator;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::text::TextCells;
use crate::model::value::{scalar_f64, ObjView, Value};

/// What counts as missing (`missing_values`).
#[derive(Clone, Debug, PartialEq)]
enum Missing {
    /// NaN or None: a null cell.
    Null,
    /// A number (e.g. -1); null cells are then refused, as scikit-learn refuses NaN.
    Number(f64),
    /// A string (object data).
    Text(Arc<str>),
}

/// A fill value.
#[derive(Clone, Debug)]
enum Fill {
    Number(f64),
    Text(Arc<str>),
}

/// A fitted SimpleImputer.
#[derive(Debug)]
pub struct SimpleImputer {
    strategy: String,
    n_features: usize,
    missing: Missing,
    /// Kept input columns with their fill values, in order.
    kept: Vec<(usize, Fill)>,
    /// Input columns whose missing mask is appended (MissingIndicator `features_`).
    indicator: Vec<usize>,
    /// Were the statistics fitted on object (string) data, so that text cells are allowed?
    object_data: bool,
    feature_names: Option<Vec<String>>,
    /// `kept` when every fill is a number: the columns and fills of the fast path, built once.
    numeric_fills: Option<Vec<(usize, f64)>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let strategy = obj.str("strategy")?.to_string();
    let stats = obj.array("statistics_")?;
    let n_features = stats.len();
    if let Some(n) = support::n_features(&obj) {
        if n != n_features {
            return Err(obj.error(
                "statistics_",
                format!("has {n_features} values but n_features_in_ is {n}"),
            ));
        }
    }
    let (fills, object_data) = read_statistics(&obj)?;
    let keep_empty = obj.has("keep_empty_features") && obj.bool("keep_empty_features")?;
    // Before 1.8 the constant strategy never dropped a column (scikit-learn PR #32266).
    let constant_drops = strategy != "constant" || support::at_least(&obj, 1, 8);
    let kept: Vec<(usize, Fill)> = fills
        .into_iter()
        .enumerate()
        .filter(|(_, f)| {
            let empty = matches!(f, Fill::Number(x) if x.is_nan());
            !(empty && !keep_empty && constant_drops)
        })
        .collect();
    let missing = read_missing(&obj)?;
    let indicator = read_indicator(&obj, n_features)?;
    let feature_names = support::feature_names(&obj)?;
    let numeric_fills = kept
        .iter()
        .map(|(col, fill)| match fill {
            Fill::Number(f) => Some((*col, *f)),
            Fill::Text(_) => None,
        })
        .collect();
    Ok(Estimator::Transformer(Box::new(SimpleImputer {
        strategy,
        n_features,
        missing,
        kept,
        indicator,
        object_data,
        feature_names,
        numeric_fills,
    })))
}

fn read_statistics(obj: &ObjView<'_>) -> Result<(Vec<Fill>, bool), LoadError> {
    let stats = obj.array("statistics_")?;
    match stats.objects() {
        None => Ok((
            support::f64s(obj, "statistics_")?
                .into_iter()
                .map(Fill::Number)
                .collect(),
            false,
        )),
        Some(items) => {
            let fills = items
                .iter()
                .map(|v| match v {
                    Value::Str(s) => Ok(Fill::Text(Arc::clone(s))),
                    Value::None => Ok(Fill::Number(f64::NAN)),
                    other => scalar_f64(obj.heap, other)
                        .map(Fill::Number)
                        .ok_or_else(|| {
                            obj.error(
                                "statistics_",
                                format!(
                                    "expected str or number, found {}",
                                    obj.heap.describe(other)
                                ),
                            )
                        }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((fills, true))
        }
    }
}

fn read_missing(obj: &ObjView<'_>) -> Result<Missing, LoadError> {
    let Some(v) = obj.get("missing_values") else {
        return Ok(Missing::Null);
    };
    match v {
        Value::None => Ok(Missing::Null),
        Value::Str(s) => Ok(Missing::Text(Arc::clone(s))),
        other => match scalar_f64(obj.heap, other) {
            Some(x) if x.is_nan() => Ok(Missing::Null),
            Some(x) => Ok(Missing::Number(x)),
            // pandas.NA and friends: a missing marker object.
            None if obj.heap.object(other).is_some() => Ok(Missing::Null),
            None => Err(obj.error(
                "missing_values",
                format!("unsupported value {}", obj.heap.describe(other)),
            )),
        },
    }
}

fn read_indicator(obj: &ObjView<'_>, n_features: usize) -> Result<Vec<usize>, LoadError> {
    let enabled = !obj.has("add_indicator") || obj.bool("add_indicator")?;
    let ind = match obj.get("indicator_") {
        Some(Value::None) | None => {
            if enabled && obj.has("add_indicator") {
                return Err(obj.error(
                    "indicator_",
                    "add_indicator is set but the fitted MissingIndicator is missing",
                ));
            }
            return Ok(Vec::new());
        }
        Some(_) => obj.estimator("indicator_")?,
    };
    if !enabled {
        return Ok(Vec::new());
    }
    let features = support::value_i64s(&ind, "features_", ind.req("features_")?)?;
    features
        .into_iter()
        .map(|f| {
            usize::try_from(f)
                .ok()
                .filter(|&f| f < n_features)
                .ok_or_else(|| {
                    ind.error(
                        "features_",
                        format!("feature index {f} is outside 0..{n_features}"),
                    )
                })
        })
        .collect()
}

impl SimpleImputer {
    fn is_missing(&self, x: &Batch, row: usize, col: usize) -> Result<bool, PredictError> {
        let text = x.text_at(row, col);
        let value = x.values[[row, col]];
        match &self.missing {
            Missing::Null => Ok(text.is_none() && value.is_nan()),
            Missing::Number(m) => {
                if text.is_none() && value.is_nan() {
                    return Err(PredictError::bad_value(
                        support::column_label(self.feature_names.as_deref(), col),
                        format!("this SimpleImputer treats {m} as missing and does not accept null/NaN; send {m} for a missing value"),
                    ));
                }
                Ok(text.is_none() && value == *m)
            }
            Missing::Text(m) => Ok(text == Some(&**m)),
        }
    }
}

impl SimpleImputer {
    /// The common case on one pass over contiguous rows: numbers only, NaN as the missing marker and
    /// numeric fills. The same values as the general loop below, without its per-cell lookups.
    fn numeric_nan_fill(&self, x: &Batch) -> Option<Batch> {
        if x.text.is_some() || !matches!(self.missing, Missing::Null) {
            return None;
        }
        let fills = self.numeric_fills.as_deref()?;
        let input = x.values.as_slice()?;
        let (n, n_in) = (x.n_rows(), x.n_cols());
        let width = fills.len() + self.indicator.len();
        let mut out = Vec::with_capacity(n * width);
        for row in input.chunks_exact(n_in.max(1)).take(n) {
            out.extend(fills.iter().map(|&(col, fill)| {
                let v = row[col];
                if v.is_nan() {
                    fill
                } else {
                    v
                }
            }));
            out.extend(
                self.indicator
                    .iter()
                    .map(|&col| if row[col].is_nan() { 1.0 } else { 0.0 }),
            );
        }
        let values = Array2::from_shape_vec((n, width), out).ok()?;
        Some(Batch { values, text: None })
    }
}

impl Transformer for SimpleImputer {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        support::check_width(self.n_features, x.n_cols())?;
        if !self.object_data {
            x.require_numeric(&format!("SimpleImputer(strategy={:?})", self.strategy))?;
        }
        if let Some(batch) = self.numeric_nan_fill(x) {
            return Ok(batch);
        }
        let n = x.n_rows();
        let width = self.kept.len() + self.indicator.len();
        let mut values = Array2::<f64>::zeros((n, width));
        let with_text =
            x.text.is_some() || self.kept.iter().any(|(_, f)| matches!(f, Fill::Text(_)));
        let mut text = with_text.then(|| TextCells::new(n, width));
        for row in 0..n {
            for (out_col, (col, fill)) in self.kept.iter().enumerate() {
                let (v, t) = if self.is_missing(x, row, *col)? {
                    match fill {
                        Fill::Number(f) => (*f, None),
                        Fill::Text(s) => (f64::NAN, Some(Arc::clone(s))),
                    }
                } else {
                    let t = x.text.as_ref().and_then(|t| t.get(row, *col).cloned());
                    (x.values[[row, *col]], t)
                };
                values[[row, out_col]] = v;
                if let (Some(tx), Some(t)) = (text.as_mut(), t) {
                    tx.set(row, out_col, t);
                }
            }
            for (k, col) in self.indicator.iter().enumerate() {
                let m = self.is_missing(x, row, *col)?;
                values[[row, self.kept.len() + k]] = if m { 1.0 } else { 0.0 };
            }
        }
        if text.as_ref().is_some_and(TextCells::is_empty) {
            text = None;
        }
        Ok(Batch { values, text })
    }

    fn summary(&self) -> Summary {
        Summary::new("SimpleImputer")
            .detail("strategy", &self.strategy)
            .detail("n_features", self.n_features)
            .detail("kept", self.kept.len())
            .detail("indicators", self.indicator.len())
    }
}
