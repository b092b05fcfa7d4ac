//! The pickled KDTree / BallTree of a fitted neighbours estimator, read as plain data (its
//! `__getstate__` tuple: data, idx_array, node_data, node_bounds, ...) and validated so the
//! depth-first query in `search.rs` visits points in scikit-learn's order without ever indexing
//! out of range. Nothing of the tree is executed.

use ndarray::Array2;

use crate::model::error::LoadError;
use crate::model::numpy::NdArray;
use crate::model::value::{Node, ObjView, Value};

/// One tree node: its slice of `idx_array`, whether it is a leaf, and (ball tree) its radius.
#[derive(Clone, Copy, Debug)]
pub struct TreeNode {
    pub start: usize,
    pub end: usize,
    pub leaf: bool,
    pub radius: f64,
}

/// KD bounds (lower and upper per node) or ball centroids (one per node), n_nodes × n_features.
#[derive(Debug)]
pub enum Bounds {
    Kd {
        lower: Array2<f64>,
        upper: Array2<f64>,
    },
    Ball {
        centroids: Array2<f64>,
    },
}

/// A validated tree.
#[derive(Debug)]
pub struct Tree {
    pub idx_array: Vec<usize>,
    pub nodes: Vec<TreeNode>,
    pub bounds: Bounds,
}

fn array<'a>(
    obj: &ObjView<'a>,
    items: &'a [Value],
    i: usize,
    what: &str,
) -> Result<&'a NdArray, LoadError> {
    match items.get(i).and_then(|v| obj.heap.get(v)) {
        Some(Node::Array(a)) => Ok(a),
        _ => Err(obj.error("_tree", format!("state item {i} ({what}) is not an array"))),
    }
}

/// Read `_tree` for a model fitted on `n` rows of `d` features.
pub fn read(obj: &ObjView<'_>, n: usize, d: usize) -> Result<Tree, LoadError> {
    let value = obj.req("_tree")?;
    let tree = obj.heap.object(value).ok_or_else(|| {
        obj.error(
            "_tree",
            format!(
                "expected a KDTree or BallTree, found {}",
                obj.heap.describe(value)
            ),
        )
    })?;
    // Cython pickles the tree as `newObj(KDTree)` plus its state; the class is the argument.
    let class = match (tree.class.name.as_str(), tree.args.first()) {
        ("newObj", Some(Value::Global(g))) => g.name.as_str(),
        (name, _) => name,
    };
    let kd = match class {
        "KDTree" | "KDTree64" => true,
        "BallTree" | "BallTree64" => false,
        other => return Err(obj.error("_tree", format!("{other} is not a KDTree or BallTree"))),
    };
    let items = tree
        .state
        .as_ref()
        .and_then(|s| obj.heap.sequence(s))
        .filter(|items| items.len() >= 4)
        .ok_or_else(|| {
            obj.error(
                "_tree",
                "state is not the (data, idx_array, node_data, node_bounds, ...) tuple",
            )
        })?;
    let data = array(obj, items, 0, "data")?;
    if data.shape != [n, d] {
        return Err(obj.error(
            "_tree",
            format!("data has shape {:?}, _fit_X is ({n}, {d})", data.shape),
        ));
    }
    let idx_array: Vec<usize> = array(obj, items, 1, "idx_array")?
        .to_i64_vec()
        .map_err(|e| obj.error("_tree", e))?
        .into_iter()
        .map(|i| usize::try_from(i).ok().filter(|&i| i < n))
        .collect::<Option<_>>()
        .ok_or_else(|| obj.error("_tree", format!("idx_array holds an index outside 0..{n}")))?;
    if idx_array.len() != n {
        return Err(obj.error(
            "_tree",
            format!("idx_array has {} entries for {n} rows", idx_array.len()),
        ));
    }
    let node_data = array(obj, items, 2, "node_data")?;
    let field = |name: &str| node_data.field_i64(name).map_err(|e| obj.error("_tree", e));
    let (starts, ends, leaves) = (field("idx_start")?, field("idx_end")?, field("is_leaf")?);
    let radius = node_data
        .field_f64("radius")
        .map_err(|e| obj.error("_tree", e))?;
    let n_nodes = starts.len();
    if n_nodes == 0
        || [ends.len(), leaves.len(), radius.len()]
            .iter()
            .any(|&l| l != n_nodes)
    {
        return Err(obj.error("_tree", "node_data is empty or its fields differ in length"));
    }
    let mut nodes = Vec::with_capacity(n_nodes);
    for i in 0..n_nodes {
        let (start, end) = match (usize::try_from(starts[i]), usize::try_from(ends[i])) {
            (Ok(s), Ok(e)) if s <= e && e <= n => (s, e),
            _ => {
                return Err(obj.error(
                    "_tree",
                    format!("node {i} covers {}..{} of {n} points", starts[i], ends[i]),
                ))
            }
        };
        let leaf = leaves[i] != 0;
        if !leaf && 2 * i + 2 >= n_nodes {
            return Err(obj.error(
                "_tree",
                format!("inner node {i} has no children among {n_nodes} nodes"),
            ));
        }
        nodes.push(TreeNode {
            start,
            end,
            leaf,
            radius: radius[i],
        });
    }
    let b = array(obj, items, 3, "node_bounds")?;
    let planes = if kd { 2 } else { 1 };
    if b.shape != [planes, n_nodes, d] {
        return Err(obj.error(
            "_tree",
            format!(
                "node_bounds has shape {:?}; expected [{planes}, {n_nodes}, {d}]",
                b.shape
            ),
        ));
    }
    let flat = b.to_f64_vec().map_err(|e| obj.error("_tree", e))?;
    let plane = |p: usize| {
        Array2::from_shape_vec(
            (n_nodes, d),
            flat[p * n_nodes * d..(p + 1) * n_nodes * d].to_vec(),
        )
        .map_err(|e| obj.error("_tree", e))
    };
    let bounds = if kd {
        Bounds::Kd {
            lower: plane(0)?,
            upper: plane(1)?,
        }
    } else {
        Bounds::Ball {
            centroids: plane(0)?,
        }
    };
    Ok(Tree {
        idx_array,
        nodes,
        bounds,
    })
}
