//! `sklearn.tree._tree.Tree` rebuilt as flat node arrays. Many trees share one arena (a forest or a
//! boosting ensemble); every child index is validated to point forward, so walks always terminate.

use crate::model::error::{LoadError, PredictError};
use crate::model::numpy::NdArray;
use crate::model::value::{scalar_i64, ObjView};

/// One split or leaf. A leaf has `left == 0`: a valid child always comes after its parent, so 0 is free.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Node {
    /// The split's float64 threshold as the largest float32 at or below it (see `f32_at_or_below`).
    threshold: f32,
    feature: u32,
    left: u32,
    right: u32,
    missing_left: bool,
}

/// Where a NaN input goes at a split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NanPolicy {
    /// Follow the node's `missing_go_to_left` (trees and forests, scikit-learn ≥ 1.3). Nodes written
    /// before 1.3 have no such field, and scikit-learn rejected NaN then, so we reject it too.
    Follow,
    /// `NaN <= threshold` is false, so NaN goes right (GradientBoosting's fast path does this).
    Right,
}

/// Trees packed into contiguous arrays. Node `i` has `width` values at `values[i * width..]`.
#[derive(Clone, Debug, Default)]
pub struct PackedTrees {
    nodes: Vec<Node>,
    values: Vec<f64>,
    width: usize,
    roots: Vec<u32>,
    max_depth: usize,
    /// Every tree's node records had `missing_go_to_left` (scikit-learn ≥ 1.3).
    all_have_missing: bool,
}

/// The largest `f32` at or below `t`. scikit-learn compares float32 inputs with float64 thresholds;
/// for every `f32` x, `f64::from(x) <= t` exactly when `x <= f32_at_or_below(t)` (nothing lies between
/// them), so walks compare in f32 with the same outcome and nodes take 16 bytes less.
pub(super) fn f32_at_or_below(t: f64) -> f32 {
    let nearest = t as f32; // saturates to ±inf; NaN stays NaN and compares false either way
    if f64::from(nearest) > t {
        nearest.next_down()
    } else {
        nearest
    }
}

/// Hard cap on nodes across one model, far above any real forest, to keep memory bounded.
const MAX_NODES: usize = u32::MAX as usize / 2;

impl PackedTrees {
    /// An empty arena whose leaves carry `width` values each (n_classes, or 1 for regression).
    pub fn new(width: usize) -> Self {
        PackedTrees {
            width,
            all_have_missing: true,
            ..PackedTrees::default()
        }
    }

    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    pub fn roots(&self) -> &[u32] {
        &self.roots
    }

    /// Validate and append the `tree_` object of a fitted tree estimator. `map` may rewrite each
    /// node's values (normalise class counts, scale by a learning rate) once, at load time.
    pub fn push(
        &mut self,
        tree: &ObjView<'_>,
        n_features: usize,
        mut map: impl FnMut(&mut [f64]),
    ) -> Result<(), LoadError> {
        let nodes = tree.array("nodes")?;
        let n = validate_count(tree, nodes)?;
        if self.nodes.len() + n > MAX_NODES {
            return Err(tree.error("nodes", "too many nodes in one model"));
        }
        let left = nodes.field_i64("left_child")?;
        let right = nodes.field_i64("right_child")?;
        let feature = nodes.field_i64("feature")?;
        let threshold = nodes.field_f64("threshold")?;
        let has_missing = nodes.has_field("missing_go_to_left");
        let missing = if has_missing {
            nodes.field_i64("missing_go_to_left")?
        } else {
            vec![0; n]
        };
        for (name, len) in [
            ("left_child", left.len()),
            ("right_child", right.len()),
            ("feature", feature.len()),
            ("threshold", threshold.len()),
            ("missing_go_to_left", missing.len()),
        ] {
            if len < n {
                return Err(tree.error(
                    "nodes",
                    format!("field {name} has {len} entries, expected {n}"),
                ));
            }
        }
        let values = self.checked_values(tree, n)?;

        let offset = self.nodes.len();
        let mut depth = vec![0usize; n];
        let mut packed = Vec::with_capacity(n);
        for i in 0..n {
            if left[i] == -1 {
                packed.push(Node {
                    threshold: 0.0,
                    feature: 0,
                    left: 0,
                    right: 0,
                    missing_left: false,
                });
                continue;
            }
            let child = |c: i64, side: &str| -> Result<usize, LoadError> {
                match usize::try_from(c) {
                    Ok(c) if c > i && c < n => Ok(c),
                    _ => Err(tree.error(
                        "nodes",
                        format!("node {i} has {side} child {c}; children must come after their parent and before {n}"),
                    )),
                }
            };
            let (l, r) = (child(left[i], "left")?, child(right[i], "right")?);
            let f = match usize::try_from(feature[i]) {
                Ok(f) if f < n_features => f,
                _ => {
                    return Err(tree.error(
                        "nodes",
                        format!(
                            "node {i} splits on feature {} but the model has {n_features} features",
                            feature[i]
                        ),
                    ))
                }
            };
            depth[l] = depth[i] + 1;
            depth[r] = depth[i] + 1;
            packed.push(Node {
                threshold: f32_at_or_below(threshold[i]),
                feature: f as u32,
                left: (offset + l) as u32,
                right: (offset + r) as u32,
                missing_left: missing[i] != 0,
            });
        }
        self.max_depth = self.max_depth.max(depth.iter().copied().max().unwrap_or(0));
        self.all_have_missing &= has_missing;
        self.roots.push(offset as u32);
        self.nodes.extend(packed);
        let start = self.values.len();
        self.values.extend(values);
        for chunk in self.values[start..].chunks_mut(self.width.max(1)) {
            map(chunk);
        }
        Ok(())
    }

    /// `values` as (n, 1, width) floats, refusing multi-output trees and wrong class counts.
    fn checked_values(&self, tree: &ObjView<'_>, n: usize) -> Result<Vec<f64>, LoadError> {
        let values = tree.array("values")?;
        match values.shape.as_slice() {
            [rows, 1, w] if *rows == n && *w == self.width => values.to_f64_vec(),
            [rows, outputs, w] if *rows == n && *outputs != 1 => {
                let _ = w;
                Err(tree.error(
                    "values",
                    "multi-output trees are not supported; fit one model per target",
                ))
            }
            shape => Err(tree.error(
                "values",
                format!("has shape {shape:?}, expected ({n}, 1, {})", self.width),
            )),
        }
    }

    /// The leaf a row (already cast to float32) lands in, as an arena node index.
    #[inline]
    pub fn leaf(&self, root: u32, row: &[f32], nan: NanPolicy) -> usize {
        let mut i = root as usize;
        loop {
            let Some(node) = self.nodes.get(i) else {
                return i;
            };
            if node.left == 0 {
                return i;
            }
            let x = row.get(node.feature as usize).copied().unwrap_or(f32::NAN);
            let go_left = if x.is_nan() {
                nan == NanPolicy::Follow && node.missing_left
            } else {
                x <= node.threshold
            };
            i = if go_left { node.left } else { node.right } as usize;
        }
    }

    /// The values of a node (`width` of them).
    #[inline]
    pub fn value(&self, node: usize) -> &[f64] {
        let start = node * self.width;
        self.values.get(start..start + self.width).unwrap_or(&[])
    }

    /// Under `NanPolicy::Follow`, trees from before scikit-learn 1.3 cannot route NaN: say so.
    pub fn check_nan(
        &self,
        rows: &[f32],
        n_features: usize,
        nan: NanPolicy,
        who: &str,
    ) -> Result<(), PredictError> {
        if nan != NanPolicy::Follow || self.all_have_missing {
            return Ok(());
        }
        match rows.iter().position(|v| v.is_nan()) {
            Some(pos) => Err(PredictError::bad_value(
                pos % n_features.max(1),
                format!("{who} was saved by scikit-learn < 1.3, which does not accept missing values (null/NaN)"),
            )),
            None => Ok(()),
        }
    }
}

/// `node_count` must match the length of the 1-d `nodes` array and be at least 1.
fn validate_count(tree: &ObjView<'_>, nodes: &NdArray) -> Result<usize, LoadError> {
    if nodes.shape.len() != 1 {
        return Err(tree.error(
            "nodes",
            format!("expected a 1-d record array, found shape {:?}", nodes.shape),
        ));
    }
    let n = nodes.shape[0];
    if let Some(count) = tree
        .get("node_count")
        .and_then(|v| scalar_i64(tree.heap, v))
    {
        if usize::try_from(count).ok() != Some(n) {
            return Err(tree.error(
                "node_count",
                format!("is {count} but the nodes array has {n} records"),
            ));
        }
    }
    if n == 0 {
        return Err(tree.error("nodes", "the tree has no nodes"));
    }
    Ok(n)
}
