//! Decoder unit tests: every marker, typed arrays, and hostile buffers (truncated, oversized
//! counts, deep nesting, bad markers) failing with a typed error.

use super::*;

fn obj(items: &[(&str, Json)]) -> Json {
    Json::Object(
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn decodes_scalars_objects_and_typed_arrays() {
    let mut b = vec![b'{'];
    b.extend([b'i', 1, b'a', b'S', b'i', 2, b'h', b'i']);
    b.extend([b'i', 1, b'b', b'[', b'$', b'd', b'#', b'i', 2]);
    b.extend(1.5f32.to_be_bytes());
    b.extend((-2.0f32).to_be_bytes());
    b.extend([b'i', 1, b'c', b'[', b'$', b'l', b'#', b'U', 1]);
    b.extend((-7i32).to_be_bytes());
    b.extend([b'i', 1, b'd', b'[', b'T', b'Z', b'N', b'L']);
    b.extend(5i64.to_be_bytes());
    b.extend([b'D']);
    b.extend(0.25f64.to_be_bytes());
    b.extend([b']', b'}']);
    let v = decode(&b).unwrap();
    let want = obj(&[
        ("a", Json::Str("hi".into())),
        ("b", Json::Numbers(vec![1.5, -2.0])),
        ("c", Json::Numbers(vec![-7.0])),
        (
            "d",
            Json::Array(vec![
                Json::Bool(true),
                Json::Null,
                Json::Int(5),
                Json::Float(0.25),
            ]),
        ),
    ]);
    assert_eq!(v, want);
}

#[test]
fn counted_object_and_typed_uint8() {
    let b = [
        b'{', b'#', b'i', 1, b'i', 1, b'k', b'[', b'$', b'U', b'#', b'i', 3, 1, 2, 255,
    ];
    assert_eq!(
        decode(&b).unwrap(),
        obj(&[("k", Json::Numbers(vec![1.0, 2.0, 255.0]))])
    );
}

fn fails(b: &[u8], needle: &str) {
    match decode(b) {
        Ok(v) => panic!("decoded {v:?}, expected an error with {needle:?}"),
        Err(e) => assert!(
            e.to_string().contains(needle),
            "error {e} does not mention {needle:?}"
        ),
    }
}

#[test]
fn hostile_buffers_fail_cleanly() {
    fails(b"", "truncated");
    fails(b"{", "truncated");
    fails(b"{i\x05ab", "truncated");
    fails(b"[$d#L\x7f\xff\xff\xff\xff\xff\xff\xff", "more than");
    fails(b"[#l\x7f\xff\xff\xff", "more than");
    fails(b"[#i\xff", "negative");
    fails(b"[$Z#i\x02", "unsupported container type");
    fails(b"[$d", "needs a count");
    fails(b"q", "unknown type marker");
    fails(b"[]]", "trailing");
    fails(b"{S\x01a}", "must be an integer");
    fails(&[b'['; 10_000], "nest more than");
    let mut deep = vec![b'['; MAX_NESTING];
    deep.extend(vec![b']'; MAX_NESTING]);
    assert!(decode(&deep).is_ok());
    deep.insert(0, b'[');
    deep.push(b']');
    fails(&deep, "nest more than");
}

#[test]
fn every_truncation_of_a_document_fails_without_panicking() {
    let mut b = vec![b'{', b'i', 1, b'x', b'[', b'$', b'd', b'#', b'i', 3];
    b.extend([0u8; 12]);
    b.extend([b'i', 1, b'y', b'S', b'i', 3, b'a', b'b', b'c', b'}']);
    assert!(decode(&b).is_ok());
    for n in 0..b.len() {
        assert!(decode(&b[..n]).is_err(), "prefix of {n} bytes decoded");
    }
}
