//! The pickle machine's shared state: heap, dtype cache, limits and copy budget for one load; the
//! opcode loop is in `dispatch`, the stack and memo in `frame`, value building in `values`.

use std::collections::HashSet;

use super::{Limits, PickleInfo};
use crate::model::error::LoadError;
use crate::model::numpy::pickled::DtypeCache;
use crate::model::value::{Heap, Node, NodeId, Value};

/// Total record-dtype fields that may be copied into arrays (guards against a huge dtype shared
/// by many small arrays multiplying memory).
const DTYPE_FIELD_BUDGET: usize = 1 << 20;

/// Bytes the machine may copy out of values it already holds (argument tuples re-used through the
/// memo, bytes turned into bytearrays, array data): a multiple of the input plus a fixed allowance.
/// Without it a few memo GETs of one huge tuple could multiply memory without bound.
const COPY_FACTOR: usize = 8;
const COPY_ALLOWANCE: usize = 256 << 20;

/// Charge for copying one `Value` (its size, rounded up).
pub(super) const VALUE_COST: usize = 32;

/// The machine: shared heap and caches, plus the stream being read.
pub(super) struct Machine<'a> {
    pub(super) data: &'a [u8],
    pub(super) limits: &'a Limits,
    pub(super) heap: Heap,
    pub(super) dtypes: DtypeCache,
    /// Objects made by numpy's `_reconstruct`, waiting for their BUILD state.
    pub(super) pending_arrays: HashSet<NodeId>,
    pub(super) info: PickleInfo,
    pub(super) field_budget: usize,
    /// Remaining copy allowance in bytes (see `COPY_FACTOR`).
    pub(super) copy_budget: usize,
    /// Offset of the opcode being executed, for errors.
    pub(super) at: u64,
    /// Nesting of joblib object-array streams (only one level is allowed).
    pub(super) nested: usize,
}

impl<'a> Machine<'a> {
    pub(super) fn new(data: &'a [u8], limits: &'a Limits) -> Self {
        Machine {
            data,
            limits,
            heap: Heap::new(),
            dtypes: DtypeCache::new(),
            pending_arrays: HashSet::new(),
            info: PickleInfo::default(),
            field_budget: DTYPE_FIELD_BUDGET,
            copy_budget: data
                .len()
                .saturating_mul(COPY_FACTOR)
                .saturating_add(COPY_ALLOWANCE),
            at: 0,
            nested: 0,
        }
    }

    pub(super) fn run_top(mut self) -> Result<(Heap, Value, PickleInfo), LoadError> {
        let (value, end) = self.run(0)?;
        if end < self.data.len() && self.info.joblib_arrays == 0 {
            return Err(LoadError::pickle(
                end as u64,
                format!(
                    "{} bytes of data follow the STOP opcode; the file holds more than one pickle or is corrupt",
                    self.data.len() - end
                ),
            ));
        }
        self.info.consumed = end;
        Ok((self.heap, value, self.info))
    }

    pub(super) fn err(&self, message: impl Into<String>) -> LoadError {
        LoadError::pickle(self.at, message)
    }

    /// Account for copying `bytes` bytes out of values already held.
    pub(super) fn charge(&mut self, bytes: usize) -> Result<(), LoadError> {
        self.copy_budget = self.copy_budget.checked_sub(bytes).ok_or_else(|| {
            LoadError::limit(
                self.at,
                "the pickle re-uses its own values so often that copying them would exhaust memory",
            )
        })?;
        Ok(())
    }

    pub(super) fn alloc(&mut self, node: Node) -> Result<Value, LoadError> {
        if self.heap.len() >= self.limits.max_nodes {
            return Err(LoadError::limit(
                self.at,
                format!("more than {} containers and objects", self.limits.max_nodes),
            ));
        }
        Ok(self.heap.alloc(node))
    }
}
