//! BUILD: give an object its state. numpy arrays made by `_reconstruct` are decoded here, and a
//! joblib NumpyArrayWrapper reads its array bytes (or nested object-array pickle) that follow it.

use super::machine::Machine;
use super::reader::Reader;
use crate::model::error::LoadError;
use crate::model::joblib::wrapper::{self, WrapperPayload};
use crate::model::value::{Node, NodeId, Value};

impl<'a> Machine<'a> {
    /// Apply BUILD `state` to `target`. Returns a replacement for the stack top when the object
    /// turned into something else (never, today: arrays are replaced in place so memo refs see them).
    pub(super) fn build(
        &mut self,
        target: &Value,
        state: Value,
        r: &mut Reader<'a>,
    ) -> Result<Option<Value>, LoadError> {
        let Value::Ref(id) = *target else {
            return Err(self.err(format!("BUILD on {}", self.heap.describe(target))));
        };
        if self.pending_arrays.remove(&id) {
            let decoded = crate::model::numpy::pickled::array_from_state(
                &self.heap,
                &mut self.dtypes,
                &state,
            )
            .map_err(|e| self.numpy_err(e))?;
            if let Some(array) = decoded {
                let node = self.array_node(array)?;
                *self.heap.node_mut(id) = node;
                return Ok(None);
            }
            // A dtype this reader does not model: keep the inert object with its state.
        }
        let state = self.merge_slot_state(state)?;
        let class = match self.heap.node_mut(id) {
            Node::Object(obj) => {
                obj.state = Some(state);
                obj.class.clone()
            }
            // Python would set attributes on a subclass instance of list/dict/set; we keep the data.
            _ => return Ok(None),
        };
        if class.module.starts_with("joblib.")
            || class.module.starts_with("sklearn.externals.joblib")
        {
            match class.name.as_str() {
                "NumpyArrayWrapper" => self.read_joblib_array(id, r)?,
                "NDArrayWrapper" | "ZNDArrayWrapper" => {
                    return Err(self.err(
                        "this file was written by joblib older than 0.10, which kept arrays in separate files; re-save the model with a newer joblib",
                    ))
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// `(dict, slotstate)` states (objects with `__slots__`) become one dict.
    fn merge_slot_state(&mut self, state: Value) -> Result<Value, LoadError> {
        let Some(Node::Tuple(items)) = self.heap.get(&state) else {
            return Ok(state);
        };
        let [a, b] = items.as_slice() else {
            return Ok(state);
        };
        let first = match a {
            Value::None => Some(&[][..]),
            _ => self.heap.dict(a),
        };
        let (Some(first), Some(second)) = (first, self.heap.dict(b)) else {
            return Ok(state);
        };
        let n = first.len() + second.len();
        let merged: Vec<_> = first.iter().chain(second).cloned().collect();
        self.charge(n.saturating_mul(2 * super::machine::VALUE_COST))?;
        self.alloc(Node::Dict(merged))
    }

    /// After a NumpyArrayWrapper's BUILD, its array follows in the stream: read it and put the
    /// array in the wrapper's place.
    fn read_joblib_array(&mut self, id: NodeId, r: &mut Reader<'a>) -> Result<(), LoadError> {
        let state = match self.heap.node(id) {
            Node::Object(obj) => obj.state.clone().unwrap_or(Value::None),
            _ => Value::None,
        };
        let payload = wrapper::read(&self.heap, &mut self.dtypes, &state, r)
            .map_err(|e| self.numpy_err(e))?;
        let node = match payload {
            WrapperPayload::Array(array) => self.array_node(array)?,
            WrapperPayload::NestedPickle => {
                if self.nested > 0 {
                    return Err(self.err("a joblib object array nests another joblib array stream"));
                }
                self.nested += 1;
                let at = self.at;
                let result = self.run(r.pos());
                self.nested -= 1;
                self.at = at;
                let (value, end) = result?;
                let node = match self.heap.get(&value) {
                    Some(Node::Array(a)) if a.objects().is_some() => Node::Array(a.clone()),
                    _ => {
                        return Err(self.err(format!(
                            "a joblib object array's stream holds {}, not an object array",
                            self.heap.describe(&value)
                        )))
                    }
                };
                *r = Reader::new(self.data, end);
                node
            }
        };
        *self.heap.node_mut(id) = node;
        self.info.joblib_arrays += 1;
        Ok(())
    }
}
