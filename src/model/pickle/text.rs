//! Decoding the text arguments of protocol-0 opcodes (INT, LONG, FLOAT, STRING, UNICODE, PUT/GET)
//! and the little-endian integers of LONG1/LONG4, without evaluating anything.

use std::sync::Arc;

use crate::model::value::Value;

/// A little-endian two's-complement integer (LONG1/LONG4 payload) as `Int` when it fits, else `BigInt`.
pub fn long_from_le(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Int(0);
    }
    // Trim redundant sign-extension bytes to see whether it fits in i64.
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let fill = if negative { 0xff } else { 0x00 };
    let mut len = bytes.len();
    while len > 1 && bytes[len - 1] == fill && (bytes[len - 2] & 0x80 != 0) == negative {
        len -= 1;
    }
    if len <= 8 {
        let mut buf = [fill; 8];
        buf[..len].copy_from_slice(&bytes[..len]);
        Value::Int(i64::from_le_bytes(buf))
    } else {
        Value::BigInt(Arc::from(&bytes[..len]))
    }
}

/// A decimal integer (INT/LONG text, optional sign, optional trailing `L`) as `Int` or `BigInt`.
pub fn parse_decimal(text: &[u8]) -> Option<Value> {
    let text = text.strip_suffix(b"L").unwrap_or(text);
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if let Some(v) = std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        return Some(Value::Int(v));
    }
    // Big: magnitude in little-endian base 256, then two's complement.
    let mut mag: Vec<u8> = vec![0];
    for &d in digits {
        let mut carry = u32::from(d - b'0');
        for byte in mag.iter_mut() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            mag.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    mag.push(0); // room for the sign bit
    if negative {
        let mut carry = 1u16;
        for byte in mag.iter_mut() {
            let v = u16::from(!*byte) + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
    }
    Some(long_from_le(&mag))
}

/// INT text: `01`/`00` are Python 2's True/False, anything else a decimal integer.
pub fn parse_int_opcode(text: &[u8]) -> Option<Value> {
    match text {
        b"01" => Some(Value::Bool(true)),
        b"00" => Some(Value::Bool(false)),
        _ => parse_decimal(text),
    }
}

pub fn parse_float(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.trim().parse::<f64>().ok()
}

/// A memo index written in decimal (PUT/GET).
pub fn parse_index(text: &[u8]) -> Option<u64> {
    std::str::from_utf8(text).ok()?.parse::<u64>().ok()
}

/// STRING's argument: a Python 2 `repr()` of a byte string, quotes included.
pub fn unquote_string(text: &[u8]) -> Option<Vec<u8>> {
    let (&q, rest) = text.split_first()?;
    if q != b'\'' && q != b'"' {
        return None;
    }
    let body = rest.strip_suffix(&[q])?;
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = *body.get(i)?;
        i += 1;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'x' => {
                let hex = body.get(i..i + 2)?;
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                // `\\`, `\'`, `\"` map to themselves; unknown escapes keep the backslash (as Python does).
                if !matches!(other, b'\\' | b'\'' | b'"') {
                    out.push(b'\\');
                }
                out.push(other);
            }
        }
    }
    Some(out)
}

/// UNICODE's argument: `raw-unicode-escape` text (latin-1 bytes plus `\uXXXX` / `\UXXXXXXXX`).
pub fn decode_raw_unicode_escape(text: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'\\' {
            // Count the run of backslashes: only an odd run before u/U starts an escape.
            let run = text[i..].iter().take_while(|&&b| b == b'\\').count();
            let after = text.get(i + run).copied();
            if run % 2 == 1 && matches!(after, Some(b'u') | Some(b'U')) {
                for _ in 0..run - 1 {
                    out.push('\\');
                }
                let digits = if after == Some(b'u') { 4 } else { 8 };
                let start = i + run + 1;
                let hex = text.get(start..start + digits)?;
                let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                i = start + digits;
            } else {
                for _ in 0..run {
                    out.push('\\');
                }
                i += run;
            }
            continue;
        }
        out.push(char::from(c));
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs() {
        assert_eq!(long_from_le(&[]), Value::Int(0));
        assert_eq!(long_from_le(&[0xff]), Value::Int(-1));
        assert_eq!(long_from_le(&[0x00, 0x80, 0x00]), Value::Int(0x8000));
        assert_eq!(
            long_from_le(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff]),
            Value::Int(i64::MIN)
        );
        assert!(matches!(
            long_from_le(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0]),
            Value::BigInt(_)
        ));
        assert_eq!(parse_decimal(b"-42L"), Some(Value::Int(-42)));
        assert_eq!(
            parse_decimal(b"18446744073709551616"),
            Some(long_from_le(&[0, 0, 0, 0, 0, 0, 0, 0, 1]))
        );
        assert_eq!(
            parse_decimal(b"-9223372036854775809"),
            Some(long_from_le(&[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff
            ]))
        );
        assert_eq!(parse_decimal(b"12a"), None);
        assert_eq!(parse_int_opcode(b"01"), Some(Value::Bool(true)));
    }

    #[test]
    fn strings() {
        assert_eq!(
            unquote_string(br"'a\x00\n\'b\\'").as_deref(),
            Some(&b"a\0\n'b\\"[..])
        );
        assert_eq!(unquote_string(b"'abc"), None);
        assert_eq!(
            decode_raw_unicode_escape(br"caf\u00e9 \\u x\xff").as_deref(),
            Some("caf\u{e9} \\\\u x\\xff")
        );
        assert_eq!(
            decode_raw_unicode_escape(b"\xe9").as_deref(),
            Some("\u{e9}")
        );
    }
}
