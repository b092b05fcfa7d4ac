//! numpy dtypes: names, item sizes, and decoding single elements (either byte order) as numbers.

use super::{Dtype, Field};

impl Dtype {
    /// Bytes per element (8 for object arrays, as numpy reports).
    pub fn itemsize(&self) -> usize {
        match self {
            Dtype::Scalar { size, .. } => *size,
            Dtype::Record { itemsize, .. } => *itemsize,
        }
    }

    /// numpy's kind character (`V` for records).
    pub fn kind(&self) -> char {
        match self {
            Dtype::Scalar { kind, .. } => *kind,
            Dtype::Record { .. } => 'V',
        }
    }

    pub fn is_object(&self) -> bool {
        self.kind() == 'O'
    }

    /// numpy's name for the dtype: `float64`, `int32`, `bool`, `<U5`, `record(56 bytes: left_child, ...)`.
    pub fn name(&self) -> String {
        match self {
            Dtype::Scalar {
                kind,
                size,
                big_endian,
            } => {
                let order = if *big_endian { ">" } else { "<" };
                match kind {
                    'b' => "bool".into(),
                    'i' => format!("int{}", size * 8),
                    'u' => format!("uint{}", size * 8),
                    'f' => format!("float{}", size * 8),
                    'c' => format!("complex{}", size * 8),
                    'O' => "object".into(),
                    'U' => format!("{order}U{}", size / 4),
                    'S' => format!("S{size}"),
                    other => format!("{order}{other}{size}"),
                }
            }
            Dtype::Record { fields, itemsize } => {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                format!("record({itemsize} bytes: {})", names.join(", "))
            }
        }
    }

    /// Total number of fields, counting nested records (used to budget copies of big dtypes).
    pub fn weight(&self) -> usize {
        match self {
            Dtype::Scalar { .. } => 1,
            Dtype::Record { fields, .. } => {
                1 + fields.iter().map(|f| f.dtype.weight()).sum::<usize>()
            }
        }
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        match self {
            Dtype::Record { fields, .. } => fields.iter().find(|f| f.name == name),
            Dtype::Scalar { .. } => None,
        }
    }
}

fn fixed<const N: usize>(bytes: &[u8], big_endian: bool) -> Option<[u8; N]> {
    let mut out: [u8; N] = bytes.get(..N)?.try_into().ok()?;
    if big_endian {
        out.reverse();
    }
    Some(out)
}

/// IEEE half precision to f64.
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// A numeric element as an integer, exactly: `None` for non-integer kinds or values out of range.
pub(crate) fn element_i128(bytes: &[u8], kind: char, size: usize, big: bool) -> Option<i128> {
    Some(match (kind, size) {
        ('b', 1) => i128::from(*bytes.first()? != 0),
        ('i', 1) => i128::from(i8::from_le_bytes(fixed(bytes, big)?)),
        ('i', 2) => i128::from(i16::from_le_bytes(fixed(bytes, big)?)),
        ('i', 4) => i128::from(i32::from_le_bytes(fixed(bytes, big)?)),
        ('i', 8) => i128::from(i64::from_le_bytes(fixed(bytes, big)?)),
        ('u', 1) => i128::from(*bytes.first()?),
        ('u', 2) => i128::from(u16::from_le_bytes(fixed(bytes, big)?)),
        ('u', 4) => i128::from(u32::from_le_bytes(fixed(bytes, big)?)),
        ('u', 8) => i128::from(u64::from_le_bytes(fixed(bytes, big)?)),
        _ => return None,
    })
}

/// A numeric element as f64: bool, int, uint and float kinds; `None` for anything else.
pub(crate) fn element_f64(bytes: &[u8], kind: char, size: usize, big: bool) -> Option<f64> {
    match (kind, size) {
        ('f', 2) => Some(f16_to_f64(u16::from_le_bytes(fixed(bytes, big)?))),
        ('f', 4) => Some(f64::from(f32::from_le_bytes(fixed(bytes, big)?))),
        ('f', 8) => Some(f64::from_le_bytes(fixed(bytes, big)?)),
        _ => element_i128(bytes, kind, size, big).map(|i| i as f64),
    }
}

/// A `<U`/`>U` element (UTF-32, NUL padded) as a String.
pub(crate) fn element_unicode(bytes: &[u8], big: bool) -> Option<String> {
    let mut out = String::new();
    for chunk in bytes.chunks_exact(4) {
        let code = fixed::<4>(chunk, big).map(u32::from_le_bytes)?;
        if code == 0 {
            break;
        }
        out.push(char::from_u32(code)?);
    }
    Some(out)
}

/// An `S` element (NUL padded bytes) as a String (UTF-8, else latin-1).
pub(crate) fn element_bytes_str(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let b = &bytes[..end];
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| char::from(c)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements() {
        assert_eq!(element_f64(&1.5f64.to_be_bytes(), 'f', 8, true), Some(1.5));
        assert_eq!(
            element_f64(&(-3i16).to_le_bytes(), 'i', 2, false),
            Some(-3.0)
        );
        assert_eq!(element_f64(&[0x00, 0x3c], 'f', 2, false), Some(1.0));
        assert_eq!(element_f64(&[0xc0, 0x00], 'f', 2, true), Some(-2.0));
        assert_eq!(
            element_i128(&u64::MAX.to_le_bytes(), 'u', 8, false),
            Some(u64::MAX as i128)
        );
        assert_eq!(element_f64(&[1, 2, 3], 'f', 8, false), None);
        assert_eq!(
            element_unicode(&[b'h', 0, 0, 0, b'i', 0, 0, 0, 0, 0, 0, 0], false).as_deref(),
            Some("hi")
        );
        assert_eq!(
            element_unicode(&[0, 0, 0, b'h'], true).as_deref(),
            Some("h")
        );
        assert_eq!(element_bytes_str(b"ab\0\0"), "ab");
    }
}
