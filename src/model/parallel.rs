//! Large batches predicted on several cores: the rows are split into contiguous parts, each part is
//! predicted on a scoped thread, and the outputs are joined in row order. Whether to split is chosen by
//! measurement: a model's cost per row is learned from its single-threaded calls, and only a batch
//! expected to take at least [`MIN_PARALLEL_WORK`] on one thread is split.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ndarray::{concatenate, s, Axis};

use super::data::{Batch, Output};
use super::error::PredictError;

/// Fewest rows a part gets: below this a thread's start-up is a noticeable share of the work.
pub const MIN_ROWS_PER_PART: usize = 256;
/// Most parts (threads) one batch is split into, whatever the machine has.
pub const MAX_PARTS: usize = 4;
/// Least single-threaded time a batch must be expected to take before it is split: below it, starting
/// threads and copying the parts costs more than the second core saves (measured: a 1,000-row batch of
/// a 5-tree forest, 83 µs on one thread, took several times longer split on a busy 2-core machine).
pub const MIN_PARALLEL_WORK: Duration = Duration::from_millis(1);
/// Fewest rows a single-threaded call must have to update the cost estimate.
const MIN_ROWS_TO_LEARN: usize = 64;

/// A model's measured cost per row (nanoseconds; 0 until measured), learned from single-threaded calls.
#[derive(Debug, Default)]
pub struct RowCost(AtomicU64);

impl RowCost {
    fn expected(&self, rows: usize) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            ns => Some(Duration::from_nanos(ns.saturating_mul(rows as u64))),
        }
    }

    fn learn(&self, rows: usize, took: Duration) {
        if rows >= MIN_ROWS_TO_LEARN {
            let ns = (took.as_nanos() / rows as u128).clamp(1, u64::MAX as u128) as u64;
            self.0.store(ns, Ordering::Relaxed);
        }
    }
}

/// Cores this process may use (once).
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many parts a batch of `rows` is split into on a machine with `cores` cores.
pub fn parts_for(rows: usize, cores: usize) -> usize {
    (rows / MIN_ROWS_PER_PART).min(cores).clamp(1, MAX_PARTS)
}

/// Into how many parts a batch of `rows` is split now: 1 unless the machine has cores to spare and the
/// model's measured cost says the batch is worth it.
pub fn plan(rows: usize, cost: &RowCost) -> usize {
    let worth_it = cost.expected(rows).is_some_and(|t| t >= MIN_PARALLEL_WORK);
    if worth_it {
        parts_for(rows, cores())
    } else {
        1
    }
}

/// `predict` over `batch`, split across cores when the batch is large enough to pay for it (by the
/// model's measured `cost`). The answer is the same as one call on the whole batch; of several failing
/// parts, the first one's error is returned.
pub fn predict<F>(batch: &Batch, cost: &RowCost, predict: F) -> Result<Output, PredictError>
where
    F: Fn(&Batch) -> Result<Output, PredictError> + Sync,
{
    let rows = batch.n_rows();
    let parts = plan(rows, cost);
    if parts <= 1 {
        let started = Instant::now();
        let out = predict(batch);
        if out.is_ok() {
            cost.learn(rows, started.elapsed());
        }
        return out;
    }
    let pieces = split_rows(batch, parts);
    let outputs: Vec<Result<Output, PredictError>> = std::thread::scope(|scope| {
        let predict = &predict;
        let handles: Vec<_> = pieces[1..]
            .iter()
            .map(|piece| scope.spawn(move || predict(piece)))
            .collect();
        let mut outputs = vec![predict(&pieces[0])];
        outputs.extend(handles.into_iter().map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(PredictError::Unsupported(
                    "a prediction thread panicked".into(),
                ))
            })
        }));
        outputs
    });
    join(outputs.into_iter().collect::<Result<Vec<_>, _>>()?)
}

/// The batch's rows in `parts` contiguous pieces of nearly equal size.
fn split_rows(batch: &Batch, parts: usize) -> Vec<Batch> {
    let rows = batch.n_rows();
    (0..parts)
        .map(|p| {
            let (a, b) = (rows * p / parts, rows * (p + 1) / parts);
            Batch {
                values: batch.values.slice(s![a..b, ..]).to_owned(),
                text: batch.text.as_ref().map(|t| t.rows(a..b)),
            }
        })
        .collect()
}

/// The parts' outputs as one, rows in order.
fn join(outputs: Vec<Output>) -> Result<Output, PredictError> {
    let mismatch = || PredictError::Unsupported("parts of one batch predicted differently".into());
    let mut iter = outputs.into_iter();
    let first = iter.next().ok_or_else(mismatch)?;
    let rest: Vec<Output> = iter.collect();
    match first {
        Output::Classification {
            classes,
            mut predicted,
            probabilities,
        } => {
            let mut probas = probabilities.map(|p| vec![p]);
            for out in rest {
                let Output::Classification {
                    predicted: more,
                    probabilities: more_proba,
                    ..
                } = out
                else {
                    return Err(mismatch());
                };
                predicted.extend(more);
                match (&mut probas, more_proba) {
                    (Some(all), Some(p)) => all.push(p),
                    (None, None) => {}
                    _ => return Err(mismatch()),
                }
            }
            let probabilities = match probas {
                Some(all) => {
                    let views: Vec<_> = all.iter().map(|p| p.view()).collect();
                    Some(concatenate(Axis(0), &views).map_err(|_| mismatch())?)
                }
                None => None,
            };
            Ok(Output::Classification {
                classes,
                predicted,
                probabilities,
            })
        }
        Output::Regression { values } => {
            let mut all = vec![values];
            for out in rest {
                let Output::Regression { values } = out else {
                    return Err(mismatch());
                };
                all.push(values);
            }
            let views: Vec<_> = all.iter().map(|v| v.view()).collect();
            Ok(Output::Regression {
                values: concatenate(Axis(0), &views).map_err(|_| mismatch())?,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn small_batches_and_single_cores_are_not_split() {
        assert_eq!(parts_for(100, 8), 1);
        assert_eq!(parts_for(10_000, 1), 1);
        assert_eq!(parts_for(600, 8), 2);
        assert_eq!(parts_for(100_000, 64), MAX_PARTS);
    }

    #[test]
    fn only_batches_measured_to_be_expensive_are_split() {
        let cost = RowCost::default();
        assert_eq!(cost.expected(1000), None, "nothing measured yet");
        cost.learn(10, Duration::from_millis(50));
        assert_eq!(cost.expected(1000), None, "too few rows to learn from");
        cost.learn(1000, Duration::from_micros(83));
        assert!(cost.expected(1000).unwrap() < MIN_PARALLEL_WORK);
        cost.learn(1000, Duration::from_micros(1200));
        assert!(cost.expected(1000).unwrap() >= MIN_PARALLEL_WORK);
    }

    #[test]
    fn split_and_join_keep_every_row_in_order() {
        let values = Array2::from_shape_fn((1001, 3), |(r, c)| (r * 10 + c) as f64);
        let batch = Batch::numeric(values.clone());
        for parts in 1..=4 {
            let pieces = split_rows(&batch, parts);
            assert_eq!(pieces.iter().map(Batch::n_rows).sum::<usize>(), 1001);
            let outputs = pieces
                .iter()
                .map(|p| Output::Regression {
                    values: p.values.clone(),
                })
                .collect();
            assert_eq!(
                join(outputs).unwrap(),
                Output::Regression {
                    values: values.clone()
                }
            );
        }
    }
}
