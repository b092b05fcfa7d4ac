//! XGBoost regression trees packed into one arena: float32 `x < split_condition` goes left, NaN
//! follows `default_left`, leaves hold their value in `split_conditions`. Each tree is renumbered
//! breadth-first at load (every node reached once from its root), so children always come after
//! their parent and a walk can neither loop nor leave the arena.

use super::json::{doc_error, Json};
use crate::model::error::LoadError;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    /// The split condition of an internal node, the leaf value of a leaf.
    pub value: f32,
    /// The split feature, with [`DEFAULT_LEFT`] set when missing values go left.
    pub feature: u32,
    /// Absolute arena index of the left child; the right child is `left + 1` (children are
    /// numbered together). `0` marks a leaf (a child is never at index 0).
    pub left: u32,
}

/// The bit of `Node::feature` that sends missing values left.
pub const DEFAULT_LEFT: u32 = 1 << 31;

/// Every tree of a model, in boosting order, with its output group (class) per tree.
#[derive(Clone, Debug, Default)]
pub struct Forest {
    pub nodes: Vec<Node>,
    pub roots: Vec<u32>,
    pub groups: Vec<u32>,
    pub max_depth: usize,
}

/// Most nodes one model may hold (the arena is indexed by u32).
pub const MAX_NODES: usize = (u32::MAX / 2) as usize;

impl Forest {
    /// Validate one tree of the model document and append it with its output `group`.
    pub fn push(
        &mut self,
        tree: &Json,
        path: &str,
        n_features: usize,
        group: u32,
    ) -> Result<(), LoadError> {
        let param = tree.req(path, "tree_param")?;
        let n = param.usize_at(path, "num_nodes")?;
        if n == 0 {
            return Err(doc_error(path, "has no nodes"));
        }
        if let Some(size) = param.get("size_leaf_vector").and_then(Json::as_usize) {
            if size > 1 {
                return Err(doc_error(
                    path,
                    format!("has vector leaves of size {size} (multi_strategy=\"multi_output_tree\"), which is not supported"),
                ));
            }
        }
        if self.nodes.len() + n > MAX_NODES {
            return Err(doc_error(path, "too many nodes in one model"));
        }
        let left = tree.numbers_of(path, "left_children", n)?;
        let right = tree.numbers_of(path, "right_children", n)?;
        let feature = tree.numbers_of(path, "split_indices", n)?;
        let cond = tree.numbers_of(path, "split_conditions", n)?;
        let default_left = tree.numbers_of(path, "default_left", n)?;
        if let Some(types) = tree.get("split_type") {
            let types = types
                .numbers()
                .ok_or_else(|| doc_error(path, "\"split_type\" is not an array of numbers"))?;
            if types.iter().any(|t| *t != 0.0) {
                return Err(doc_error(
                    path,
                    "has categorical splits (enable_categorical=True), which are not supported",
                ));
            }
        }
        let offset = self.nodes.len();
        // Breadth-first renumbering: `new_id[old]` once reached; `order` lists old ids by new id.
        let mut new_id = vec![u32::MAX; n];
        let mut depth = vec![0usize; n];
        let mut order = Vec::with_capacity(n);
        new_id[0] = u32::try_from(offset).map_err(|_| doc_error(path, "too many nodes"))?;
        order.push(0usize);
        let mut next = 0;
        while let Some(&old) = order.get(next) {
            next += 1;
            let (l, r) = (left[old], right[old]);
            if l == -1.0 && r == -1.0 {
                continue;
            }
            let mut child = |c: f64| -> Result<u32, LoadError> {
                if !(c >= 0.0 && c < n as f64 && c.fract() == 0.0) {
                    return Err(doc_error(
                        path,
                        format!("node {old} has child {c}, outside 0..{n}"),
                    ));
                }
                let c = c as usize;
                if new_id[c] != u32::MAX || c == 0 {
                    return Err(doc_error(
                        path,
                        format!("node {c} is reached twice; the nodes do not form a tree"),
                    ));
                }
                new_id[c] = (offset + order.len()) as u32;
                depth[c] = depth[old] + 1;
                order.push(c);
                Ok(new_id[c])
            };
            child(l)?;
            child(r)?;
        }
        for &old in &order {
            let leaf = left[old] == -1.0;
            let f = feature[old];
            let valid = f >= 0.0 && f < n_features as f64 && f.fract() == 0.0;
            if !leaf && !valid {
                return Err(doc_error(
                    path,
                    format!("node {old} splits on feature {f}, the model has {n_features}"),
                ));
            }
            self.max_depth = self.max_depth.max(depth[old]);
            let (feature, left_id) = if leaf {
                (0, 0)
            } else {
                let dl = if default_left[old] != 0.0 {
                    DEFAULT_LEFT
                } else {
                    0
                };
                (f as u32 | dl, new_id[left[old] as usize])
            };
            self.nodes.push(Node {
                value: cond[old] as f32,
                feature,
                left: left_id,
            });
        }
        self.roots.push(offset as u32);
        self.groups.push(group);
        Ok(())
    }

    /// The leaf value tree `root` gives a float32 row (NaN = missing).
    #[inline]
    pub fn leaf(&self, root: u32, row: &[f32]) -> f32 {
        let mut i = root as usize;
        loop {
            let Some(n) = self.nodes.get(i) else {
                return 0.0;
            };
            if n.left == 0 {
                return n.value;
            }
            let x = row
                .get((n.feature & !DEFAULT_LEFT) as usize)
                .copied()
                .unwrap_or(f32::NAN);
            // Bitwise, not short-circuit: no branch to mispredict (`NaN < v` is false).
            let go_left = (x.is_nan() & (n.feature & DEFAULT_LEFT != 0)) | (x < n.value);
            i = (n.left + u32::from(!go_left)) as usize;
        }
    }
}
