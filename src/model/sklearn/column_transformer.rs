//! ColumnTransformer: each fitted entry of `transformers_` (including the remainder) picks its
//! input columns, transforms them (or passes them through), and the outputs are concatenated in
//! order. Column specifications are resolved to indices when the model is loaded.

mod columns;

use ndarray::{s, Array2};

use super::pipeline::into_transformer;
use super::support;
use super::Estimator;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::text::TextCells;
use crate::model::value::{scalar_f64, ObjView, Value};

/// One active entry of `transformers_`.
#[derive(Debug)]
struct Part {
    name: String,
    columns: Vec<usize>,
    /// None means passthrough.
    transformer: Option<Box<dyn Transformer>>,
    weight: Option<f64>,
}

/// A fitted ColumnTransformer.
#[derive(Debug)]
pub struct ColumnTransformer {
    n_features: usize,
    parts: Vec<Part>,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let names = support::feature_names(&obj)?;
    let n_features = match (support::n_features(&obj), &names) {
        (Some(n), _) => n,
        (None, Some(names)) => names.len(),
        (None, None) => {
            return Err(obj.error(
                "n_features_in_",
                "is missing, so the input width is unknown",
            ))
        }
    };
    let weights = obj.get("transformer_weights");
    let fitted_indices = obj.get("_transformer_to_input_indices");
    let mut parts = Vec::new();
    for (i, entry) in obj.seq("transformers_")?.iter().enumerate() {
        let (name, trans, spec) = match obj.heap.sequence(entry).unwrap_or(&[]) {
            [Value::Str(name), trans, spec] => (name.to_string(), trans, spec),
            _ => {
                return Err(obj.error(
                    "transformers_",
                    format!(
                        "entry {i} should be (name, transformer, columns), found {}",
                        obj.heap.describe(entry)
                    ),
                ))
            }
        };
        let who = format!("ColumnTransformer entry {name:?}");
        let columns = columns::resolve(obj.heap, spec, n_features, names.as_deref())
            .map_err(|e| LoadError::model(format!("{who}: columns: {e}")))?;
        if let Some(expected) = fitted_indices.and_then(|d| obj.heap.dict_get(d, &name)) {
            let expected = support::value_i64s(&obj, "_transformer_to_input_indices", expected)?;
            let ours: Vec<i64> = columns.iter().map(|&c| c as i64).collect();
            if expected != ours {
                return Err(LoadError::model(format!(
                    "{who}: columns resolve to {ours:?} but scikit-learn recorded {expected:?}"
                )));
            }
        }
        // scikit-learn skips dropped entries and empty selections (whose transformer is unfitted).
        if columns.is_empty() || matches!(trans, Value::Str(s) if &**s == "drop") {
            continue;
        }
        let transformer = match trans {
            Value::Str(s) if &**s == "passthrough" => None,
            Value::Str(s) => {
                return Err(LoadError::model(format!(
                    "{who}: unknown transformer string {s:?}; expected 'drop' or 'passthrough'"
                )))
            }
            _ if support::is_identity_function_transformer(obj.heap, trans)? => None,
            _ => {
                let built = super::build(obj.heap, trans, depth + 1)
                    .map_err(|e| LoadError::model(format!("{who}: {e}")))?;
                into_transformer(built, &who)?
            }
        };
        let weight = match weights.and_then(|w| obj.heap.dict_get(w, &name)) {
            None | Some(Value::None) => None,
            Some(w) => Some(scalar_f64(obj.heap, w).ok_or_else(|| {
                obj.error("transformer_weights", format!("{name:?} is not a number"))
            })?),
        };
        parts.push(Part {
            name,
            columns,
            transformer,
            weight,
        });
    }
    Ok(Estimator::Transformer(Box::new(ColumnTransformer {
        n_features,
        parts,
    })))
}

impl Transformer for ColumnTransformer {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        support::check_width(self.n_features, x.n_cols())?;
        let mut outputs = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let sub = x.select_columns(&part.columns);
            let mut out = match &part.transformer {
                None => sub,
                // The step saw `part.columns` only: report its column as ours.
                Some(t) => t.transform(&sub).map_err(|e| {
                    e.map_column(|c| match c.parse::<usize>() {
                        Ok(local) if local < part.columns.len() => part.columns[local].to_string(),
                        _ => c.to_string(),
                    })
                })?,
            };
            if out.n_rows() != x.n_rows() {
                return Err(PredictError::Unsupported(format!(
                    "ColumnTransformer entry {:?} returned {} rows for {}",
                    part.name,
                    out.n_rows(),
                    x.n_rows()
                )));
            }
            if let Some(w) = part.weight {
                out.values.mapv_inplace(|v| v * w);
            }
            outputs.push(out);
        }
        Ok(hstack(x.n_rows(), &outputs))
    }

    fn summary(&self) -> Summary {
        self.parts.iter().fold(
            Summary::new("ColumnTransformer").detail("n_features", self.n_features),
            |s, part| {
                let child = match &part.transformer {
                    None => Summary::new("passthrough"),
                    Some(t) => t.summary(),
                };
                s.child(format!("{} (columns {:?})", part.name, part.columns), child)
            },
        )
    }
}

/// Concatenate batches side by side; text cells are kept where any part has them.
fn hstack(n_rows: usize, parts: &[Batch]) -> Batch {
    let width: usize = parts.iter().map(Batch::n_cols).sum();
    let mut values = Array2::<f64>::zeros((n_rows, width));
    let mut at = 0;
    for p in parts {
        let w = p.n_cols();
        values.slice_mut(s![.., at..at + w]).assign(&p.values);
        at += w;
    }
    // A well-formed part has text cells shaped like its values; any other adds no text.
    let text = TextCells::side_by_side(n_rows, parts.iter().map(|p| (p.n_cols(), p.text.as_ref())));
    Batch { values, text }
}
