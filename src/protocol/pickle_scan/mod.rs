//! A pre-scan of pickle request bodies: only plain-data opcodes (no globals, no object construction),
//! bounded nesting, and a bound on what decoding would materialise, copies included, before serde-pickle
//! (which recurses and clones shared references) ever sees the body.

use std::collections::HashMap;

mod opcodes;

/// Deepest container nesting accepted; a request needs 3 (dict → list of rows → row).
pub const MAX_DEPTH: usize = 16;

/// Estimated bytes one decoded element costs (serde-pickle's `Value` plus its share of the container).
pub const ELEMENT_COST: u64 = 32;

/// Decoded data a pickle request may expand to, as a multiple of `worker.max_body_bytes`.
pub const EXPANSION_FACTOR: u64 = 16;

/// What a stack slot holds: a scalar of a known decoded cost, or a container by id. `shared` marks a
/// reference through the memo (PUT or GET): adding it to a container copies it when decoded.
#[derive(Clone, Copy, PartialEq)]
struct Item {
    node: Node,
    shared: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Node {
    Scalar(u64),
    Container(usize),
}

/// A container built by the pickle: its children (for the depth check), what it costs decoded (copies of
/// shared children included), and whether it was already placed in another container.
struct Container {
    children: Vec<usize>,
    cost: u64,
    sealed: bool,
}

struct Scan<'a> {
    body: &'a [u8],
    pos: usize,
    stack: Vec<Item>,
    marks: Vec<usize>,
    memo: HashMap<u64, Item>,
    containers: Vec<Container>,
    /// Decoded bytes so far, every copy counted; never above `budget`.
    spent: u64,
    budget: u64,
}

/// Check that `body` is a pickle of plain data (dict, list, tuple, set, numbers, str, bytes, None, bool)
/// nested at most `MAX_DEPTH` deep, that Python and serde-pickle read the same way, and whose decoding
/// materialises at most `budget` bytes (see [`budget_for`]). The error says what was found and where.
pub fn check(body: &[u8], budget: u64) -> Result<(), String> {
    let mut scan = Scan {
        body,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        containers: Vec::new(),
        spent: 0,
        budget,
    };
    let root = scan.run()?;
    scan.depth_ok(root)
}

/// The decoding budget for requests of at most `max_body_bytes` (`worker.max_body_bytes`).
pub fn budget_for(max_body_bytes: usize) -> u64 {
    (max_body_bytes as u64)
        .saturating_mul(EXPANSION_FACTOR)
        .max(256 * 1024)
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

    /// Count `cost` decoded bytes against the budget.
    fn spend(&mut self, cost: u64) -> Result<(), String> {
        self.spent = self.spent.saturating_add(cost);
        if self.spent > self.budget {
            return Err(format!(
                "decoding it would materialise more than {} bytes (at byte {}; references to \
                 earlier values count once per copy); the limit is {EXPANSION_FACTOR} × \
                 worker.max_body_bytes",
                self.budget, self.pos
            ));
        }
        Ok(())
    }

    fn cost(&self, item: Item) -> u64 {
        match item.node {
            Node::Scalar(c) => c,
            Node::Container(id) => self.containers.get(id).map_or(0, |c| c.cost),
        }
    }

    fn push_scalar(&mut self, payload: usize) -> Result<(), String> {
        let cost = ELEMENT_COST.saturating_add(payload as u64);
        self.spend(cost)?;
        self.stack.push(Item {
            node: Node::Scalar(cost),
            shared: false,
        });
        Ok(())
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

    /// Place `items` in container `id`: each child container is sealed (Python's pickler never changes a
    /// container once it is used elsewhere, and serde-pickle would not see such a change), and every
    /// shared item is charged again, since decoding copies it.
    fn adopt(&mut self, id: usize, items: &[Item]) -> Result<(), String> {
        let mut added = 0u64;
        for &item in items {
            let cost = self.cost(item);
            if item.shared {
                self.spend(cost)?;
            }
            added = added.saturating_add(cost);
            if let Node::Container(child) = item.node {
                if let Some(c) = self.containers.get_mut(child) {
                    c.sealed = true;
                }
                if let Some(c) = self.containers.get_mut(id) {
                    c.children.push(child);
                }
            }
        }
        if let Some(c) = self.containers.get_mut(id) {
            c.cost = c.cost.saturating_add(added);
        }
        Ok(())
    }

    fn new_container(&mut self, items: &[Item]) -> Result<(), String> {
        self.spend(ELEMENT_COST)?;
        let id = self.containers.len();
        self.containers.push(Container {
            children: Vec::new(),
            cost: ELEMENT_COST,
            sealed: false,
        });
        self.adopt(id, items)?;
        self.stack.push(Item {
            node: Node::Container(id),
            shared: false,
        });
        Ok(())
    }

    /// Add `items` to the container on top of the stack.
    fn extend_top(&mut self, items: &[Item]) -> Result<(), String> {
        let top = *self
            .stack
            .last()
            .ok_or_else(|| format!("stack underflow at byte {}", self.pos))?;
        match top.node {
            Node::Container(id) => {
                if self.containers.get(id).is_some_and(|c| c.sealed) {
                    return Err(format!(
                        "it changes a container after placing it in another one (byte {}), which \
                         Python's pickler never writes",
                        self.pos
                    ));
                }
                self.adopt(id, items)
            }
            Node::Scalar(_) => Err(format!("adding items to a scalar at byte {}", self.pos)),
        }
    }

    fn scalar_fixed(&mut self, n: usize) -> Result<(), String> {
        self.take(n)?;
        self.push_scalar(0)
    }

    fn scalar_len(&mut self, len_bytes: usize) -> Result<(), String> {
        let n = self.uint(len_bytes)?;
        let n = usize::try_from(n).map_err(|_| format!("length too large at byte {}", self.pos))?;
        self.take(n)?;
        self.push_scalar(n)
    }

    /// PUT/MEMOIZE: the top of the stack becomes shared. A slot is written once: Python keeps the
    /// objects an overwritten slot was read into, serde-pickle would re-point them, so reuse is refused.
    fn memoize(&mut self, id: u64, at: usize) -> Result<(), String> {
        if self.memo.contains_key(&id) {
            return Err(format!(
                "it stores memo slot {id} twice (byte {at}), which Python's pickler never writes"
            ));
        }
        let top = self
            .stack
            .last_mut()
            .ok_or_else(|| format!("memo store on an empty stack at byte {at}"))?;
        top.shared = true;
        let item = *top;
        self.memo.insert(id, item);
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
        let Node::Container(root) = root.node else {
            return Ok(());
        };
        let n = self.containers.len();
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; n];
        let mut depth = vec![0usize; n];
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        if let Some(s) = state.get_mut(root) {
            *s = 1;
        }
        let kids_of = |node: usize| {
            self.containers
                .get(node)
                .map(|c| c.children.as_slice())
                .unwrap_or(&[])
        };
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let kids = kids_of(node);
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
