//! Pipeline: its steps rebuilt in order (the loader flattens them into transforms plus the final
//! predictor), and `Chain`, a pipeline of transformers used inside a ColumnTransformer.

use super::Estimator;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::value::{ObjView, Value};

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let steps = obj.seq("steps")?;
    if steps.is_empty() {
        return Err(obj.error("steps", "the pipeline has no steps"));
    }
    let mut out = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let pair = obj.heap.sequence(step).unwrap_or(&[]);
        let (name, est) = match pair {
            [Value::Str(name), est] => (name.to_string(), est),
            _ => {
                return Err(obj.error(
                    "steps",
                    format!(
                        "step {i} should be a (name, estimator) pair, found {}",
                        obj.heap.describe(step)
                    ),
                ))
            }
        };
        let in_step = |e: LoadError| LoadError::model(format!("Pipeline step {name:?}: {e}"));
        let built =
            if super::support::is_identity_function_transformer(obj.heap, est).map_err(in_step)? {
                Estimator::Passthrough
            } else {
                super::build(obj.heap, est, depth + 1).map_err(in_step)?
            };
        out.push((name, built));
    }
    Ok(Estimator::Pipeline(out))
}

/// Transformers applied in order (a Pipeline used as a transformer).
#[derive(Debug)]
pub struct Chain {
    steps: Vec<(String, Box<dyn Transformer>)>,
}

impl Transformer for Chain {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let mut current: Option<Batch> = None;
        for (i, (_, step)) in self.steps.iter().enumerate() {
            let next = step
                .transform(current.as_ref().unwrap_or(x))
                .map_err(|e| after_step(e, i, &self.steps))?;
            current = Some(next);
        }
        Ok(current.unwrap_or_else(|| x.clone()))
    }

    fn summary(&self) -> Summary {
        self.steps
            .iter()
            .fold(Summary::new("Pipeline"), |s, (name, t)| {
                s.child(name.clone(), t.summary())
            })
    }
}

/// Turn a rebuilt estimator into a transformer; nested pipelines become a `Chain`. `who` names the
/// place (for errors), e.g. a ColumnTransformer entry. Returns None for passthrough.
pub fn into_transformer(
    est: Estimator,
    who: &str,
) -> Result<Option<Box<dyn Transformer>>, LoadError> {
    let mut steps = Vec::new();
    let mut stack = vec![vec![(String::new(), est)].into_iter()];
    while let Some(top) = stack.last_mut() {
        let Some((name, est)) = top.next() else {
            stack.pop();
            continue;
        };
        match est {
            Estimator::Passthrough => {}
            Estimator::Transformer(t) => steps.push((name, t)),
            Estimator::Predictor(p) => {
                return Err(LoadError::model(format!(
                    "{who}: {} is a predictor, but a transformer is needed here",
                    p.summary().class
                )))
            }
            // Nesting was already bounded by `build` (MAX_DEPTH).
            Estimator::Pipeline(inner) => stack.push(inner.into_iter()),
        }
    }
    Ok(match steps.len() {
        0 => None,
        1 => steps.pop().map(|(_, t)| t),
        _ => Some(Box::new(Chain { steps })),
    })
}

/// A column index seen by step `i` of `steps` refers to the input only for the first step; later it
/// is a column of the previous step's output, and is reported as such (and no longer named).
pub fn after_step<T>(e: PredictError, i: usize, steps: &[(String, T)]) -> PredictError {
    match i.checked_sub(1).and_then(|p| steps.get(p)) {
        None => e,
        Some((name, _)) => e.map_column(|c| format!("{c} of the output of step {name:?}")),
    }
}
