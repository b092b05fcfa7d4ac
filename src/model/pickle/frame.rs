//! One pickle stream's stack, mark stack and memo, and the machine's checked operations on them
//! (push, pop, MARK handling, PUT and GET), each bounded by `Limits`.

use std::collections::HashMap;

use super::machine::Machine;
use crate::model::error::LoadError;
use crate::model::value::Value;

/// One pickle stream's private state (a nested joblib stream gets its own).
#[derive(Default)]
pub(super) struct Frame {
    pub(super) stack: Vec<Value>,
    pub(super) marks: Vec<usize>,
    /// Memo keys are almost always dense from 0 (MEMOIZE, BINPUT): those live in a vector, any
    /// others in a map.
    memo_dense: Vec<Option<Value>>,
    memo_sparse: HashMap<u64, Value>,
    pub(super) memo_len: usize,
}

impl Frame {
    fn memo_get(&self, key: u64) -> Option<&Value> {
        match usize::try_from(key) {
            Ok(k) if k < self.memo_dense.len() => self.memo_dense[k].as_ref(),
            _ => self.memo_sparse.get(&key),
        }
    }

    fn memo_contains(&self, key: u64) -> bool {
        self.memo_get(key).is_some()
    }

    fn memo_insert(&mut self, key: u64, v: Value) {
        let is_new = !self.memo_contains(key);
        match usize::try_from(key) {
            // Grow the dense part only one step at a time, so a stray huge key cannot allocate.
            Ok(k) if k <= self.memo_dense.len() && !self.memo_sparse.contains_key(&key) => {
                if k == self.memo_dense.len() {
                    self.memo_dense.push(Some(v));
                } else {
                    self.memo_dense[k] = Some(v);
                }
            }
            _ => {
                self.memo_sparse.insert(key, v);
            }
        }
        if is_new {
            self.memo_len += 1;
        }
    }
}

impl Machine<'_> {
    pub(super) fn push(&self, f: &mut Frame, v: Value) -> Result<(), LoadError> {
        if f.stack.len() + f.marks.len() >= self.limits.max_stack {
            return Err(LoadError::limit(
                self.at,
                format!(
                    "more than {} items on the pickle stack",
                    self.limits.max_stack
                ),
            ));
        }
        f.stack.push(v);
        Ok(())
    }

    pub(super) fn base(f: &Frame) -> usize {
        f.marks.last().copied().unwrap_or(0)
    }

    pub(super) fn pop(&self, f: &mut Frame) -> Result<Value, LoadError> {
        if f.stack.len() <= Self::base(f) {
            return Err(self.err("stack underflow: an opcode needs a value that is not there"));
        }
        f.stack.pop().ok_or_else(|| self.err("stack underflow"))
    }

    pub(super) fn top(&self, f: &Frame) -> Result<Value, LoadError> {
        if f.stack.len() <= Self::base(f) {
            return Err(self.err("stack underflow: an opcode needs a value that is not there"));
        }
        f.stack
            .last()
            .cloned()
            .ok_or_else(|| self.err("stack underflow"))
    }

    pub(super) fn pop_mark(&self, f: &mut Frame) -> Result<Vec<Value>, LoadError> {
        let base = f
            .marks
            .pop()
            .ok_or_else(|| self.err("an opcode needs a MARK but there is none"))?;
        Ok(f.stack.split_off(base.min(f.stack.len())))
    }

    pub(super) fn memo_put(&self, f: &mut Frame, key: u64) -> Result<(), LoadError> {
        let v = self.top(f)?;
        if f.memo_len >= self.limits.max_memo && !f.memo_contains(key) {
            return Err(LoadError::limit(
                self.at,
                format!("more than {} memo entries", self.limits.max_memo),
            ));
        }
        f.memo_insert(key, v);
        Ok(())
    }

    pub(super) fn memo_get(&self, f: &mut Frame, key: u64) -> Result<(), LoadError> {
        let v = f
            .memo_get(key)
            .cloned()
            .ok_or_else(|| self.err(format!("memo key {key} was never stored")))?;
        self.push(f, v)
    }
}
