//! The opcode loop: an explicit stack, mark stack and memo (no recursion), every push and
//! allocation checked against `Limits`, every error carrying the byte offset of its opcode.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::opcodes as op;
use super::reader::Reader;
use super::text;
use super::{Limits, PickleInfo};
use crate::model::error::LoadError;
use crate::model::numpy::pickled::DtypeCache;
use crate::model::value::{Global, Heap, Node, NodeId, Value};

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

/// One pickle stream's private state (a nested joblib stream gets its own).
#[derive(Default)]
pub(super) struct Frame {
    stack: Vec<Value>,
    marks: Vec<usize>,
    /// Memo keys are almost always dense from 0 (MEMOIZE, BINPUT): those live in a vector, any
    /// others in a map.
    memo_dense: Vec<Option<Value>>,
    memo_sparse: HashMap<u64, Value>,
    memo_len: usize,
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

    fn push(&self, f: &mut Frame, v: Value) -> Result<(), LoadError> {
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

    fn base(f: &Frame) -> usize {
        f.marks.last().copied().unwrap_or(0)
    }

    fn pop(&self, f: &mut Frame) -> Result<Value, LoadError> {
        if f.stack.len() <= Self::base(f) {
            return Err(self.err("stack underflow: an opcode needs a value that is not there"));
        }
        f.stack.pop().ok_or_else(|| self.err("stack underflow"))
    }

    fn top(&self, f: &Frame) -> Result<Value, LoadError> {
        if f.stack.len() <= Self::base(f) {
            return Err(self.err("stack underflow: an opcode needs a value that is not there"));
        }
        f.stack
            .last()
            .cloned()
            .ok_or_else(|| self.err("stack underflow"))
    }

    fn pop_mark(&self, f: &mut Frame) -> Result<Vec<Value>, LoadError> {
        let base = f
            .marks
            .pop()
            .ok_or_else(|| self.err("an opcode needs a MARK but there is none"))?;
        Ok(f.stack.split_off(base.min(f.stack.len())))
    }

    fn memo_put(&self, f: &mut Frame, key: u64) -> Result<(), LoadError> {
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

    fn memo_get(&self, f: &mut Frame, key: u64) -> Result<(), LoadError> {
        let v = f
            .memo_get(key)
            .cloned()
            .ok_or_else(|| self.err(format!("memo key {key} was never stored")))?;
        self.push(f, v)
    }

    fn str_value(bytes: &[u8]) -> Value {
        Value::Str(Arc::from(String::from_utf8_lossy(bytes).as_ref()))
    }

    fn global(module: &[u8], name: &[u8]) -> Value {
        Value::Global(Arc::new(Global::new(
            String::from_utf8_lossy(module).into_owned(),
            String::from_utf8_lossy(name).into_owned(),
        )))
    }

    /// Run one pickle stream from `start` to its STOP; returns the value and the offset after STOP.
    pub(super) fn run(&mut self, start: usize) -> Result<(Value, usize), LoadError> {
        let mut f = Frame::default();
        let mut r = Reader::new(self.data, start);
        loop {
            self.at = r.offset();
            let code = r.u8("an opcode (the pickle ends without STOP)")?;
            match code {
                op::PROTO => {
                    let v = r.u8("PROTO version")?;
                    if v > op::HIGHEST_PROTOCOL {
                        return Err(self.err(format!(
                            "pickle protocol {v} is not supported (highest is {})",
                            op::HIGHEST_PROTOCOL
                        )));
                    }
                    if self.nested == 0 {
                        self.info.protocol = v;
                    }
                }
                op::FRAME => {
                    let n = r.u64_le("FRAME length")?;
                    if n > r.remaining() as u64 {
                        return Err(self.err(format!(
                            "FRAME declares {n} bytes but only {} are left; the file is truncated",
                            r.remaining()
                        )));
                    }
                }
                op::STOP => {
                    let v = self.pop(&mut f)?;
                    return Ok((v, r.pos()));
                }
                op::MARK => {
                    if f.stack.len() + f.marks.len() >= self.limits.max_stack {
                        return Err(LoadError::limit(
                            self.at,
                            format!(
                                "more than {} nested MARKs and stack items",
                                self.limits.max_stack
                            ),
                        ));
                    }
                    f.marks.push(f.stack.len());
                }
                op::POP => {
                    if f.stack.len() > Self::base(&f) {
                        f.stack.pop();
                    } else {
                        self.pop_mark(&mut f)?;
                    }
                }
                op::POP_MARK => {
                    self.pop_mark(&mut f)?;
                }
                op::DUP => {
                    let v = self.top(&f)?;
                    self.push(&mut f, v)?;
                }
                op::NONE => self.push(&mut f, Value::None)?,
                op::NEWTRUE => self.push(&mut f, Value::Bool(true))?,
                op::NEWFALSE => self.push(&mut f, Value::Bool(false))?,
                op::INT => {
                    let line = r.line("INT")?;
                    let v = text::parse_int_opcode(line)
                        .ok_or_else(|| self.err("INT argument is not an integer"))?;
                    self.push(&mut f, v)?;
                }
                op::LONG => {
                    let line = r.line("LONG")?;
                    let v = text::parse_decimal(line)
                        .ok_or_else(|| self.err("LONG argument is not an integer"))?;
                    self.push(&mut f, v)?;
                }
                op::BININT => {
                    let v = r.i32_le("BININT")?;
                    self.push(&mut f, Value::Int(i64::from(v)))?;
                }
                op::BININT1 => {
                    let v = r.u8("BININT1")?;
                    self.push(&mut f, Value::Int(i64::from(v)))?;
                }
                op::BININT2 => {
                    let v = r.u16_le("BININT2")?;
                    self.push(&mut f, Value::Int(i64::from(v)))?;
                }
                op::LONG1 => {
                    let n = r.u8("LONG1 length")?;
                    let b = r.take(usize::from(n), "LONG1")?;
                    self.push(&mut f, text::long_from_le(b))?;
                }
                op::LONG4 => {
                    let n = r.i32_le("LONG4 length")?;
                    let n =
                        u64::try_from(n).map_err(|_| self.err("LONG4 has a negative length"))?;
                    let b = r.take_len(n, "LONG4")?;
                    self.push(&mut f, text::long_from_le(b))?;
                }
                op::FLOAT => {
                    let line = r.line("FLOAT")?;
                    let v = text::parse_float(line)
                        .ok_or_else(|| self.err("FLOAT argument is not a number"))?;
                    self.push(&mut f, Value::Float(v))?;
                }
                op::BINFLOAT => {
                    let v = f64::from_be_bytes(r.array("BINFLOAT")?);
                    self.push(&mut f, Value::Float(v))?;
                }
                op::STRING => {
                    let line = r.line("STRING")?;
                    let b = text::unquote_string(line)
                        .ok_or_else(|| self.err("STRING argument is not a quoted string"))?;
                    self.push(&mut f, Value::Bytes(Arc::from(b)))?;
                }
                op::BINSTRING => {
                    let n = r.i32_le("BINSTRING length")?;
                    let n = u64::try_from(n)
                        .map_err(|_| self.err("BINSTRING has a negative length"))?;
                    let b = r.take_len(n, "BINSTRING")?;
                    self.push(&mut f, Value::Bytes(Arc::from(b)))?;
                }
                op::SHORT_BINSTRING => {
                    let n = r.u8("SHORT_BINSTRING length")?;
                    let b = r.take(usize::from(n), "SHORT_BINSTRING")?;
                    self.push(&mut f, Value::Bytes(Arc::from(b)))?;
                }
                op::UNICODE => {
                    let line = r.line("UNICODE")?;
                    let s = text::decode_raw_unicode_escape(line)
                        .ok_or_else(|| self.err("UNICODE argument has a bad escape"))?;
                    self.push(&mut f, Value::Str(Arc::from(s)))?;
                }
                op::BINUNICODE => {
                    let n = r.u32_le("BINUNICODE length")?;
                    let b = r.take_len(u64::from(n), "BINUNICODE")?;
                    self.push(&mut f, Self::str_value(b))?;
                }
                op::SHORT_BINUNICODE => {
                    let n = r.u8("SHORT_BINUNICODE length")?;
                    let b = r.take(usize::from(n), "SHORT_BINUNICODE")?;
                    self.push(&mut f, Self::str_value(b))?;
                }
                op::BINUNICODE8 => {
                    let n = r.u64_le("BINUNICODE8 length")?;
                    let b = r.take_len(n, "BINUNICODE8")?;
                    self.push(&mut f, Self::str_value(b))?;
                }
                op::BINBYTES => {
                    let n = r.u32_le("BINBYTES length")?;
                    let b = r.take_len(u64::from(n), "BINBYTES")?;
                    self.push(&mut f, Value::Bytes(Arc::from(b)))?;
                }
                op::SHORT_BINBYTES => {
                    let n = r.u8("SHORT_BINBYTES length")?;
                    let b = r.take(usize::from(n), "SHORT_BINBYTES")?;
                    self.push(&mut f, Value::Bytes(Arc::from(b)))?;
                }
                op::BINBYTES8 => {
                    let n = r.u64_le("BINBYTES8 length")?;
                    let b = r.take_len(n, "BINBYTES8")?;
                    self.push(&mut f, Value::Bytes(Arc::from(b)))?;
                }
                op::BYTEARRAY8 => {
                    let n = r.u64_le("BYTEARRAY8 length")?;
                    let b = r.take_len(n, "BYTEARRAY8")?;
                    let v = self.alloc(Node::ByteArray(b.to_vec()))?;
                    self.push(&mut f, v)?;
                }
                op::EMPTY_LIST => {
                    let v = self.alloc(Node::List(Vec::new()))?;
                    self.push(&mut f, v)?;
                }
                op::EMPTY_TUPLE => {
                    let v = self.alloc(Node::Tuple(Vec::new()))?;
                    self.push(&mut f, v)?;
                }
                op::EMPTY_DICT => {
                    let v = self.alloc(Node::Dict(Vec::new()))?;
                    self.push(&mut f, v)?;
                }
                op::EMPTY_SET => {
                    let v = self.alloc(Node::Set(Vec::new()))?;
                    self.push(&mut f, v)?;
                }
                op::LIST => {
                    let items = self.pop_mark(&mut f)?;
                    let v = self.alloc(Node::List(items))?;
                    self.push(&mut f, v)?;
                }
                op::TUPLE => {
                    let items = self.pop_mark(&mut f)?;
                    let v = self.alloc(Node::Tuple(items))?;
                    self.push(&mut f, v)?;
                }
                op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                    let n = usize::from(code - op::TUPLE1) + 1;
                    if f.stack.len() < Self::base(&f) + n {
                        return Err(self.err(format!("TUPLE{n} needs {n} values on the stack")));
                    }
                    let items = f.stack.split_off(f.stack.len() - n);
                    let v = self.alloc(Node::Tuple(items))?;
                    self.push(&mut f, v)?;
                }
                op::FROZENSET => {
                    let items = self.pop_mark(&mut f)?;
                    let v = self.alloc(Node::FrozenSet(items))?;
                    self.push(&mut f, v)?;
                }
                op::DICT => {
                    let items = self.pop_mark(&mut f)?;
                    let pairs = self.pairs(items)?;
                    let v = self.alloc(Node::Dict(pairs))?;
                    self.push(&mut f, v)?;
                }
                op::APPEND => {
                    let item = self.pop(&mut f)?;
                    let target = self.top(&f)?;
                    self.extend_list(&target, vec![item])?;
                }
                op::APPENDS => {
                    let items = self.pop_mark(&mut f)?;
                    let target = self.top(&f)?;
                    self.extend_list(&target, items)?;
                }
                op::ADDITEMS => {
                    let items = self.pop_mark(&mut f)?;
                    let target = self.top(&f)?;
                    self.add_items(&target, items)?;
                }
                op::SETITEM => {
                    let value = self.pop(&mut f)?;
                    let key = self.pop(&mut f)?;
                    let target = self.top(&f)?;
                    self.extend_dict(&target, vec![(key, value)])?;
                }
                op::SETITEMS => {
                    let items = self.pop_mark(&mut f)?;
                    let pairs = self.pairs(items)?;
                    let target = self.top(&f)?;
                    self.extend_dict(&target, pairs)?;
                }
                op::GLOBAL => {
                    let module = r.line("GLOBAL module")?;
                    let name = r.line("GLOBAL name")?;
                    self.push(&mut f, Self::global(module, name))?;
                }
                op::STACK_GLOBAL => {
                    let name = self.pop(&mut f)?;
                    let module = self.pop(&mut f)?;
                    let (Value::Str(module), Value::Str(name)) = (&module, &name) else {
                        return Err(self.err("STACK_GLOBAL needs a module and a name as str"));
                    };
                    self.push(&mut f, Self::global(module.as_bytes(), name.as_bytes()))?;
                }
                op::REDUCE => {
                    let args = self.pop(&mut f)?;
                    let callable = self.pop(&mut f)?;
                    let args = self.args_of(&args, "REDUCE")?;
                    let v = self.call(callable, args, Vec::new())?;
                    self.push(&mut f, v)?;
                }
                op::NEWOBJ => {
                    let args = self.pop(&mut f)?;
                    let cls = self.pop(&mut f)?;
                    let args = self.args_of(&args, "NEWOBJ")?;
                    let v = self.call(cls, args, Vec::new())?;
                    self.push(&mut f, v)?;
                }
                op::NEWOBJ_EX => {
                    let kwargs = self.pop(&mut f)?;
                    let args = self.pop(&mut f)?;
                    let cls = self.pop(&mut f)?;
                    let args = self.args_of(&args, "NEWOBJ_EX")?;
                    let n = self.heap.dict(&kwargs).map_or(0, <[_]>::len);
                    self.charge(n.saturating_mul(2 * VALUE_COST))?;
                    let kwargs = match self.heap.dict(&kwargs) {
                        Some(d) => d.to_vec(),
                        None => return Err(self.err("NEWOBJ_EX keyword arguments are not a dict")),
                    };
                    let v = self.call(cls, args, kwargs)?;
                    self.push(&mut f, v)?;
                }
                op::OBJ => {
                    let mut items = self.pop_mark(&mut f)?;
                    if items.is_empty() {
                        return Err(self.err("OBJ needs a class after its MARK"));
                    }
                    let cls = items.remove(0);
                    let v = self.call(cls, items, Vec::new())?;
                    self.push(&mut f, v)?;
                }
                op::INST => {
                    let module = r.line("INST module")?;
                    let name = r.line("INST name")?;
                    let args = self.pop_mark(&mut f)?;
                    let v = self.call(Self::global(module, name), args, Vec::new())?;
                    self.push(&mut f, v)?;
                }
                op::BUILD => {
                    let state = self.pop(&mut f)?;
                    let target = self.top(&f)?;
                    if let Some(replaced) = self.build(&target, state, &mut r)? {
                        f.stack.pop();
                        self.push(&mut f, replaced)?;
                    }
                }
                op::PUT => {
                    let line = r.line("PUT")?;
                    let k = text::parse_index(line)
                        .ok_or_else(|| self.err("PUT argument is not a memo index"))?;
                    self.memo_put(&mut f, k)?;
                }
                op::BINPUT => {
                    let k = r.u8("BINPUT")?;
                    self.memo_put(&mut f, u64::from(k))?;
                }
                op::LONG_BINPUT => {
                    let k = r.u32_le("LONG_BINPUT")?;
                    self.memo_put(&mut f, u64::from(k))?;
                }
                op::MEMOIZE => {
                    let k = f.memo_len as u64;
                    self.memo_put(&mut f, k)?;
                }
                op::GET => {
                    let line = r.line("GET")?;
                    let k = text::parse_index(line)
                        .ok_or_else(|| self.err("GET argument is not a memo index"))?;
                    self.memo_get(&mut f, k)?;
                }
                op::BINGET => {
                    let k = r.u8("BINGET")?;
                    self.memo_get(&mut f, u64::from(k))?;
                }
                op::LONG_BINGET => {
                    let k = r.u32_le("LONG_BINGET")?;
                    self.memo_get(&mut f, u64::from(k))?;
                }
                op::PERSID | op::BINPERSID => {
                    return Err(LoadError::forbidden(
                        self.at,
                        "persistent IDs (PERSID/BINPERSID) refer to objects outside the file and are not supported",
                    ));
                }
                op::EXT1 | op::EXT2 | op::EXT4 => {
                    return Err(LoadError::forbidden(
                        self.at,
                        "extension codes (EXT1/EXT2/EXT4) name classes through the copyreg registry and are not supported",
                    ));
                }
                op::NEXT_BUFFER | op::READONLY_BUFFER => {
                    return Err(LoadError::forbidden(
                        self.at,
                        "out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER) are not supported; pickle without buffer_callback",
                    ));
                }
                other => {
                    return Err(self.err(format!(
                        "unknown opcode 0x{other:02x}; this is not a valid pickle"
                    )));
                }
            }
        }
    }

    fn pairs(&self, items: Vec<Value>) -> Result<Vec<(Value, Value)>, LoadError> {
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
    fn args_of(&mut self, args: &Value, what: &str) -> Result<Vec<Value>, LoadError> {
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

    fn extend_list(&mut self, target: &Value, items: Vec<Value>) -> Result<(), LoadError> {
        let id = self.target_id(target, "APPEND")?;
        match self.heap.node_mut(id) {
            Node::List(v) => v.extend(items),
            Node::Object(o) => o.list_items.extend(items),
            Node::Set(v) => v.extend(items),
            _ => return Err(self.err(format!("APPEND on {}", self.heap.describe(target)))),
        }
        Ok(())
    }

    fn add_items(&mut self, target: &Value, items: Vec<Value>) -> Result<(), LoadError> {
        let id = self.target_id(target, "ADDITEMS")?;
        match self.heap.node_mut(id) {
            Node::Set(v) => v.extend(items),
            Node::Object(o) => o.list_items.extend(items),
            _ => return Err(self.err(format!("ADDITEMS on {}", self.heap.describe(target)))),
        }
        Ok(())
    }

    fn extend_dict(&mut self, target: &Value, pairs: Vec<(Value, Value)>) -> Result<(), LoadError> {
        let id = self.target_id(target, "SETITEM")?;
        match self.heap.node_mut(id) {
            Node::Dict(v) => v.extend(pairs),
            Node::Object(o) => o.dict_items.extend(pairs),
            _ => return Err(self.err(format!("SETITEM on {}", self.heap.describe(target)))),
        }
        Ok(())
    }
}
