//! A pre-scan of pickle request bodies: only plain-data opcodes are allowed (no globals, no object
//! construction), and nesting depth is bounded before serde-pickle (which recurses) ever sees the body.

use std::collections::HashMap;

/// Deepest container nesting accepted; a request needs 3 (dict → list of rows → row).
pub const MAX_DEPTH: usize = 16;

#[derive(Clone, Copy, PartialEq)]
enum Item {
    Scalar,
    Container(usize),
}

struct Scan<'a> {
    body: &'a [u8],
    pos: usize,
    stack: Vec<Item>,
    marks: Vec<usize>,
    memo: HashMap<u64, Item>,
    children: Vec<Vec<usize>>,
}

/// Check that `body` is a pickle of plain data (dict, list, tuple, set, numbers, str, bytes, None,
/// bool) nested at most `MAX_DEPTH` deep. The error says what was found and where.
pub fn check(body: &[u8]) -> Result<(), String> {
    let mut scan = Scan {
        body,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        children: Vec::new(),
    };
    let root = scan.run()?;
    scan.depth_ok(root)
}

impl<'a> Scan<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.body.len())
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let out = &self.body[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn uint(&mut self, n: usize) -> Result<u64, String> {
        let bytes = self.take(n)?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    fn line(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.body[self.pos.min(self.body.len())..];
        let len = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| format!("unterminated line at byte {}", self.pos))?;
        self.take(len + 1)
    }

    fn skip_len(&mut self, len_bytes: usize) -> Result<(), String> {
        let n = self.uint(len_bytes)?;
        let n = usize::try_from(n).map_err(|_| format!("length too large at byte {}", self.pos))?;
        self.take(n).map(|_| ())
    }

    fn pop(&mut self) -> Result<Item, String> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(format!("stack underflow at byte {}", self.pos));
        }
        self.stack
            .pop()
            .ok_or_else(|| format!("stack underflow at byte {}", self.pos))
    }

    fn pop_mark(&mut self) -> Result<Vec<Item>, String> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| format!("no MARK before byte {}", self.pos))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn new_container(&mut self, items: &[Item]) -> Item {
        let id = self.children.len();
        self.children.push(Self::ids(items));
        Item::Container(id)
    }

    fn ids(items: &[Item]) -> Vec<usize> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Container(c) => Some(*c),
                Item::Scalar => None,
            })
            .collect()
    }

    /// Add `items` to the container on top of the stack.
    fn extend_top(&mut self, items: &[Item]) -> Result<(), String> {
        let top = *self
            .stack
            .last()
            .ok_or_else(|| format!("stack underflow at byte {}", self.pos))?;
        match top {
            Item::Container(id) => {
                let ids = Self::ids(items);
                if let Some(children) = self.children.get_mut(id) {
                    children.extend(ids);
                }
                Ok(())
            }
            Item::Scalar => Err(format!("adding items to a scalar at byte {}", self.pos)),
        }
    }

    fn run(&mut self) -> Result<Item, String> {
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
                    let top = *self.stack.last().ok_or("DUP on an empty stack")?;
                    self.stack.push(top);
                }
                // Scalars with fixed-size, line or length-prefixed arguments.
                b'N' | 0x88 | 0x89 => self.stack.push(Item::Scalar),
                b'K' => self.scalar_fixed(1)?,
                b'M' => self.scalar_fixed(2)?,
                b'J' => self.scalar_fixed(4)?,
                b'G' => self.scalar_fixed(8)?,
                b'F' | b'I' | b'L' | b'S' | b'V' => {
                    self.line()?;
                    self.stack.push(Item::Scalar);
                }
                b'U' | b'C' | 0x8c | 0x8a => self.scalar_len(1)?,
                b'T' | b'X' | b'B' | 0x8b => self.scalar_len(4)?,
                0x8d | 0x8e => self.scalar_len(8)?,
                // Containers.
                b']' | b'}' | b')' | 0x8f => {
                    let c = self.new_container(&[]);
                    self.stack.push(c);
                }
                b'l' | b'd' | b't' | 0x91 => {
                    let items = self.pop_mark()?;
                    let c = self.new_container(&items);
                    self.stack.push(c);
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    let c = self.new_container(&items);
                    self.stack.push(c);
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
                    self.memoize(id)?;
                }
                b'q' => {
                    let id = self.uint(1)?;
                    self.memoize(id)?;
                }
                b'r' => {
                    let id = self.uint(4)?;
                    self.memoize(id)?;
                }
                0x94 => {
                    let id = self.memo.len() as u64;
                    self.memoize(id)?;
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

    fn scalar_fixed(&mut self, n: usize) -> Result<(), String> {
        self.take(n)?;
        self.stack.push(Item::Scalar);
        Ok(())
    }

    fn scalar_len(&mut self, len_bytes: usize) -> Result<(), String> {
        self.skip_len(len_bytes)?;
        self.stack.push(Item::Scalar);
        Ok(())
    }

    fn memoize(&mut self, id: u64) -> Result<(), String> {
        let top = *self
            .stack
            .last()
            .ok_or_else(|| format!("memo store on an empty stack at byte {}", self.pos))?;
        self.memo.insert(id, top);
        Ok(())
    }

    fn get(&mut self, id: u64, at: usize) -> Result<(), String> {
        let item = *self
            .memo
            .get(&id)
            .ok_or_else(|| format!("memo {id} is not defined (byte {at})"))?;
        self.stack.push(item);
        Ok(())
    }

    /// Longest container chain from `root`, iteratively; cycles are refused.
    fn depth_ok(&self, root: Item) -> Result<(), String> {
        let Item::Container(root) = root else {
            return Ok(());
        };
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; self.children.len()];
        let mut depth = vec![0usize; self.children.len()];
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        if let Some(s) = state.get_mut(root) {
            *s = 1;
        }
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let kids = self.children.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(&child) = kids.get(*next) {
                *next += 1;
                match state.get(child).copied().unwrap_or(2) {
                    0 => {
                        if path.len() >= MAX_DEPTH {
                            return Err(format!("it nests containers more than {MAX_DEPTH} deep"));
                        }
                        state[child] = 1;
                        path.push((child, 0));
                    }
                    1 => return Err("it holds a recursive structure".into()),
                    _ => {}
                }
                continue;
            }
            let d = 1 + kids
                .iter()
                .map(|&c| depth.get(c).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            if d > MAX_DEPTH {
                return Err(format!("it nests containers more than {MAX_DEPTH} deep"));
            }
            depth[node] = d;
            state[node] = 2;
            path.pop();
        }
        Ok(())
    }
}

fn parse_ascii(line: &[u8]) -> Option<u64> {
    std::str::from_utf8(line).ok()?.trim().parse().ok()
}
