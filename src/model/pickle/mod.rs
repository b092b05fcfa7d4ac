//! A non-evaluating pickle machine for protocols 0-5. Globals become inert `Object`s; only an
//! allow-list (numpy, a few builtins, copyreg) is interpreted, and nothing is ever executed.
//! Layout: `reader` (bounded bytes), `opcodes`, `text` (protocol-0 args), `machine` (state), `dispatch`
//! (opcode loop), `frame` (stack, memo), `values`, `globals` (allowed calls), `build` (BUILD, numpy, joblib).

mod build;
mod dispatch;
mod frame;
mod globals;
mod machine;
pub mod opcodes;
pub(crate) mod reader;
mod text;
mod values;

pub(crate) use reader::Reader;

use super::error::LoadError;
use super::value::{Heap, Value};

/// Hard limits that keep hostile files from exhausting memory, stack or time.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Most items on the pickle stack (including marks).
    pub max_stack: usize,
    /// Most memo entries.
    pub max_memo: usize,
    /// Most heap nodes.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stack: 1 << 20,
            max_memo: 1 << 22,
            max_nodes: 1 << 24,
        }
    }
}

/// What the machine learned about the stream besides its value.
#[derive(Clone, Debug, Default)]
pub struct PickleInfo {
    /// The protocol from the PROTO opcode (0 or 1 when absent... reported as 0).
    pub protocol: u8,
    /// joblib NumpyArrayWrapper arrays were read inline after the pickle stream.
    pub joblib_arrays: usize,
    /// Bytes consumed.
    pub consumed: usize,
}

/// Run the machine over `data` (already decompressed) and return the heap and the root value.
///
/// The stream must end with STOP. Bytes after STOP are refused, except in a joblib file (one that
/// held NumpyArrayWrapper arrays), where the unpickler historically stops reading at STOP.
pub fn unpickle(data: &[u8], limits: &Limits) -> Result<(Heap, Value, PickleInfo), LoadError> {
    machine::Machine::new(data, limits).run_top()
}
