//! Micro-batching: the rows of several valid requests go into ONE `Batch` and ONE predict call, and the
//! output is split back per request. If the batched call fails, each request is predicted on its own so
//! only the bad one gets the error.

use std::sync::Arc;

use ndarray::Array2;

use super::error::RequestError;
use super::request::{Request, Rows};
use crate::model::{Batch, Output, PredictError, TextCells};

/// The rows `start..start + len` of a shared output belong to one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub output: Arc<Output>,
    pub start: usize,
    pub len: usize,
}

/// Predict every request, with one call when they can share a batch.
pub fn predict_all<F>(predict: F, requests: &[&Request]) -> Vec<Result<Answer, RequestError>>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    if requests.len() > 1 {
        let n_cols = requests[0].rows.n_cols;
        if requests.iter().all(|r| r.rows.n_cols == n_cols) {
            let rows: Vec<&Rows> = requests.iter().map(|r| &r.rows).collect();
            let total: usize = rows.iter().map(|r| r.n_rows).sum();
            let together =
                to_batch(&rows, total, n_cols).and_then(|batch| run(&predict, &batch, total));
            if let Ok(output) = together {
                let output = Arc::new(output);
                let mut start = 0;
                return requests
                    .iter()
                    .map(|r| {
                        let answer = Answer {
                            output: Arc::clone(&output),
                            start,
                            len: r.rows.n_rows,
                        };
                        start += r.rows.n_rows;
                        Ok(answer)
                    })
                    .collect();
            }
        }
    }
    requests.iter().map(|r| predict_one(&predict, r)).collect()
}

/// Predict one request on its own.
pub fn predict_one<F>(predict: &F, request: &Request) -> Result<Answer, RequestError>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    let n = request.rows.n_rows;
    let batch = to_batch(&[&request.rows], n, request.rows.n_cols)?;
    let output = run(predict, &batch, n)?;
    Ok(Answer {
        output: Arc::new(output),
        start: 0,
        len: n,
    })
}

fn run<F>(predict: &F, batch: &Batch, n_rows: usize) -> Result<Output, RequestError>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    let output = predict(batch)?;
    check_output(&output, n_rows)?;
    Ok(output)
}

/// Concatenate rows (all `n_cols` wide) into one batch.
pub fn to_batch(rows: &[&Rows], total: usize, n_cols: usize) -> Result<Batch, RequestError> {
    let mut values = Vec::with_capacity(total * n_cols);
    for r in rows {
        values.extend_from_slice(&r.values);
    }
    let values = Array2::from_shape_vec((total, n_cols), values)
        .map_err(|e| RequestError::Internal(format!("assembling the batch: {e}")))?;
    let text = if rows.iter().any(|r| !r.text.is_empty()) {
        let mut cells = TextCells::new(total, n_cols);
        let width = n_cols.max(1);
        let mut first_row = 0;
        for r in rows {
            for (flat, s) in &r.text {
                cells.set(first_row + flat / width, flat % width, Arc::clone(s));
            }
            first_row += r.n_rows;
        }
        Some(cells)
    } else {
        None
    };
    Ok(Batch { values, text })
}

/// The output must have one row per input row and consistent class indices, so replies can index it.
fn check_output(output: &Output, n_rows: usize) -> Result<(), RequestError> {
    let bad = |what: String| Err(RequestError::Internal(format!("the model returned {what}")));
    if output.n_rows() != n_rows {
        return bad(format!("{} rows for {n_rows} input rows", output.n_rows()));
    }
    if let Output::Classification {
        classes,
        predicted,
        probabilities,
    } = output
    {
        if predicted.iter().any(|&p| p >= classes.len()) {
            return bad(format!(
                "a class index outside its {} classes",
                classes.len()
            ));
        }
        if let Some(p) = probabilities {
            if p.dim() != (n_rows, classes.len()) {
                return bad(format!(
                    "probabilities of shape {:?} for {n_rows} rows and {} classes",
                    p.dim(),
                    classes.len()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Label;

    fn request(values: Vec<f64>, n_cols: usize) -> Request {
        let n_rows = values.len() / n_cols;
        Request {
            id: None,
            single: n_rows == 1,
            rows: Rows {
                n_rows,
                n_cols,
                values,
                text: vec![],
            },
        }
    }

    /// A fake regressor: the row sum; fails on any negative value.
    fn sum(batch: &Batch) -> Result<Output, PredictError> {
        if batch.values.iter().any(|&v| v < 0.0) {
            return Err(PredictError::bad_value(0, "negative"));
        }
        let sums = batch.values.sum_axis(ndarray::Axis(1));
        Ok(Output::Regression {
            values: sums.insert_axis(ndarray::Axis(1)),
        })
    }

    #[test]
    fn one_call_for_many_requests() {
        let calls = std::cell::Cell::new(0);
        let counting = |b: &Batch| {
            calls.set(calls.get() + 1);
            sum(b)
        };
        let a = request(vec![1.0, 2.0], 2);
        let b = request(vec![3.0, 4.0, 5.0, 6.0], 2);
        let answers = predict_all(counting, &[&a, &b]);
        assert_eq!(calls.get(), 1);
        let b_answer = answers[1].as_ref().expect("b answered");
        assert_eq!((b_answer.start, b_answer.len), (1, 2));
        let Output::Regression { values } = b_answer.output.as_ref() else {
            panic!("regression expected")
        };
        assert_eq!(values[[1, 0]], 7.0);
        assert_eq!(values[[2, 0]], 11.0);
    }

    #[test]
    fn a_bad_request_does_not_poison_its_batch_mates() {
        let good = request(vec![1.0, 2.0], 2);
        let bad = request(vec![-1.0, 2.0], 2);
        let answers = predict_all(sum, &[&good, &bad, &good]);
        assert!(answers[0].is_ok());
        assert_eq!(
            answers[1].as_ref().err().map(RequestError::code),
            Some("bad_value")
        );
        assert!(answers[2].is_ok());
    }

    #[test]
    fn text_cells_land_at_their_rows() {
        let mut a = request(vec![1.0, 2.0], 2);
        a.rows.text.push((1, Arc::from("x")));
        let b = request(vec![3.0, f64::NAN], 2);
        let mut b = b;
        b.rows.text.push((1, Arc::from("y")));
        let batch = to_batch(&[&a.rows, &b.rows], 2, 2).expect("batch");
        assert_eq!(batch.text_at(0, 1), Some("x"));
        assert_eq!(batch.text_at(1, 1), Some("y"));
        assert_eq!(batch.text_at(1, 0), None);
    }

    #[test]
    fn inconsistent_outputs_become_internal_errors() {
        let bad_index = |b: &Batch| {
            Ok(Output::Classification {
                classes: Arc::from(vec![Label::Int(0)]),
                predicted: vec![3; b.n_rows()],
                probabilities: None,
            })
        };
        let a = request(vec![1.0], 1);
        let answers = predict_all(bad_index, &[&a]);
        assert_eq!(
            answers[0].as_ref().err().map(RequestError::code),
            Some("internal_error")
        );
    }
}
