//! The k-nearest search, replayed the way scikit-learn runs it so distance ties at the k-th place
//! resolve as they do there: the metric's reduced distance (`DistanceMetric.rdist`), scikit-learn's
//! fixed-size max-heap, and the visiting order of brute force (`ArgKmin`) or of the fitted tree.

use ndarray::{ArrayView1, ArrayView2};

pub use super::metric::Metric;
use super::tree::{Bounds, Tree};
use crate::model::sklearn::math::dot;

/// How the neighbours are searched, which decides who wins a distance tie at the k-th place.
#[derive(Debug)]
pub enum Index {
    /// scikit-learn's `ArgKmin`: training rows in index order; euclidean compares the GEMM form
    /// `‖x‖² - 2 x·y + ‖y‖²` (clipped at 0), with `‖y‖²` precomputed per training row.
    Brute { y_norms: Vec<f64> },
    /// The fitted KD or ball tree, queried depth first as `BinaryTree._query_single_depthfirst`.
    Tree(Tree),
}

/// scikit-learn's fixed-size max-heap (`utils._heap.heap_push`): a value enters only when strictly
/// smaller than the current largest, which is what decides ties.
pub struct Heap {
    pub values: Vec<f64>,
    pub indices: Vec<usize>,
}

impl Heap {
    pub fn new() -> Self {
        Heap {
            values: Vec::new(),
            indices: Vec::new(),
        }
    }

    fn reset(&mut self, k: usize) {
        self.values.clear();
        self.values.resize(k, f64::INFINITY);
        self.indices.clear();
        self.indices.resize(k, 0);
    }

    fn largest(&self) -> f64 {
        self.values[0]
    }

    fn push(&mut self, val: f64, idx: usize) {
        let size = self.values.len();
        let (values, indices) = (&mut self.values, &mut self.indices);
        if val >= values[0] {
            return;
        }
        let mut current = 0;
        loop {
            let left = 2 * current + 1;
            let right = left + 1;
            let swap = if left >= size {
                break;
            } else if right >= size || values[left] >= values[right] {
                if val < values[left] {
                    left
                } else {
                    break;
                }
            } else if val < values[right] {
                right
            } else {
                break;
            };
            values[current] = values[swap];
            indices[current] = indices[swap];
            current = swap;
        }
        values[current] = val;
        indices[current] = idx;
    }
}

/// The k nearest training rows of `x` as (true distance, index), nearest first, chosen exactly as
/// scikit-learn's search for this index chooses them (order among equal distances is irrelevant).
pub fn k_nearest(
    metric: Metric,
    index: &Index,
    fit_x: ArrayView2<'_, f64>,
    x: ArrayView1<'_, f64>,
    k: usize,
    heap: &mut Heap,
    out: &mut Vec<(f64, usize)>,
) {
    heap.reset(k);
    match index {
        Index::Brute { y_norms } if metric == Metric::Euclidean => {
            let x_norm = dot(x, x);
            for (j, row) in fit_x.rows().into_iter().enumerate() {
                let d = x_norm + -2.0 * dot(x, row) + y_norms[j];
                heap.push(d.max(0.0), j);
            }
        }
        Index::Brute { .. } => {
            for (j, row) in fit_x.rows().into_iter().enumerate() {
                heap.push(metric.rdist(x, row), j);
            }
        }
        Index::Tree(tree) => {
            let lb = min_rdist(metric, tree, 0, x);
            query(metric, tree, fit_x, 0, x, heap, lb);
        }
    }
    out.clear();
    out.extend(
        heap.values
            .iter()
            .zip(&heap.indices)
            .map(|(&r, &i)| (metric.dist(r.max(0.0)), i)),
    );
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
}

fn query(
    metric: Metric,
    tree: &Tree,
    fit_x: ArrayView2<'_, f64>,
    node: usize,
    x: ArrayView1<'_, f64>,
    heap: &mut Heap,
    lb: f64,
) {
    let info = tree.nodes[node];
    if lb > heap.largest() {
        return;
    }
    if info.leaf {
        for &i in &tree.idx_array[info.start..info.end] {
            heap.push(metric.rdist(x, fit_x.row(i)), i);
        }
        return;
    }
    let (i1, i2) = (2 * node + 1, 2 * node + 2);
    let (lb1, lb2) = (
        min_rdist(metric, tree, i1, x),
        min_rdist(metric, tree, i2, x),
    );
    if lb1 <= lb2 {
        query(metric, tree, fit_x, i1, x, heap, lb1);
        query(metric, tree, fit_x, i2, x, heap, lb2);
    } else {
        query(metric, tree, fit_x, i2, x, heap, lb2);
        query(metric, tree, fit_x, i1, x, heap, lb1);
    }
}

/// The reduced-distance lower bound from `x` to a node, as `_kd_tree` / `_ball_tree` compute it.
fn min_rdist(metric: Metric, tree: &Tree, node: usize, x: ArrayView1<'_, f64>) -> f64 {
    match &tree.bounds {
        Bounds::Kd { lower, upper } => {
            let p = metric.p();
            let mut rdist: f64 = 0.0;
            for ((&lo, &hi), &v) in lower.row(node).iter().zip(upper.row(node)).zip(x) {
                let d_lo = lo - v;
                let d_hi = v - hi;
                let d = (d_lo + d_lo.abs()) + (d_hi + d_hi.abs());
                if p == f64::INFINITY {
                    rdist = rdist.max(0.5 * d);
                } else {
                    rdist += (0.5 * d).powf(p);
                }
            }
            rdist
        }
        Bounds::Ball { centroids } => {
            let dist = metric.dist(metric.rdist(x, centroids.row(node)));
            let min_dist = (dist - tree.nodes[node].radius).max(0.0);
            metric.dist_to_rdist(min_dist)
        }
    }
}

/// scikit-learn's `_get_weights`: `None` for uniform; `1 / d` for distance, except that a row with
/// any zero distance weighs those neighbours 1 and the others 0.
pub fn distance_weights(neighbours: &[(f64, usize)], out: &mut Vec<f64>) {
    out.clear();
    if neighbours.iter().any(|&(d, _)| d == 0.0) {
        out.extend(
            neighbours
                .iter()
                .map(|&(d, _)| f64::from(u8::from(d == 0.0))),
        );
    } else {
        out.extend(neighbours.iter().map(|&(d, _)| 1.0 / d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn brute_ties_keep_the_first_seen_unless_the_heap_evicts_it() {
        let fit = array![[1.0], [0.0], [1.0], [-1.0], [2.0]];
        let index = Index::Brute {
            y_norms: fit.rows().into_iter().map(|r| dot(r, r)).collect(),
        };
        let (mut heap, mut s) = (Heap::new(), Vec::new());
        k_nearest(
            Metric::Euclidean,
            &index,
            fit.view(),
            array![0.0].view(),
            3,
            &mut heap,
            &mut s,
        );
        let mut got: Vec<usize> = s.iter().map(|&(_, i)| i).collect();
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2]);
        assert_eq!(s[0], (0.0, 1));
    }

    #[test]
    fn heap_push_matches_sklearn_docstring() {
        let mut h = Heap {
            values: vec![1.2, 0.4, 0.1],
            indices: vec![42, 1, 5],
        };
        h.push(0.2, 4);
        assert_eq!(h.values, vec![0.4, 0.2, 0.1]);
        assert_eq!(h.indices, vec![1, 4, 5]);
        h.push(0.4, 9); // not strictly smaller than the largest: ignored
        assert_eq!(h.indices, vec![1, 4, 5]);
    }

    #[test]
    fn metrics_and_aliases() {
        assert_eq!(Metric::parse("minkowski", Some(2.0)), Ok(Metric::Euclidean));
        assert_eq!(Metric::parse("cityblock", None), Ok(Metric::Manhattan));
        assert!(Metric::parse("cosine", None).is_err());
        let m = Metric::Minkowski(3.0);
        let r = m.rdist(array![0.0, 0.0].view(), array![1.0, 2.0].view());
        assert_eq!(r, 9.0);
        assert!((m.dist(r) - 9f64.powf(1.0 / 3.0)).abs() < 1e-15);
    }

    #[test]
    fn zero_distance_takes_all_the_weight() {
        let mut w = Vec::new();
        distance_weights(&[(0.0, 3), (0.5, 1), (0.0, 4)], &mut w);
        assert_eq!(w, vec![1.0, 0.0, 1.0]);
        distance_weights(&[(2.0, 0), (4.0, 1)], &mut w);
        assert_eq!(w, vec![0.5, 0.25]);
    }
}
