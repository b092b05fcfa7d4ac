//! KBinsDiscretizer: each value's bin is the number of inner `bin_edges_` at or below it
//! (`searchsorted(edges[1:-1], x, side='right')`); `encode='ordinal'` returns the bin numbers,
//! `'onehot'`/`'onehot-dense'` pass them through the fitted inner OneHotEncoder (dense output).

use ndarray::Axis;

use super::numeric;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::pipeline::into_transformer;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{Node, ObjView};

/// A fitted KBinsDiscretizer.
#[derive(Debug)]
pub struct KBins {
    /// Per column: the inner edges.
    inner: Vec<Vec<f64>>,
    encoder: Option<Box<dyn Transformer>>,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let edges = obj.array("bin_edges_")?;
    let items = edges
        .objects()
        .ok_or_else(|| obj.error("bin_edges_", "expected an object array of arrays"))?;
    let mut inner = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let e = match obj.heap.get(item) {
            Some(Node::Array(a)) if a.shape.len() == 1 => {
                a.to_f64_vec().map_err(|e| obj.error("bin_edges_", e))?
            }
            _ => return Err(obj.error("bin_edges_", format!("entry {i} is not a 1-d array"))),
        };
        if e.len() < 2
            || e.windows(2)
                .any(|w| w[0].is_nan() || w[1].is_nan() || w[0] > w[1])
        {
            return Err(obj.error(
                "bin_edges_",
                format!("entry {i} must hold at least 2 ascending edges"),
            ));
        }
        inner.push(e[1..e.len() - 1].to_vec());
    }
    super::width(&obj, "bin_edges_", Some(inner.len()))?;
    let n_bins = support::value_i64s(&obj, "n_bins_", obj.req("n_bins_")?)?;
    if n_bins.len() != inner.len()
        || n_bins
            .iter()
            .zip(&inner)
            .any(|(&n, e)| n != e.len() as i64 + 1)
    {
        return Err(obj.error("n_bins_", "does not match bin_edges_"));
    }
    let encoder = match obj.opt_str("encode").unwrap_or("onehot") {
        "ordinal" => None,
        "onehot" | "onehot-dense" => {
            let built = crate::model::sklearn::build(obj.heap, obj.req("_encoder")?, depth + 1)
                .map_err(|e| obj.error("_encoder", e))?;
            into_transformer(built, "KBinsDiscretizer._encoder")?
        }
        other => {
            return Err(obj.error(
                "encode",
                format!(
                    "{other:?} is not supported; supported: 'onehot', 'onehot-dense', 'ordinal'"
                ),
            ))
        }
    };
    Ok(Estimator::Transformer(Box::new(KBins { inner, encoder })))
}

impl Transformer for KBins {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let mut out = numeric(x, self.inner.len(), "KBinsDiscretizer", true)?.to_owned();
        for (c, mut col) in out.axis_iter_mut(Axis(1)).enumerate() {
            let edges = &self.inner[c];
            col.mapv_inplace(|v| edges.partition_point(|&e| e <= v) as f64);
        }
        let out = Batch::numeric(out);
        match &self.encoder {
            Some(enc) => enc.transform(&out),
            None => Ok(out),
        }
    }

    fn summary(&self) -> Summary {
        let s = Summary::new("KBinsDiscretizer")
            .detail("n_features", self.inner.len())
            .detail(
                "encode",
                if self.encoder.is_some() {
                    "onehot"
                } else {
                    "ordinal"
                },
            );
        match &self.encoder {
            Some(e) => s.child("_encoder", e.summary()),
            None => s,
        }
    }
}
