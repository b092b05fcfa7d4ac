//! Values the opcodes make or fill: str and global values, dict pairs, argument lists, and the
//! lists, sets, dicts and objects that APPEND, ADDITEMS and SETITEM extend.

use std::sync::Arc;

use super::machine::{Machine, VALUE_COST};
use crate::model::error::LoadError;
use crate::model::value::{Global, Node, NodeId, Value};

impl Machine<'_> {
    pub(super) fn str_value(bytes: &[u8]) -> Value {
        Value::Str(Arc::from(String::from_utf8_lossy(bytes).as_ref()))
    }

    pub(super) fn global(module: &[u8], name: &[u8]) -> Value {
        Value::Global(Arc::new(Global::new(
            String::from_utf8_lossy(module).into_owned(),
            String::from_utf8_lossy(name).into_owned(),
        )))
    }

    pub(super) fn pairs(&self, items: Vec<Value>) -> Result<Vec<(Value, Value)>, LoadError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.err("a dict needs an even number of items (keys and values)"));
        }
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            out.push((k, v));
        }
        Ok(out)
    }

    /// The items of an argument tuple (or list).
    pub(super) fn args_of(&mut self, args: &Value, what: &str) -> Result<Vec<Value>, LoadError> {
        let n = match self.heap.get(args) {
            Some(Node::Tuple(items)) | Some(Node::List(items)) => items.len(),
            _ => 0,
        };
        self.charge(n.saturating_mul(VALUE_COST))?;
        match self.heap.get(args) {
            Some(Node::Tuple(items)) | Some(Node::List(items)) => Ok(items.clone()),
            _ => Err(self.err(format!(
                "{what} arguments are {}, not a tuple",
                self.heap.describe(args)
            ))),
        }
    }

    fn target_id(&self, target: &Value, what: &str) -> Result<NodeId, LoadError> {
        match target {
            Value::Ref(id) => Ok(*id),
            other => Err(self.err(format!("{what} on {}", self.heap.describe(other)))),
        }
    }

    pub(super) fn extend_list(
        &mut self,
        target: &Value,
        items: Vec<Value>,
    ) -> Result<(), LoadError> {
        let id = self.target_id(target, "APPEND")?;
        match self.heap.node_mut(id) {
            Node::List(v) => v.extend(items),
            Node::Object(o) => o.list_items.extend(items),
            Node::Set(v) => v.extend(items),
            _ => return Err(self.err(format!("APPEND on {}", self.heap.describe(target)))),
        }
        Ok(())
    }

    pub(super) fn add_items(&mut self, target: &Value, items: Vec<Value>) -> Result<(), LoadError> {
        let id = self.target_id(target, "ADDITEMS")?;
        match self.heap.node_mut(id) {
            Node::Set(v) => v.extend(items),
            Node::Object(o) => o.list_items.extend(items),
            _ => return Err(self.err(format!("ADDITEMS on {}", self.heap.describe(target)))),
        }
        Ok(())
    }

    pub(super) fn extend_dict(
        &mut self,
        target: &Value,
        pairs: Vec<(Value, Value)>,
    ) -> Result<(), LoadError> {
        let id = self.target_id(target, "SETITEM")?;
        match self.heap.node_mut(id) {
            Node::Dict(v) => v.extend(pairs),
            Node::Object(o) => o.dict_items.extend(pairs),
            _ => return Err(self.err(format!("SETITEM on {}", self.heap.describe(target)))),
        }
        Ok(())
    }
}
