//! PolynomialFeatures: one output column per combination of input columns, in the order of
//! scikit-learn's `_combinations` (bias, then degree by degree, combinations with replacement or,
//! with `interaction_only`, without), each a product folded from the last factor as sklearn does.

use ndarray::Array2;

use super::{numeric, width};
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::Estimator;
use crate::model::value::ObjView;

/// Most output columns accepted (a hostile degree must not explode memory at load).
const MAX_OUTPUTS: usize = 100_000;

/// A fitted PolynomialFeatures.
#[derive(Debug)]
pub struct Polynomial {
    n_features: usize,
    combos: Vec<Vec<usize>>,
    max_degree: usize,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let n = width(&obj, "n_features_in_", None)?;
    let (min_degree, max_degree) = if obj.has("_max_degree") {
        (obj.usize("_min_degree")?, obj.usize("_max_degree")?)
    } else {
        (0, obj.usize("degree")?)
    };
    let interaction_only = obj.has("interaction_only") && obj.bool("interaction_only")?;
    let include_bias = !obj.has("include_bias") || obj.bool("include_bias")?;
    let combos = combinations(n, min_degree, max_degree, interaction_only, include_bias)
        .ok_or_else(|| {
            obj.error(
                "degree",
                format!("gives more than {MAX_OUTPUTS} output columns"),
            )
        })?;
    if let Some(expected) = obj
        .get("n_output_features_")
        .map(|_| obj.usize("n_output_features_"))
        .transpose()?
    {
        if expected != combos.len() {
            return Err(obj.error(
                "n_output_features_",
                format!(
                    "is {expected} but degree and options give {} columns",
                    combos.len()
                ),
            ));
        }
    }
    Ok(Estimator::Transformer(Box::new(Polynomial {
        n_features: n,
        combos,
        max_degree,
    })))
}

/// scikit-learn's `_combinations`, or None past [`MAX_OUTPUTS`].
fn combinations(
    n: usize,
    min_degree: usize,
    max_degree: usize,
    interaction_only: bool,
    include_bias: bool,
) -> Option<Vec<Vec<usize>>> {
    let mut out = Vec::new();
    if include_bias {
        out.push(Vec::new());
    }
    for degree in min_degree.max(1)..=max_degree {
        let mut combo: Vec<usize> = if interaction_only {
            (0..degree).collect()
        } else {
            vec![0; degree]
        };
        if interaction_only && degree > n {
            break;
        }
        loop {
            out.push(combo.clone());
            if out.len() > MAX_OUTPUTS {
                return None;
            }
            // Advance to the next combination in lexicographic order.
            let mut i = degree;
            let advanced = loop {
                if i == 0 {
                    break false;
                }
                i -= 1;
                let limit = if interaction_only {
                    n - (degree - i)
                } else {
                    n - 1
                };
                if combo[i] < limit {
                    combo[i] += 1;
                    for j in i + 1..degree {
                        combo[j] = if interaction_only {
                            combo[j - 1] + 1
                        } else {
                            combo[i]
                        };
                    }
                    break true;
                }
            };
            if !advanced {
                break;
            }
        }
    }
    Some(out)
}

impl Transformer for Polynomial {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let values = numeric(x, self.n_features, "PolynomialFeatures", true)?;
        let out = Array2::from_shape_fn((values.nrows(), self.combos.len()), |(r, c)| {
            self.combos[c]
                .iter()
                .rev()
                .fold(None, |acc: Option<f64>, &f| {
                    let v = values[[r, f]];
                    Some(acc.map_or(v, |a| a * v))
                })
                .unwrap_or(1.0)
        });
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new("PolynomialFeatures")
            .detail("n_features", self.n_features)
            .detail("degree", self.max_degree)
            .detail("n_output_features", self.combos.len())
    }
}

#[cfg(test)]
mod tests {
    use super::combinations;

    #[test]
    fn combinations_follow_sklearn_order() {
        let c = combinations(3, 0, 2, false, true).unwrap();
        assert_eq!(c.len(), 10);
        assert_eq!(c[4], vec![0, 0]);
        assert_eq!(c[6], vec![0, 2]);
        assert_eq!(c[7], vec![1, 1]);
        let i = combinations(3, 2, 3, true, false).unwrap();
        assert_eq!(i, vec![vec![0, 1], vec![0, 2], vec![1, 2], vec![0, 1, 2]]);
    }
}
