//! Hostile request bodies: pickle expansion bombs (DUP and memo references, also under ignored keys),
//! memo slots written twice, containers changed after use, and a generated corpus of JSON and pickle
//! bodies, each decoded with a counting allocator: an error reply, never a panic, and bounded memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use ndarray::Axis;
use predict_worker::model::{Batch, Output, PredictError};
use predict_worker::protocol::{self, pickle_scan, Message, Reply, Schema};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// Counts live heap bytes and their peak, so a test can see what decoding one body allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the peak counter is process-wide.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

const PICKLE: &str = "application/python-pickle";
const MAX_BODY: usize = 64 * 1024;

fn schema() -> Schema {
    Schema::new(Some(3), None, 1_000, MAX_BODY)
}

fn sum(b: &Batch) -> Result<Output, PredictError> {
    Ok(Output::Regression {
        values: b.values.sum_axis(Axis(1)).insert_axis(Axis(1)),
    })
}

/// Answer one body and return the reply with the peak heap growth while answering it.
fn answer(body: &[u8], content_type: &str) -> (Reply, usize) {
    let schema = schema();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let replies = protocol::respond(
        sum,
        &schema,
        &[Message {
            body,
            content_type: Some(content_type),
        }],
    );
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert_eq!(replies.len(), 1);
    (replies.into_iter().next().expect("one reply"), grew)
}

fn error_of(reply: &Reply) -> (String, String) {
    let v: Value = if reply.content_type == PICKLE {
        serde_pickle::from_slice(&reply.body, serde_pickle::DeOptions::new()).expect("pickle reply")
    } else {
        serde_json::from_slice(&reply.body).expect("JSON reply")
    };
    (
        v["error"]["code"].as_str().unwrap_or("").to_string(),
        v["error"]["message"].as_str().unwrap_or("").to_string(),
    )
}

fn unicode(s: &str) -> Vec<u8> {
    let mut out = vec![0x8c, s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

/// `{key: <value>}` around raw pickle opcodes, plus valid features under "features" when `key` is
/// another key (so the bomb sits beside a good request).
fn wrap(key: &str, value: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80, 0x04, b'}', b'('];
    if key != "features" {
        out.extend(unicode("features"));
        out.extend([b']', b'(', b'K', 1, b'K', 2, b'K', 3, b'e']);
    }
    out.extend(unicode(key));
    out.extend_from_slice(value);
    out.extend([b'u', b'.']);
    out
}

/// The 162-byte shape from the field: MARK×12, an int, then (DUP×9, LIST)×12, read by Python as a
/// list of 10^12 elements.
fn dup_bomb() -> Vec<u8> {
    let mut out = vec![b'('; 12];
    out.extend([b'K', 7]);
    for _ in 0..12 {
        out.extend([b'2'; 9]);
        out.push(b'l');
    }
    out
}

/// The same expansion through the memo: list k holds `fan` references (BINGET) to list k-1.
fn memo_bomb(levels: u8, fan: usize) -> Vec<u8> {
    let mut out = vec![b']', b'q', 0, b'(', b'K', 1, b'K', 2, b'e', b'0'];
    for level in 1..levels {
        out.extend([b']', b'q', level, b'(']);
        for _ in 0..fan {
            out.extend([b'h', level - 1]);
        }
        out.extend([b'e', b'0']);
    }
    out.extend([b'h', levels - 1]);
    out
}

#[test]
fn expansion_bombs_are_refused_with_little_memory() {
    let _serial = serial();
    let mut cases = vec![
        ("dup bomb as features", wrap("features", &dup_bomb())),
        ("dup bomb under an ignored key", wrap("pad", &dup_bomb())),
        (
            "memo bomb as features",
            wrap("features", &memo_bomb(12, 10)),
        ),
        (
            "memo bomb under an ignored key",
            wrap("pad", &memo_bomb(12, 10)),
        ),
    ];
    // A family: every depth and fan-out whose expansion passes the budget, through the memo.
    for levels in 3..=20u8 {
        for fan in [2usize, 3, 10, 100] {
            let expanded = (fan as f64).powi(i32::from(levels) - 1) * 2.0;
            if expanded * pickle_scan::ELEMENT_COST as f64
                > pickle_scan::budget_for(MAX_BODY) as f64
                && levels as usize * fan * 2 < MAX_BODY
            {
                let name = format!("memo bomb {levels} levels × {fan}");
                cases.push((
                    Box::leak(name.into_boxed_str()),
                    wrap("x", &memo_bomb(levels, fan)),
                ));
            }
        }
    }
    assert!(cases.len() > 20, "the family has {} members", cases.len());
    for (name, body) in cases {
        let (reply, grew) = answer(&body, PICKLE);
        let (code, message) = error_of(&reply);
        assert_eq!(code, "invalid_pickle", "{name}: {message}");
        assert!(
            message.contains("DUP") || message.contains("materialise"),
            "{name}: the message says which limit: {message}"
        );
        assert!(grew < 4 << 20, "{name}: decoding it allocated {grew} bytes");
    }
}

#[test]
fn python_pickles_that_share_a_row_are_served() {
    let _serial = serial();
    // pickle.dumps({"id": "shared", "instances": [[1.5, 2.0, 3]] * 50}, protocol=4): one row
    // object referenced 50 times through the memo, as Python writes `[row] * 50`.
    let hex = "8004959d000000000000007d94288c026964948c06736861726564948c09696e7374616e636573945d94285d9428473ff80000000000004740000000000000004b0365680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680568056805680565752e";
    let body: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let (reply, _) = answer(&body, PICKLE);
    assert_eq!(reply.error, None, "{:?}", error_of(&reply));
    let v: Value = serde_pickle::from_slice(&reply.body, serde_pickle::DeOptions::new()).unwrap();
    let predictions = v["predictions"].as_array().expect("predictions");
    assert_eq!(predictions.len(), 50);
    assert!(predictions.iter().all(|p| p == 6.5), "{predictions:?}");
}

#[test]
fn pickles_python_would_read_differently_are_refused() {
    let _serial = serial();
    // Memo slot 1 written twice: Python keeps the first object where it was used, serde-pickle would
    // re-point it. {'features': [1, 2, 3]} built with slot 1 reused for the row.
    let mut reused = vec![0x80, 0x02, b'}', b'q', 0];
    reused.extend(unicode("features"));
    reused.extend([
        b'q', 1, b']', b'q', 1, b'(', b'K', 1, b'K', 2, b'K', 3, b'e', b's', b'.',
    ]);
    // A row changed after it was placed in the request: Python shows the change, serde-pickle not.
    let mut changed = vec![0x80, 0x02, b'}', b'q', 0];
    changed.extend(unicode("features"));
    changed.extend([b']', b'q', 1, b'(', b'K', 1, b'K', 2, b'e', b's']);
    changed.extend([b'h', 1, b'K', 3, b'a', b'0', b'.']);
    for (name, body, needle) in [
        ("memo slot reused", reused, "memo slot 1 twice"),
        ("container changed after use", changed, "after placing it"),
        ("DUP", wrap("features", b"]2a"), "DUP"),
    ] {
        let (reply, _) = answer(&body, PICKLE);
        let (code, message) = error_of(&reply);
        assert_eq!(code, "invalid_pickle", "{name}: {message}");
        assert!(message.contains(needle), "{name}: {message}");
    }
}

#[test]
fn too_many_instances_is_reported_before_a_bad_row() {
    let _serial = serial();
    for row in ["[]", "[0]", "[1,2,3,4]"] {
        let rows = vec![row; 1_001].join(",");
        let body = format!(r#"{{"id": 9, "instances": [{rows}]}}"#);
        let (reply, _) = answer(body.as_bytes(), "application/json");
        let (code, message) = error_of(&reply);
        assert_eq!(code, "too_many_instances", "rows of {row}: {message}");
        assert!(message.contains("1001"), "{message}");
    }
    // Within the limit, the bad row's own error stands.
    let body = r#"{"instances": [[1,2,3], [0], [1,2,3]]}"#;
    let (reply, _) = answer(body.as_bytes(), "application/json");
    assert_eq!(error_of(&reply).0, "wrong_feature_count");
}

/// Valid-looking seeds for the generated corpus, JSON and pickle.
fn seeds() -> Vec<(Vec<u8>, &'static str)> {
    let mut out = vec![
        (
            br#"{"id": 1, "features": [1.5, null, 3]}"#.to_vec(),
            "application/json",
        ),
        (
            br#"{"instances": [[1, 2, 3], [4, 5, 6]], "meta": {"a": [1, {"b": "c"}]}}"#.to_vec(),
            "application/json",
        ),
        (
            wrap(
                "features",
                &[
                    b']', b'(', b'K', 1, b'G', 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, b'N', b'e',
                ],
            ),
            PICKLE,
        ),
        (wrap("pad", &memo_bomb(4, 3)), PICKLE),
    ];
    let mut batch = vec![0x80, 0x02, b'}', b'('];
    batch.extend(unicode("instances"));
    batch.extend([
        b']', b'q', 1, b'(', b']', b'q', 2, b'(', b'K', 1, b'K', 2, b'K', 3, b'e',
    ]);
    batch.extend([b'h', 2, b'h', 2, b'e', b'u', b'.']);
    out.push((batch, PICKLE));
    out
}

#[test]
fn generated_bodies_never_panic_and_stay_bounded() {
    let _serial = serial();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let opcodes: &[u8] = b"(2ahjqsleu]}).0K";
    let mut worst = 0usize;
    let mut refused = 0usize;
    let mut total = 0usize;
    for (seed, content_type) in seeds() {
        for _ in 0..1_500 {
            let mut body = seed.clone();
            for _ in 0..rng.random_range(1..8) {
                let at = rng.random_range(0..=body.len());
                match rng.random_range(0..4) {
                    0 if !body.is_empty() => {
                        let i = at.min(body.len() - 1);
                        body[i] = rng.random();
                    }
                    1 => body.insert(at, opcodes[rng.random_range(0..opcodes.len())]),
                    2 => {
                        // Repeat a slice: the shape of a generated expansion.
                        let end = (at + rng.random_range(1..6)).min(body.len());
                        let piece = body[at..end].to_vec();
                        for _ in 0..rng.random_range(1..40) {
                            body.splice(at..at, piece.iter().copied());
                        }
                    }
                    _ if body.len() > 2 => {
                        body.remove(at.min(body.len() - 1));
                    }
                    _ => {}
                }
            }
            let (reply, grew) = answer(&body, content_type);
            worst = worst.max(grew);
            total += 1;
            if reply.error.is_some() {
                refused += 1;
            }
            assert!(
                grew <= 16 * MAX_BODY + (1 << 20),
                "a {}-byte body made decoding allocate {grew} bytes: {:02x?}",
                body.len(),
                body
            );
        }
    }
    println!("{total} bodies, {refused} refused, worst heap growth {worst} bytes");
    assert!(
        refused > total / 10 && refused < total,
        "{refused} of {total} refused"
    );
}

#[test]
fn the_budget_follows_max_body_bytes() {
    let _serial = serial();
    assert_eq!(
        pickle_scan::budget_for(1 << 20),
        pickle_scan::EXPANSION_FACTOR << 20
    );
    // A small body limit still leaves room for Python's shared-row batches.
    assert!(pickle_scan::budget_for(1) >= 256 * 1024);
}
