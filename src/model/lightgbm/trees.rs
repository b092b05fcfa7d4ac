//! LightGBM trees in one arena, evaluated exactly as `Tree::GetLeaf`: float64 `NumericalDecision`
//! (`x <= threshold`, missing types None/Zero/NaN with the default-left bit, kZeroThreshold) and
//! `CategoricalDecision` bitsets. Every index is checked at load and internal children always
//! come after their parent, so a walk ends and never leaves the arena.

use super::text::{text_error, Block};
use crate::model::error::LoadError;

const CATEGORICAL: u8 = 1;
const DEFAULT_LEFT: u8 = 2;
const MISSING_ZERO: u8 = 1;
const MISSING_NAN: u8 = 2;
/// LightGBM's `kZeroThreshold`.
pub const ZERO_THRESHOLD: f64 = 1e-35;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    pub threshold: f64,
    pub feature: u32,
    /// Tree-relative: `>= 0` an internal node, `< 0` the leaf `!child`.
    pub left: i32,
    pub right: i32,
    pub decision: u8,
    /// Precomputed from the decision type: [`NAN_LEFT`] (where NaN ends up: the default side for
    /// missing types NaN and Zero, else where 0.0 goes) and [`ZERO_MISSING`].
    pub flags: u8,
}

const NAN_LEFT: u8 = 1;
const ZERO_MISSING: u8 = 2;

/// A categorical node keeps its bitset's words in the arena's `bits` (start, length) in the
/// threshold's place, which a categorical split does not use; nodes stay 24 bytes.
fn pack_range(start: u32, len: u32) -> f64 {
    f64::from_bits((u64::from(start) << 32) | u64::from(len))
}

fn unpack_range(threshold: f64) -> (u32, u32) {
    let bits = threshold.to_bits();
    ((bits >> 32) as u32, bits as u32)
}

#[derive(Clone, Copy, Debug)]
pub struct Tree {
    pub nodes: u32,
    pub n_internal: u32,
    pub leaves: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Trees {
    pub nodes: Vec<Node>,
    pub leaves: Vec<f64>,
    pub bits: Vec<u32>,
    pub trees: Vec<Tree>,
    pub max_leaves: usize,
    pub n_categorical_splits: usize,
}

impl Trees {
    /// Validate and append one `Tree=i` block of a model with `n_features` features.
    pub fn push(&mut self, b: &Block<'_>, n_features: usize) -> Result<(), LoadError> {
        if b.get("is_linear").is_some_and(|v| v.trim() != "0") {
            return Err(text_error(
                &b.name,
                "is a linear tree (linear_tree=True), which is not supported",
            ));
        }
        let n_leaves: usize = b.num("num_leaves")?;
        if n_leaves == 0 || n_leaves > b.req("leaf_value")?.len() {
            return Err(text_error(
                &b.name,
                format!("num_leaves={n_leaves} does not match its leaf_value line"),
            ));
        }
        let leaf_value: Vec<f64> = b.list("leaf_value", n_leaves)?;
        let tree = Tree {
            nodes: self.nodes.len() as u32,
            n_internal: (n_leaves - 1) as u32,
            leaves: self.leaves.len() as u32,
        };
        let m = n_leaves - 1;
        if m > 0 {
            let n_cat: usize = b.get("num_cat").map_or(Ok(0), |_| b.num("num_cat"))?;
            let feature: Vec<i64> = b.list("split_feature", m)?;
            let threshold: Vec<f64> = b.list("threshold", m)?;
            let decision: Vec<i16> = b.list("decision_type", m)?;
            let left: Vec<i64> = b.list("left_child", m)?;
            let right: Vec<i64> = b.list("right_child", m)?;
            let (bounds, bits): (Vec<u64>, Vec<u32>) = if n_cat > 0 {
                if n_cat > m {
                    return Err(text_error(
                        &b.name,
                        format!("num_cat={n_cat} exceeds its {m} splits"),
                    ));
                }
                let bounds: Vec<u64> = b.list("cat_boundaries", n_cat + 1)?;
                let total = usize::try_from(bounds[n_cat]).unwrap_or(usize::MAX);
                if total > b.req("cat_threshold")?.len() {
                    return Err(text_error(
                        &b.name,
                        "cat_boundaries point past its cat_threshold line",
                    ));
                }
                if bounds[0] != 0 || bounds.windows(2).any(|w| w[0] > w[1]) {
                    return Err(text_error(
                        &b.name,
                        "cat_boundaries are not increasing from 0",
                    ));
                }
                (bounds, b.list("cat_threshold", total)?)
            } else {
                (vec![0], Vec::new())
            };
            let bits_off = self.bits.len();
            for i in 0..m {
                let dt = u8::try_from(decision[i]).ok().filter(|d| *d < 16);
                let dt = dt.ok_or_else(|| {
                    text_error(
                        &b.name,
                        format!("decision_type[{i}]={} is not valid", decision[i]),
                    )
                })?;
                let f = usize::try_from(feature[i]).ok().filter(|f| *f < n_features);
                let f = f.ok_or_else(|| {
                    text_error(
                        &b.name,
                        format!(
                            "split_feature[{i}]={} is outside the model's {n_features} features",
                            feature[i]
                        ),
                    )
                })?;
                let child = |c: i64, side: &str| -> Result<i32, LoadError> {
                    let ok = if c >= 0 {
                        (c as usize) > i && (c as usize) < m
                    } else {
                        ((!c) as usize) < n_leaves
                    };
                    if !ok {
                        return Err(text_error(&b.name, format!("node {i} has {side}_child {c}; internal children must follow their parent and leaves be below {n_leaves}")));
                    }
                    Ok(c as i32)
                };
                let mut threshold_or_range = threshold[i];
                if dt & CATEGORICAL != 0 {
                    let t = threshold[i];
                    let idx =
                        (t >= 0.0 && t.fract() == 0.0 && t < n_cat as f64).then_some(t as usize);
                    let idx = idx.ok_or_else(|| {
                        text_error(
                            &b.name,
                            format!("categorical node {i} names bitset {t} of {n_cat}"),
                        )
                    })?;
                    let start = u32::try_from(bits_off + bounds[idx] as usize);
                    let len = u32::try_from(bounds[idx + 1] - bounds[idx]);
                    let (Ok(start), Ok(len)) = (start, len) else {
                        return Err(text_error(&b.name, "categorical bitsets are too large"));
                    };
                    threshold_or_range = pack_range(start, len);
                    self.n_categorical_splits += 1;
                }
                let missing = (dt >> 2) & 3;
                let default_left = dt & DEFAULT_LEFT != 0;
                // NumericalDecision turns NaN into 0.0 unless the missing type is NaN; a Zero-type
                // node then sends it the default way, a None-type one compares 0.0.
                let nan_left = match missing {
                    MISSING_NAN | MISSING_ZERO => default_left,
                    _ => 0.0 <= threshold[i],
                };
                let flags = (u8::from(nan_left) * NAN_LEFT)
                    | (u8::from(missing == MISSING_ZERO) * ZERO_MISSING);
                self.nodes.push(Node {
                    threshold: threshold_or_range,
                    feature: f as u32,
                    left: child(left[i], "left")?,
                    right: child(right[i], "right")?,
                    decision: dt,
                    flags,
                });
            }
            self.bits.extend(bits);
        }
        if self.nodes.len() > (i32::MAX as usize) || self.bits.len() > (u32::MAX as usize) {
            return Err(text_error(&b.name, "too many nodes in one model"));
        }
        self.leaves.extend(leaf_value);
        self.trees.push(tree);
        self.max_leaves = self.max_leaves.max(n_leaves);
        Ok(())
    }

    #[inline]
    fn next(&self, n: &Node, fval: f64) -> i32 {
        if n.decision & CATEGORICAL != 0 {
            // NaN and negative values go right; then the category's bit in the node's bitset.
            if fval.is_nan() || (fval as i32) < 0 {
                return n.right;
            }
            let c = fval as i32 as u32;
            let word = c / 32;
            let (start, len) = unpack_range(n.threshold);
            let hit = word < len
                && self
                    .bits
                    .get(start as usize + word as usize)
                    .is_some_and(|w| (w >> (c % 32)) & 1 == 1);
            return if hit { n.left } else { n.right };
        }
        if fval.is_nan() {
            return if n.flags & NAN_LEFT != 0 {
                n.left
            } else {
                n.right
            };
        }
        if n.flags & ZERO_MISSING != 0 && fval > -ZERO_THRESHOLD && fval <= ZERO_THRESHOLD {
            return if n.decision & DEFAULT_LEFT != 0 {
                n.left
            } else {
                n.right
            };
        }
        // The only unpredictable choice, as a select rather than a branch.
        [n.right, n.left][usize::from(fval <= n.threshold)]
    }

    /// The value tree `t` gives a row (already cleaned of values within kZeroThreshold of 0).
    #[inline]
    pub fn predict(&self, t: &Tree, row: &[f64]) -> f64 {
        // A one-leaf tree starts at leaf 0 (`!-1`).
        let mut node: i32 = if t.n_internal > 0 { 0 } else { -1 };
        while node >= 0 {
            let Some(n) = self.nodes.get(t.nodes as usize + node as usize) else {
                return 0.0;
            };
            node = self.next(n, row.get(n.feature as usize).copied().unwrap_or(0.0));
        }
        self.leaves
            .get(t.leaves as usize + (!node) as usize)
            .copied()
            .unwrap_or(0.0)
    }
}
