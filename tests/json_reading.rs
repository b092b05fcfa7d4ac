//! JSON bodies are read off simd-json's tape with serde_json as the reference: for every body, tricky and
//! generated, `protocol::parse` must give exactly what `parse_with_serde_json` gives (the same rows to
//! the bit, or the same rejection with the same message), and floats must be the nearest double.

use std::sync::Arc;

use predict_worker::protocol::{parse, parse_with_serde_json, Schema};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const JSON: Option<&str> = Some("application/json");

fn schema() -> Schema {
    let names: Arc<[String]> = Arc::from(vec!["a".to_string(), "b".to_string(), "c".to_string()]);
    Schema::new(Some(3), Some(names), 100, 1 << 20)
}

/// Both readings of `body`, which must agree; returns whether it was accepted.
fn agree(body: &[u8], schema: &Schema) -> bool {
    let fast = parse(body, JSON, schema);
    let reference = parse_with_serde_json(body, JSON, schema);
    assert_eq!(
        format!("{fast:?}"),
        format!("{reference:?}"),
        "the readings differ for {:?}",
        String::from_utf8_lossy(body)
    );
    // Debug output writes each float as its shortest round trip (NaN as NaN, -0.0 as -0.0), so equal
    // text is equal bits; `==` would fail on the NaN that null reads as.
    fast.is_ok()
}

#[test]
fn tricky_bodies_get_serde_jsons_verdict() {
    let schema = schema();
    let deep = |n: usize| {
        format!(
            r#"{{"pad":{}{},"features":[1,2,3]}}"#,
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    let mut bodies: Vec<Vec<u8>> = [
        r#"{"features":[1,2,3]}"#,
        r#"{"features":[1,2,3]} x"#,
        r#"{"features":[1,2,3]}{"features":[1,2,3]}"#,
        r#"{"features":[1,2,3]}   "#,
        r#"  {"features":[1,2,3]}"#,
        r#"{"features":[1,2,3],}"#,
        r#"{"features":[1,2,3,]}"#,
        r#"{"features":[1,2,3]"#,
        r#"{"id":"\ud800","features":[1,2,3]}"#,
        r#"{"id":"\udc00\ud800","features":[1,2,3]}"#,
        r#"{"id":"\ud83d\ude00","features":[1,2,3]}"#,
        r#"{"id":"\u0000","features":[1,2,3]}"#,
        r#"{"id":"\x","features":[1,2,3]}"#,
        "{\"id\":\"tab\there\",\"features\":[1,2,3]}",
        "{\"id\":\"nl\nhere\",\"features\":[1,2,3]}",
        r#"{"id":18446744073709551615,"features":[1,2,3]}"#,
        r#"{"id":18446744073709551616,"features":[1,2,3]}"#,
        r#"{"id":-9223372036854775808,"features":[1,2,3]}"#,
        r#"{"id":-9223372036854775809,"features":[1,2,3]}"#,
        r#"{"id":1e400,"features":[1,2,3]}"#,
        r#"{"features":[1e400,2,3]}"#,
        r#"{"features":[-1e400,2,3]}"#,
        r#"{"features":[1e-400,-0,-0.0]}"#,
        r#"{"features":[-0e1,-0E-2,-0]}"#,
        r#"{"features":{"a":-0,"b":-0.0,"c":"-0"}}"#,
        r#"{"id":-0,"features":[1,2,3]}"#,
        r#"{"id":0,"features":[1,2,3]}"#,
        r#"{"id":-0.0,"features":[1,2,3]}"#,
        r#"{"id":[-0],"features":[1,2,3]}"#,
        r#"{"instances":[[-0 ,0, -0],[0,-0,-0]],"id":"-0"}"#,
        r#"{"instances":[{"a":-0,"b":0,"c":-0}],"x":{"y":-0}}"#,
        r#"{"features":[-00,2,3]}"#,
        r#"{"features":[-0000000000000000000000,2,3]}"#,
        r#"{"features":[-0.0000000000000000000000,-0e-400,-0e400]}"#,
        r#"{"features":[01,2,3]}"#,
        r#"{"features":[1.,2,3]}"#,
        r#"{"features":[.5,2,3]}"#,
        r#"{"features":[+1,2,3]}"#,
        r#"{"features":[1e,2,3]}"#,
        r#"{"features":[1E+2,1e-2,0.1e1]}"#,
        r#"{"features":[NaN,Infinity,-Infinity]}"#,
        r#"{"features":[0.30000000000000004441,2.2250738585072011e-308,4.9e-324]}"#,
        r#"{"features":[179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093429306,2,3]}"#,
        r#"{"features":[123456789012345678901234567890,2,3]}"#,
        r#"{"features":[null,2,true]}"#,
        r#"{"features":{"a":1,"b":2,"c":3}}"#,
        r#"{"features":{"\u0061":1,"b":2,"c":3}}"#,
        r#"{"features":{"a":1,"b":2,"c":3,"a":4}}"#,
        r#"{"features":{"a":1,"b":2}}"#,
        r#"{"features":{"a":1,"b":2,"c":"text"}}"#,
        r#"{"features":{"a":1,"b":2,"c":"\ud800"}}"#,
        r#"{"instances":[[1,2,3],{"a":1,"b":2,"c":3}]}"#,
        r#"{"instances":[[1,2,3],[1,2]]}"#,
        r#"{"instances":[]}"#,
        r#"{"features":[1,2,3],"features":[1,2,3]}"#,
        r#"{"features":[1,2,3],"instances":[[1,2,3]]}"#,
        r#"{}"#,
        r#"[]"#,
        r#"null"#,
        r#""features""#,
        "",
        " ",
        "\u{feff}{\"features\":[1,2,3]}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for n in [1, 100, 126, 127, 128, 129, 200, 5_000, 100_000] {
        bodies.push(deep(n).into_bytes());
    }
    // Bytes that are not UTF-8, in a key, a value and an ignored string.
    bodies.push(b"{\"features\":{\"a\xff\":1,\"b\":2,\"c\":3}}".to_vec());
    bodies.push(b"{\"features\":{\"a\":1,\"b\":2,\"c\":\"\xc3\x28\"}}".to_vec());
    bodies.push(b"{\"pad\":\"\xed\xa0\x80\",\"features\":[1,2,3]}".to_vec());
    let accepted = bodies.iter().filter(|b| agree(b, &schema)).count();
    // The list holds both kinds, so agreement is not agreement on refusing everything.
    assert!(
        (10..bodies.len() - 20).contains(&accepted),
        "{accepted} of {} accepted",
        bodies.len()
    );
}

/// Random doubles, written the ways producers write them, read back as the nearest double.
#[test]
fn floats_are_read_exactly() {
    let schema = schema();
    let mut rng = StdRng::seed_from_u64(0xf10a7);
    for i in 0..20_000 {
        let x = match i % 4 {
            0 => f64::from_bits(
                rng.random::<u64>() & !(0x7ff << 52) | (rng.random_range(0..0x7ffu64) << 52),
            ),
            1 => rng.random_range(-1e6..1e6),
            2 => {
                (rng.random_range(-100_000i64..100_000) as f64) / 10f64.powi(rng.random_range(0..8))
            }
            _ => f64::from(rng.random::<f32>()),
        };
        let forms = [
            format!("{x:?}"),
            format!("{x:e}"),
            format!("{x:.17e}"),
            format!("{x:.25}"),
        ];
        for text in forms {
            let body = format!(r#"{{"features":[{text},0,0]}}"#);
            assert!(agree(body.as_bytes(), &schema), "{body}");
            let rows = parse(body.as_bytes(), JSON, &schema).map(|r| r.rows.values[0]);
            let want: f64 = text.parse().expect("Rust reads its own output");
            assert_eq!(rows.map(f64::to_bits), Ok(want.to_bits()), "{text}");
        }
    }
}

/// Valid bodies damaged at random (bytes changed, inserted, repeated, removed) get the same verdict.
#[test]
fn damaged_bodies_get_serde_jsons_verdict() {
    let schema = schema();
    let seeds = [
        r#"{"id":"r-1","features":[1.5,-2e-3,null]}"#,
        r#"{"id":7,"instances":[[1,2,3],{"c":"x","a":0.1,"b":1e10}],"meta":{"k":[true,false,"\u00e9"]}}"#,
        r#"{"features":{"a":"\"q\"","b":"\\","c":12345678901234567890}}"#,
    ];
    let alphabet = b"{}[],:\"\\0123456789.eE+-aunltrf \n\xff";
    let mut rng = StdRng::seed_from_u64(0xd1ff);
    let (mut total, mut accepted) = (0, 0);
    for seed in seeds {
        for _ in 0..4_000 {
            let mut body = seed.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..4) {
                let at = rng.random_range(0..body.len());
                match rng.random_range(0..4) {
                    0 => body[at] = alphabet[rng.random_range(0..alphabet.len())],
                    1 => body.insert(at, alphabet[rng.random_range(0..alphabet.len())]),
                    2 => {
                        let end = (at + rng.random_range(1..8)).min(body.len());
                        let piece = body[at..end].to_vec();
                        body.splice(at..at, piece);
                    }
                    _ => {
                        body.remove(at);
                    }
                }
            }
            total += 1;
            accepted += usize::from(agree(&body, &schema));
        }
    }
    assert!(
        accepted > total / 20 && accepted < total,
        "{accepted} of {total} accepted"
    );
}
