//! The usual request read straight off simd-json's tape (an object with an id and rows of numbers,
//! nulls or, by name, category strings), with no serde visitor per cell. Anything it does not accept,
//! valid or not, it leaves to the serde reading, whose verdict and message stand.

use std::sync::Arc;

use serde_json::Value;
use simd_json::{Node, StaticNode};

use super::cell::ColumnSeed;
use super::context::Ctx;

/// Fill `ctx` from a tape that simd-json built without error, exactly as `RequestSeed` would; `None`
/// for anything that seed would refuse (and for nothing it accepts). Iterative: nested values that are
/// not read are skipped by their node count.
pub(super) fn read(nodes: &[Node<'_>], ctx: &mut Ctx<'_>) -> Option<()> {
    Walk { nodes, ctx }.request()
}

struct Walk<'t, 'i, 'c, 's> {
    nodes: &'t [Node<'i>],
    ctx: &'c mut Ctx<'s>,
}

/// How many tape nodes a value takes, itself included.
fn span(node: &Node<'_>) -> usize {
    match node {
        Node::Object { count, .. } | Node::Array { count, .. } => count + 1,
        _ => 1,
    }
}

/// A cell: a number (an integer `-0`, which only simd-json keeps as a signed integer 0, is -0.0) or
/// null (NaN); `None` for what the cell visitor refuses (booleans, infinity).
fn number(node: &StaticNode) -> Option<f64> {
    match *node {
        StaticNode::F64(x) if x.is_finite() => Some(x),
        StaticNode::I64(0) => Some(-0.0),
        StaticNode::I64(x) => Some(x as f64),
        StaticNode::U64(x) => Some(x as f64),
        StaticNode::Null => Some(f64::NAN),
        _ => None,
    }
}

/// The request's id as serde_json's `Value` reads it; `None` for a list or an object. An integer `-0`
/// (the only signed 0 on the tape) is the float -0.0 there too, as for a cell.
fn scalar(node: &Node<'_>) -> Option<Value> {
    Some(match *node {
        Node::String(s) => Value::from(s),
        Node::Static(StaticNode::Null) => Value::Null,
        Node::Static(StaticNode::Bool(b)) => Value::from(b),
        Node::Static(StaticNode::I64(0)) => Value::from(-0.0),
        Node::Static(StaticNode::I64(x)) => Value::from(x),
        Node::Static(StaticNode::U64(x)) => Value::from(x),
        Node::Static(StaticNode::F64(x)) => Value::from(x),
        _ => return None,
    })
}

impl Walk<'_, '_, '_, '_> {
    fn request(&mut self) -> Option<()> {
        let Node::Object { len, .. } = *self.nodes.first()? else {
            return None;
        };
        let mut at = 1;
        for _ in 0..len {
            let Node::String(key) = *self.nodes.get(at)? else {
                return None;
            };
            at += 1;
            at = match key {
                "id" => {
                    self.ctx.id = Some(scalar(self.nodes.get(at)?)?);
                    at + 1
                }
                "features" | "instances" => {
                    if self.ctx.single.is_some() {
                        return None;
                    }
                    let single = key == "features";
                    self.ctx.single = Some(single);
                    if single {
                        self.row(at)?
                    } else {
                        self.instances(at)?
                    }
                }
                _ => at + span(self.nodes.get(at)?),
            };
        }
        Some(())
    }

    /// `instances`: a list of at most `max_instances` rows. Returns the index after it.
    fn instances(&mut self, at: usize) -> Option<usize> {
        let Node::Array { len, .. } = *self.nodes.get(at)? else {
            return None;
        };
        if len > self.ctx.schema.max_instances {
            return None;
        }
        let mut at = at + 1;
        for _ in 0..len {
            at = self.row(at)?;
        }
        Some(at)
    }

    fn row(&mut self, at: usize) -> Option<usize> {
        match *self.nodes.get(at)? {
            Node::Array { len, .. } => self.positional_row(at, len),
            Node::Object { len, .. } => self.named_row(at, len),
            _ => None,
        }
    }

    /// A list of `len` numbers or nulls, as wide as the rows before it (or the model).
    fn positional_row(&mut self, at: usize, len: usize) -> Option<usize> {
        let ctx = &mut *self.ctx;
        match ctx.width {
            Some(width) if width != len => return None,
            None if len == 0 => return None,
            _ => ctx.width = Some(len),
        }
        let cells = self.nodes.get(at + 1..at + 1 + len)?;
        for cell in cells {
            let Node::Static(value) = cell else {
                return None;
            };
            ctx.rows.values.push(number(value)?);
        }
        ctx.rows.n_rows += 1;
        Some(at + 1 + len)
    }

    /// An object of `len` feature names to numbers, nulls or strings, holding every feature once.
    fn named_row(&mut self, at: usize, len: usize) -> Option<usize> {
        let ctx = &mut *self.ctx;
        let schema = ctx.schema;
        let names = schema.names.as_deref()?;
        let width = names.len();
        if ctx.width.is_some_and(|w| w != width) || len != width {
            return None;
        }
        let start = ctx.begin_named_row(width);
        let mut columns = ColumnSeed {
            index: &schema.index,
            names,
            hint: 0,
        };
        let pairs = self.nodes.get(at + 1..at + 1 + 2 * len)?;
        for pair in pairs.chunks_exact(2) {
            let (Node::String(key), value) = (pair[0], &pair[1]) else {
                return None;
            };
            let col = columns.column(key.as_bytes()).ok()?;
            if std::mem::replace(ctx.seen.get_mut(col)?, true) {
                return None;
            }
            columns.hint = col + 1;
            match *value {
                Node::Static(ref cell) => ctx.rows.values[start + col] = number(cell)?,
                Node::String(text) => ctx.rows.text.push((start + col, Arc::from(text))),
                _ => return None,
            }
        }
        ctx.rows.n_rows += 1;
        Some(at + 1 + 2 * len)
    }
}

#[cfg(test)]
#[path = "tape_tests.rs"]
mod tests;
