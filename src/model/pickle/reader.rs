//! A bounded cursor over the pickle bytes: every read checks the remaining length first, so a
//! declared length can never make us allocate or slice past what the input actually holds.

use crate::model::error::LoadError;

/// Cursor over an in-memory pickle stream.
#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Reader {
            data,
            pos: pos.min(data.len()),
        }
    }

    /// Current byte offset into the stream.
    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn offset(&self) -> u64 {
        self.pos as u64
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// An error at the current offset.
    pub fn error(&self, message: impl Into<String>) -> LoadError {
        LoadError::pickle(self.offset(), message)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, LoadError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| self.truncated(what, 1))?;
        self.pos += 1;
        Ok(b)
    }

    /// Exactly `n` bytes, or a truncation error naming `what` (no allocation happens here).
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return Err(self.truncated(what, n));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// A length taken from the stream, checked against the bytes left before anything is allocated.
    pub fn take_len(&mut self, declared: u64, what: &str) -> Result<&'a [u8], LoadError> {
        let left = self.remaining() as u64;
        if declared > left {
            return Err(self.error(format!(
                "{what} declares {declared} bytes but only {left} bytes are left; the file is truncated or corrupt"
            )));
        }
        // declared <= remaining, so it fits in usize.
        self.take(declared as usize, what)
    }

    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], LoadError> {
        let s = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    pub fn u16_le(&mut self, what: &str) -> Result<u16, LoadError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub fn u32_le(&mut self, what: &str) -> Result<u32, LoadError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn i32_le(&mut self, what: &str) -> Result<i32, LoadError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    pub fn u64_le(&mut self, what: &str) -> Result<u64, LoadError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A protocol-0 text argument: the bytes up to (not including) the next newline.
    pub fn line(&mut self, what: &str) -> Result<&'a [u8], LoadError> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(n) => {
                let line = &rest[..n];
                self.pos += n + 1;
                Ok(line.strip_suffix(b"\r").unwrap_or(line))
            }
            None => Err(self.error(format!(
                "{what}: no end of line before the end of the data; the file is truncated"
            ))),
        }
    }

    fn truncated(&self, what: &str, n: usize) -> LoadError {
        self.error(format!(
            "{what} needs {n} bytes but only {} are left; the file is truncated",
            self.remaining()
        ))
    }
}
