//! A bounded, iterative UBJSON decoder for XGBoost's model buffers (big-endian, typed and counted
//! containers, `$`/`#` optimised arrays). No recursion: nesting is an explicit stack capped at
//! [`MAX_NESTING`]; every count is checked against the bytes left before anything is allocated, so
//! a hostile buffer fails with a typed error and its offset, never a panic, hang or huge allocation.

use super::json::{Json, MAX_NESTING};
use crate::model::error::LoadError;

fn err(at: usize, message: impl std::fmt::Display) -> LoadError {
    LoadError::model(format!("XGBoost UBJSON model at byte {at}: {message}"))
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.buf.len() - self.at
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LoadError> {
        if n > self.left() {
            return Err(err(
                self.at,
                format!(
                    "{what} needs {n} bytes, only {} left (truncated?)",
                    self.left()
                ),
            ));
        }
        let s = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn byte(&mut self, what: &str) -> Result<u8, LoadError> {
        Ok(self.take(1, what)?[0])
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.at).copied()
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], LoadError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// An integer of the type `marker`.
    fn int(&mut self, marker: u8) -> Result<Option<i64>, LoadError> {
        Ok(Some(match marker {
            b'i' => i64::from(i8::from_be_bytes(self.array("int8")?)),
            b'U' => i64::from(self.byte("uint8")?),
            b'I' => i64::from(i16::from_be_bytes(self.array("int16")?)),
            b'l' => i64::from(i32::from_be_bytes(self.array("int32")?)),
            b'L' => i64::from_be_bytes(self.array("int64")?),
            _ => return Ok(None),
        }))
    }

    /// A length or count: an integer marker then a non-negative value.
    fn length(&mut self, what: &str) -> Result<usize, LoadError> {
        let at = self.at;
        let marker = self.byte(what)?;
        match self.int(marker)? {
            Some(n) => usize::try_from(n).map_err(|_| err(at, format!("{what} is negative ({n})"))),
            None => Err(err(
                at,
                format!(
                    "{what} must be an integer, found marker {:?}",
                    char::from(marker)
                ),
            )),
        }
    }

    fn string(&mut self, what: &str) -> Result<String, LoadError> {
        let n = self.length(what)?;
        let at = self.at;
        let bytes = self.take(n, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| err(at, format!("{what} is not UTF-8")))
    }

    /// A scalar of the type `marker`; `None` for a container opener.
    fn scalar(&mut self, marker: u8, at: usize) -> Result<Option<Json>, LoadError> {
        if let Some(i) = self.int(marker)? {
            return Ok(Some(Json::Int(i)));
        }
        Ok(Some(match marker {
            b'Z' => Json::Null,
            b'T' => Json::Bool(true),
            b'F' => Json::Bool(false),
            b'd' => Json::Float(f64::from(f32::from_be_bytes(self.array("float32")?))),
            b'D' => Json::Float(f64::from_be_bytes(self.array("float64")?)),
            b'C' => Json::Str(char::from(self.byte("char")?).to_string()),
            b'S' => Json::Str(self.string("string")?),
            b'H' => {
                let s = self.string("high-precision number")?;
                match s.parse::<f64>() {
                    Ok(f) => Json::Float(f),
                    Err(_) => return Err(err(at, format!("bad high-precision number {s:?}"))),
                }
            }
            b'[' | b'{' => return Ok(None),
            other => return Err(err(at, format!("unknown type marker 0x{other:02x}"))),
        }))
    }
}

/// Bytes one element of a typed array takes (0 for markers with no payload).
fn typed_size(marker: u8) -> Option<usize> {
    Some(match marker {
        b'i' | b'U' | b'C' => 1,
        b'I' => 2,
        b'l' | b'd' => 4,
        b'L' | b'D' => 8,
        _ => return None,
    })
}

/// Most values outside typed arrays one document may hold (each costs a `Json`, ~32 bytes).
pub const MAX_VALUES: usize = 1 << 23;

/// An open container on the decoder's stack.
struct Frame {
    object: bool,
    items: Vec<Json>,
    keys: Vec<String>,
    /// Elements still expected for a counted container; `None` until the closing marker.
    remaining: Option<usize>,
    /// The element type of a typed (`$`) container.
    typ: Option<u8>,
}

/// Decode one UBJSON document that fills `buf` exactly.
pub fn decode(buf: &[u8]) -> Result<Json, LoadError> {
    let mut r = Reader { buf, at: 0 };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Json> = None;
    let mut values = 0usize;
    while root.is_none() {
        values += 1;
        if values > MAX_VALUES {
            return Err(err(r.at, format!("more than {MAX_VALUES} values")));
        }
        // What the top container expects next: its end, or a (key and) value.
        let mut marker = None;
        if let Some(top) = stack.last_mut() {
            let closing = match top.remaining {
                Some(0) => true,
                Some(_) => false,
                None => {
                    let end = if top.object { b'}' } else { b']' };
                    while top.typ.is_none() && r.peek() == Some(b'N') {
                        r.at += 1;
                    }
                    if r.peek() == Some(end) {
                        r.at += 1;
                        true
                    } else {
                        false
                    }
                }
            };
            if closing {
                let Some(done) = stack.pop() else { break };
                let value = if done.object {
                    Json::Object(done.keys.into_iter().zip(done.items).collect())
                } else {
                    Json::Array(done.items)
                };
                push(&mut stack, &mut root, value);
                continue;
            }
            if let Some(n) = top.remaining.as_mut() {
                *n -= 1;
            }
            if top.object {
                let key = r.string("object key")?;
                top.keys.push(key);
            }
            marker = top.typ;
        }
        let at = r.at;
        let marker = match marker {
            Some(m) => m,
            None => loop {
                let m = r.byte("value marker")?;
                if m != b'N' {
                    break m;
                }
            },
        };
        if let Some(v) = r.scalar(marker, at)? {
            push(&mut stack, &mut root, v);
            continue;
        }
        let object = marker == b'{';
        // Optional `$type` then `#count`; `$` requires `#`.
        let mut typ = None;
        if r.peek() == Some(b'$') {
            r.at += 1;
            let t = r.byte("container type")?;
            if typed_size(t).is_none() && !matches!(t, b'[' | b'{' | b'S' | b'H') {
                return Err(err(
                    r.at - 1,
                    format!("unsupported container type {:?}", char::from(t)),
                ));
            }
            typ = Some(t);
            if r.peek() != Some(b'#') {
                return Err(err(r.at, "a typed container ($) needs a count (#)"));
            }
        }
        let mut remaining = None;
        if r.peek() == Some(b'#') {
            r.at += 1;
            let n = r.length("container count")?;
            // Every element needs at least one byte (objects: key length marker and value).
            let min = typ.and_then(typed_size).unwrap_or(1).max(1) * if object { 2 } else { 1 };
            if n > r.left() / min {
                return Err(err(
                    at,
                    format!(
                        "count {n} is more than the {} bytes left can hold",
                        r.left()
                    ),
                ));
            }
            remaining = Some(n);
        }
        // Fast path: a typed numeric array becomes one flat vector.
        if let (false, Some(t), Some(n)) = (object, typ, remaining) {
            if let Some(size) = typed_size(t).filter(|_| t != b'C') {
                let bytes = r.take(n * size, "typed array")?;
                push(&mut stack, &mut root, Json::Numbers(numbers(t, bytes)));
                continue;
            }
        }
        if stack.len() >= MAX_NESTING {
            return Err(err(
                at,
                format!("containers nest more than {MAX_NESTING} deep"),
            ));
        }
        let cap = remaining.unwrap_or(0).min(1 << 16);
        stack.push(Frame {
            object,
            items: Vec::with_capacity(cap),
            keys: Vec::with_capacity(if object { cap } else { 0 }),
            remaining,
            typ,
        });
    }
    if r.left() != 0 {
        return Err(err(
            r.at,
            format!("{} trailing bytes after the document", r.left()),
        ));
    }
    root.ok_or_else(|| err(r.at, "empty document"))
}

fn push(stack: &mut [Frame], root: &mut Option<Json>, value: Json) {
    match stack.last_mut() {
        Some(top) => top.items.push(value),
        None => *root = Some(value),
    }
}

fn numbers(t: u8, bytes: &[u8]) -> Vec<f64> {
    match t {
        b'i' => bytes.iter().map(|&b| f64::from(b as i8)).collect(),
        b'U' => bytes.iter().map(|&b| f64::from(b)).collect(),
        b'I' => bytes
            .chunks_exact(2)
            .map(|c| f64::from(i16::from_be_bytes([c[0], c[1]])))
            .collect(),
        b'l' => bytes
            .chunks_exact(4)
            .map(|c| f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        b'd' => bytes
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        b'L' => bytes
            .chunks_exact(8)
            .map(|c| i64::from_be_bytes(c.try_into().unwrap_or([0; 8])) as f64)
            .collect(),
        _ => bytes
            .chunks_exact(8)
            .map(|c| f64::from_be_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
