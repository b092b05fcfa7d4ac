//! The opcode loop: one `match` over every pickle opcode, run with an explicit stack and memo (no
//! recursion); every error carries the byte offset of its opcode.

use std::sync::Arc;

use super::frame::Frame;
use super::machine::{Machine, VALUE_COST};
use super::opcodes as op;
use super::reader::Reader;
use super::text;
use crate::model::error::LoadError;
use crate::model::value::{Node, Value};

impl Machine<'_> {
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
}
