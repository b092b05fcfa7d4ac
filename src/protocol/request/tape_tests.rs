//! Unit tests of the tape reading: it must take the usual bodies itself (not pass them to serde) and
//! read them exactly as serde_json does, and it must pass on every body the request seeds refuse.

use std::sync::Arc;

use super::super::{parse_with_serde_json, Schema};
use super::*;

fn named() -> Schema {
    let names: Arc<[String]> = Arc::from(vec!["a".to_string(), "b".to_string(), "c".to_string()]);
    Schema::new(Some(3), Some(names), 4, 1 << 20)
}

fn unnamed() -> Schema {
    Schema::new(None, None, 4, 1 << 20)
}

/// The tape reading of `body`, finished into a request, or `None` when it passes.
fn tape_reading(body: &str, schema: &Schema) -> Option<String> {
    let mut bytes = body.as_bytes().to_vec();
    let tape = simd_json::to_tape(&mut bytes).expect("valid JSON");
    let mut ctx = Ctx::new(schema);
    read(&tape.0, &mut ctx)?;
    Some(format!("{:?}", ctx.finish()))
}

#[test]
fn usual_bodies_are_read_off_the_tape_as_serde_json_reads_them() {
    let cases: [(&str, Schema); 16] = [
        (r#"{"features":[1,2.5,null]}"#, named()),
        (r#"{"id":7,"features":[1,-2,-0]}"#, named()),
        (r#"{"id":-7,"instances":[[1,2,3],[4,5e-3,6E2]]}"#, named()),
        (
            r#"{"id":"x","features":{"a":1,"b":null,"c":"red"}}"#,
            named(),
        ),
        (r#"{"features":{"c":3,"a":1,"b":2},"id":null}"#, named()),
        (
            r#"{"instances":[{"a":1,"b":2,"c":"x"},{"b":0.1,"c":"y","a":-0}],"id":true}"#,
            named(),
        ),
        // Unknown keys, nested or not, before and after the rows, are skipped by their node count.
        (
            r#"{"meta":{"x":[1,{"y":[2,3]}],"z":{}},"features":[1,2,3],"tail":[[],[[]]]}"#,
            named(),
        ),
        (
            r#"{"pad":[[[1]]],"instances":[[1,2,3]],"more":{"a":{"b":1}}}"#,
            named(),
        ),
        (
            r#"{"id":1.5,"features":[1,2,3],"id":18446744073709551615}"#,
            named(),
        ),
        (r#"{"id":-1e300,"features":[1,2,3]}"#, named()),
        // An id `-0` is -0.0, as serde_json reads it; `0` stays 0.
        (r#"{"id":-0,"features":[1,2,3]}"#, named()),
        (r#"{"id":0,"features":[1,2,3]}"#, named()),
        (r#"{"instances":[[1],[2],[3],[4]]}"#, unnamed()),
        (r#"{"instances":[[1,2],[3,4]]}"#, unnamed()),
        (
            r#"{"features":[9007199254740993,-9223372036854775808]}"#,
            unnamed(),
        ),
        (r#"{"instances":[]}"#, named()),
    ];
    for (body, schema) in cases {
        let tape = tape_reading(body, &schema)
            .unwrap_or_else(|| panic!("the tape reading passed on {body}"));
        let reference = format!(
            "{:?}",
            parse_with_serde_json(body.as_bytes(), None, &schema).map_err(|r| r.error)
        );
        assert_eq!(tape, reference, "{body}");
    }
}

#[test]
fn bodies_the_seeds_refuse_are_left_to_serde() {
    let cases: [(&str, Schema); 16] = [
        (r#"[1,2,3]"#, named()),
        (r#"{"features":[1,2]}"#, named()),
        (r#"{"features":[1,2,3,4]}"#, named()),
        (r#"{"features":[1,true,3]}"#, named()),
        (r#"{"features":[1,"2",3]}"#, named()),
        (r#"{"features":[1,[2],3]}"#, named()),
        (r#"{"features":{"a":1,"b":2}}"#, named()),
        (r#"{"features":{"a":1,"b":2,"a":3}}"#, named()),
        (r#"{"features":{"a":1,"b":2,"d":3}}"#, named()),
        (r#"{"features":{"a":1,"b":{"x":1},"c":3}}"#, named()),
        (r#"{"features":{"a":1,"b":2}}"#, unnamed()),
        (r#"{"features":[1,2,3],"instances":[[1,2,3]]}"#, named()),
        (r#"{"id":[1],"features":[1,2,3]}"#, named()),
        (
            r#"{"instances":[[1,2,3],[1,2,3],[1,2,3],[1,2,3],[1,2,3]]}"#,
            named(),
        ),
        (r#"{"instances":[[1,2],[3]]}"#, unnamed()),
        (r#"{"instances":[[]]}"#, unnamed()),
    ];
    for (body, schema) in cases {
        assert_eq!(tape_reading(body, &schema), None, "{body}");
        assert!(
            parse_with_serde_json(body.as_bytes(), None, &schema).is_err(),
            "serde_json accepts {body}"
        );
    }
}
