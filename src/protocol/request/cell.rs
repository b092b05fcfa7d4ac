//! One cell of a row (a number, null, or a category string in rows sent by name) and the feature-name
//! keys of rows sent by name, each with a typed error naming the row and column.

use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::context::Ctx;
use super::RequestError;

/// A feature name in a row sent by name, looked up without copying it: the column, or the unknown
/// name (copied only then, for the error). Producers mostly send the columns in the model's order, so
/// the column after the previous one is tried before the hash map.
#[derive(Clone, Copy)]
pub(super) struct ColumnSeed<'s> {
    pub(super) index: &'s FxHashMap<String, usize>,
    pub(super) names: &'s [String],
    pub(super) hint: usize,
}

impl<'de> DeserializeSeed<'de> for ColumnSeed<'_> {
    type Value = Result<usize, String>;
    /// Asked for as bytes: JSON keys then skip UTF-8 validation (the names they are compared with are
    /// valid UTF-8, so a key that is not can only be unknown); formats without bytes give a `str`.
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl ColumnSeed<'_> {
    /// Inlined into the row loops (a call per key cost about as much as the comparison); the hash
    /// lookup for keys out of order is not.
    #[inline]
    pub(super) fn column(self, key: &[u8]) -> Result<usize, String> {
        if self
            .names
            .get(self.hint)
            .is_some_and(|n| same_bytes(n.as_bytes(), key))
        {
            return Ok(self.hint);
        }
        self.lookup(key)
    }

    #[inline(never)]
    fn lookup(self, key: &[u8]) -> Result<usize, String> {
        std::str::from_utf8(key)
            .ok()
            .and_then(|k| self.index.get(k).copied())
            .ok_or_else(|| String::from_utf8_lossy(key).into_owned())
    }
}

/// `a == b` for short byte strings without a call to `memcmp` (which, once per key, was about 3% of
/// the worker's CPU on requests of 100 named rows): 8 bytes at a time, then the tail.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut wa, mut wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let words = (&mut wa)
        .zip(&mut wb)
        .all(|(x, y)| <[u8; 8]>::try_from(x).ok() == <[u8; 8]>::try_from(y).ok());
    words
        && wa
            .remainder()
            .iter()
            .zip(wb.remainder())
            .all(|(x, y)| x == y)
}

impl<'de> Visitor<'de> for ColumnSeed<'_> {
    type Value = Result<usize, String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feature name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.column(v.as_bytes()))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(self.column(v))
    }
}

pub(super) enum Cell {
    Num(f64),
    Text(Arc<str>),
}

impl Cell {
    pub(super) fn number(&self) -> f64 {
        match self {
            Cell::Num(x) => *x,
            Cell::Text(_) => f64::NAN,
        }
    }
}

pub(super) struct CellSeed<'a, 's> {
    pub(super) ctx: &'a mut Ctx<'s>,
    pub(super) row: usize,
    pub(super) col: usize,
    pub(super) named: bool,
}

impl CellSeed<'_, '_> {
    fn wrong<E: de::Error>(self, found: &str) -> E {
        let column = self.ctx.column_name(self.col, self.named);
        self.ctx.fail(RequestError::WrongType {
            row: self.row,
            column,
            found: found.to_string(),
        })
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_, '_> {
    type Value = Cell;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_, '_> {
    type Value = Cell;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or null")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
        if v.is_infinite() {
            return Err(self.wrong(
                "an infinite number (scikit-learn rejects infinity; send null for a missing value)",
            ));
        }
        Ok(Cell::Num(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
        Ok(Cell::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
        Ok(Cell::Num(v as f64))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Num(f64::NAN))
    }
    fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Num(f64::NAN))
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
        if self.named {
            Ok(Cell::Text(Arc::from(v)))
        } else {
            Err(self.wrong("a string (strings are accepted only in rows sent by feature name, for categorical features)"))
        }
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Cell, E> {
        Err(self.wrong("a boolean (send 0 or 1)"))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Cell, E> {
        Err(self.wrong("bytes"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Cell, A::Error> {
        Err(self.wrong("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Cell, A::Error> {
        Err(self.wrong("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    #[test]
    fn same_bytes_is_slice_equality() {
        let words: [&[u8]; 9] = [
            b"",
            b"a",
            b"mean_radius",
            b"mean_radiuz",
            b"mean_radius_",
            b"12345678",
            b"12345679",
            b"1234567812345678",
            b"1234567812345677",
        ];
        for a in words {
            for b in words {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
