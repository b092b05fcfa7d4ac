//! HistGradientBoosting `TreePredictor` nodes packed into one arena: float64 thresholds,
//! `missing_go_to_left`, and categorical splits through 256-bit bitsets (raw left-categories and
//! the known categories per categorical feature), validated so every walk moves forward.

use crate::model::error::LoadError;
use crate::model::value::ObjView;

/// A bitset over category values 0..=255, as scikit-learn's eight uint32 words.
pub type Bitset = [u32; 8];

/// Is category `v` in the bitset?
#[inline]
pub fn in_bitset(bits: &Bitset, v: u8) -> bool {
    (bits[usize::from(v / 32)] >> (v % 32)) & 1 == 1
}

/// C's `(uint8_t)double` for a non-negative double, as compiled on x86-64 (truncate to int32, keep the
/// low byte; out-of-range values become 0x80000000, whose low byte is 0).
#[inline]
pub fn as_category(v: f64) -> u8 {
    if v < 2_147_483_648.0 {
        (v as i32) as u8
    } else {
        0
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    pub value: f64,
    pub threshold: f64,
    pub feature: u32,
    /// Absolute arena indices; `left == 0` marks a leaf (children always follow their parent).
    pub left: u32,
    pub right: u32,
    pub missing_left: bool,
    /// Index into the arena's bitsets of this node's left categories, for categorical splits.
    pub cat_bitset: Option<u32>,
}

/// All predictors of a model. `bitsets` holds every predictor's `raw_left_cat_bitsets` rows.
#[derive(Clone, Debug, Default)]
pub struct HgbTrees {
    pub nodes: Vec<Node>,
    pub bitsets: Vec<Bitset>,
    pub roots: Vec<u32>,
    pub max_depth: usize,
}

const MAX_NODES: usize = u32::MAX as usize / 2;

impl HgbTrees {
    /// Validate and append one `TreePredictor`. `is_categorical[f]` says which features may split
    /// on categories.
    pub fn push(&mut self, pred: &ObjView<'_>, is_categorical: &[bool]) -> Result<(), LoadError> {
        let nodes = pred.array("nodes")?;
        if nodes.shape.len() != 1 || nodes.shape[0] == 0 {
            return Err(pred.error(
                "nodes",
                format!(
                    "expected a non-empty 1-d record array, found shape {:?}",
                    nodes.shape
                ),
            ));
        }
        let n = nodes.shape[0];
        if self.nodes.len() + n > MAX_NODES {
            return Err(pred.error("nodes", "too many nodes in one model"));
        }
        let value = nodes.field_f64("value")?;
        let feature = nodes.field_i64("feature_idx")?;
        let threshold = nodes.field_f64("num_threshold")?;
        let missing = nodes.field_i64("missing_go_to_left")?;
        let left = nodes.field_i64("left")?;
        let right = nodes.field_i64("right")?;
        let is_leaf = nodes.field_i64("is_leaf")?;
        let is_cat = if nodes.has_field("is_categorical") {
            nodes.field_i64("is_categorical")?
        } else {
            vec![0; n]
        };
        let bitset_idx = if nodes.has_field("bitset_idx") {
            nodes.field_i64("bitset_idx")?
        } else {
            vec![0; n]
        };
        let fields = [
            &feature,
            &missing,
            &left,
            &right,
            &is_leaf,
            &is_cat,
            &bitset_idx,
        ];
        if value.len() < n || threshold.len() < n || fields.iter().any(|f| f.len() < n) {
            return Err(pred.error("nodes", "a node field is shorter than the node array"));
        }
        let raw_bitsets = read_bitsets(pred)?;
        let offset = self.nodes.len();
        let bitset_offset = self.bitsets.len();
        let mut depth = vec![0usize; n];
        let mut packed = Vec::with_capacity(n);
        for i in 0..n {
            if is_leaf[i] != 0 {
                packed.push(Node {
                    value: value[i],
                    threshold: 0.0,
                    feature: 0,
                    left: 0,
                    right: 0,
                    missing_left: false,
                    cat_bitset: None,
                });
                continue;
            }
            let child = |c: i64, side: &str| {
                match usize::try_from(c) {
                Ok(c) if c > i && c < n => Ok(c),
                _ => Err(pred.error("nodes", format!("node {i} has {side} child {c}; children must come after their parent and before {n}"))),
            }
            };
            let (l, r) = (child(left[i], "left")?, child(right[i], "right")?);
            let f = match usize::try_from(feature[i]) {
                Ok(f) if f < is_categorical.len() => f,
                _ => {
                    return Err(pred.error(
                        "nodes",
                        format!(
                            "node {i} splits on feature {} but the model has {} features",
                            feature[i],
                            is_categorical.len()
                        ),
                    ))
                }
            };
            let cat_bitset = if is_cat[i] != 0 {
                let b = usize::try_from(bitset_idx[i])
                    .ok()
                    .filter(|&b| b < raw_bitsets.len());
                match (b, is_categorical[f]) {
                    (Some(b), true) => Some((bitset_offset + b) as u32),
                    _ => return Err(pred.error("nodes", format!("node {i} is a categorical split with an invalid bitset index {} or on a non-categorical feature {f}", bitset_idx[i]))),
                }
            } else {
                None
            };
            depth[l] = depth[i] + 1;
            depth[r] = depth[i] + 1;
            packed.push(Node {
                value: value[i],
                threshold: threshold[i],
                feature: f as u32,
                left: (offset + l) as u32,
                right: (offset + r) as u32,
                missing_left: missing[i] != 0,
                cat_bitset,
            });
        }
        self.max_depth = self.max_depth.max(depth.into_iter().max().unwrap_or(0));
        self.roots.push(offset as u32);
        self.nodes.extend(packed);
        self.bitsets.extend(raw_bitsets);
        Ok(())
    }

    /// The leaf value a row lands on. `known[f]` is the known-categories bitset of feature `f`.
    #[inline]
    pub fn predict_row(&self, root: u32, row: &[f64], known: &[Bitset]) -> f64 {
        let mut i = root as usize;
        loop {
            let Some(node) = self.nodes.get(i) else {
                return 0.0;
            };
            if node.left == 0 {
                return node.value;
            }
            let f = node.feature as usize;
            let x = row.get(f).copied().unwrap_or(f64::NAN);
            let go_left = if x.is_nan() {
                node.missing_left
            } else if let Some(b) = node.cat_bitset {
                if x < 0.0 {
                    node.missing_left
                } else {
                    let cat = as_category(x);
                    let left_set = self.bitsets.get(b as usize);
                    if left_set.is_some_and(|bits| in_bitset(bits, cat)) {
                        true
                    } else if known.get(f).is_some_and(|bits| in_bitset(bits, cat)) {
                        false
                    } else {
                        node.missing_left
                    }
                }
            } else {
                x <= node.threshold
            };
            i = if go_left { node.left } else { node.right } as usize;
        }
    }
}

/// `raw_left_cat_bitsets`: uint32 array of shape (n_bitsets, 8); absent or empty when no split is categorical.
fn read_bitsets(pred: &ObjView<'_>) -> Result<Vec<Bitset>, LoadError> {
    if !pred.has("raw_left_cat_bitsets") {
        return Ok(Vec::new());
    }
    let arr = pred.array("raw_left_cat_bitsets")?;
    match arr.shape.as_slice() {
        [_, 8] | [0] | [0, _] => {}
        shape => {
            return Err(pred.error(
                "raw_left_cat_bitsets",
                format!("expected shape (n, 8), found {shape:?}"),
            ))
        }
    }
    let words = arr.to_i64_vec()?;
    Ok(words
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u32; 8];
            for (o, w) in b.iter_mut().zip(c) {
                *o = *w as u32;
            }
            b
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitset_membership_matches_word_layout() {
        let mut b = [0u32; 8];
        b[1] = 1 << 3; // category 35
        assert!(in_bitset(&b, 35));
        assert!(!in_bitset(&b, 3));
    }

    #[test]
    fn category_cast_truncates_like_c() {
        assert_eq!(as_category(2.9), 2);
        assert_eq!(as_category(300.0), 44);
        assert_eq!(as_category(1e300), 0);
    }
}
