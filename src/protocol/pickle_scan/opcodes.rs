//! The opcode loop of the request pre-scan: what each plain-data opcode does to the simulated stack,
//! memo and containers; globals, object construction and DUP are refused with their byte offset.

use super::{parse_ascii, Item, Scan};

impl Scan<'_> {
    pub(super) fn run(&mut self) -> Result<Item, String> {
        loop {
            let at = self.pos;
            let op = *self.take(1)?.first().unwrap_or(&b'.');
            match op {
                0x80 => self.take(1).map(|_| ())?,
                0x95 => self.take(8).map(|_| ())?,
                b'.' => return self.pop(),
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    if self.pop().is_err() {
                        self.pop_mark()?;
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    // serde-pickle copies the value where Python shares it, so the two would read
                    // later changes differently; Python's pickler never writes DUP.
                    return Err(format!(
                        "it uses DUP (byte {at}), which Python's pickler never writes"
                    ));
                }
                // Scalars with fixed-size, line or length-prefixed arguments.
                b'N' | 0x88 | 0x89 => self.push_scalar(0)?,
                b'K' => self.scalar_fixed(1)?,
                b'M' => self.scalar_fixed(2)?,
                b'J' => self.scalar_fixed(4)?,
                b'G' => self.scalar_fixed(8)?,
                b'F' | b'I' | b'L' | b'S' | b'V' => {
                    let len = self.line()?.len();
                    self.push_scalar(len)?;
                }
                b'U' | b'C' | 0x8c | 0x8a => self.scalar_len(1)?,
                b'T' | b'X' | b'B' | 0x8b => self.scalar_len(4)?,
                0x8d | 0x8e => self.scalar_len(8)?,
                // Containers.
                b']' | b'}' | b')' | 0x8f => self.new_container(&[])?,
                b'l' | b'd' | b't' | 0x91 => {
                    let items = self.pop_mark()?;
                    self.new_container(&items)?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    self.new_container(&items)?;
                }
                b'a' => {
                    let item = self.pop()?;
                    self.extend_top(&[item])?;
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.extend_top(&[key, value])?;
                }
                b'e' | b'u' | 0x90 => {
                    let items = self.pop_mark()?;
                    self.extend_top(&items)?;
                }
                // Memo.
                b'p' => {
                    let line = self.line()?;
                    let id = parse_ascii(line).ok_or_else(|| format!("bad PUT at byte {at}"))?;
                    self.memoize(id, at)?;
                }
                b'q' => {
                    let id = self.uint(1)?;
                    self.memoize(id, at)?;
                }
                b'r' => {
                    let id = self.uint(4)?;
                    self.memoize(id, at)?;
                }
                0x94 => {
                    let id = self.memo.len() as u64;
                    self.memoize(id, at)?;
                }
                b'g' => {
                    let line = self.line()?;
                    let id = parse_ascii(line).ok_or_else(|| format!("bad GET at byte {at}"))?;
                    self.get(id, at)?;
                }
                b'h' => {
                    let id = self.uint(1)?;
                    self.get(id, at)?;
                }
                b'j' => {
                    let id = self.uint(4)?;
                    self.get(id, at)?;
                }
                b'c' | b'i' => {
                    let module = self.line().unwrap_or_default();
                    let name = self.line().unwrap_or_default();
                    return Err(format!(
                        "it refers to {}.{} at byte {at}",
                        String::from_utf8_lossy(module).trim_end(),
                        String::from_utf8_lossy(name).trim_end()
                    ));
                }
                0x93 | b'R' | b'b' | b'o' | 0x81 | 0x92 | 0x82..=0x84 | b'P' | b'Q' => {
                    return Err(format!(
                        "it builds an object (opcode 0x{op:02x} at byte {at})"
                    ));
                }
                _ => {
                    return Err(format!(
                        "opcode 0x{op:02x} at byte {at} is not allowed in a request"
                    ))
                }
            }
        }
    }
}
