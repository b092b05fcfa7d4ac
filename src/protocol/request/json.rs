//! JSON request bodies: read with simd-json (SIMD scan, then `tape::read` over its tape), with serde_json
//! as the authority for every body that reading refuses, so each rejection and its message are serde_json's.

use std::sync::Mutex;

use serde::de::DeserializeSeed;

use super::context::Ctx;
use super::document::RequestSeed;
use super::{tape, RequestError, Schema};

/// Nesting simd-json accepts before it refuses a body (and serde_json, whose own limit this is, says
/// why).
const MAX_DEPTH: usize = 128;

/// The most tape nodes (24 bytes each; simd-json's other buffers are sized alike) and input bytes a
/// scratch keeps between bodies: enough for hundreds of rows; a larger body's are freed after it.
const KEEP_NODES: usize = 1 << 16;
const KEEP_INPUT: usize = 1 << 20;

/// Reusable simd-json state: the padded copy of the body it rewrites in place, its buffers, and the
/// tape's allocation. Kept in a small shared pool rather than per thread, because a large micro-batch
/// is parsed on threads that live only as long as that batch.
struct Scratch {
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    tape: simd_json::Tape<'static>,
}

/// At most this many scratches are kept (one per parsing thread is enough).
const POOL_SIZE: usize = 8;

static POOL: Mutex<Vec<Scratch>> = Mutex::new(Vec::new());

fn take() -> Scratch {
    let pooled = POOL.lock().ok().and_then(|mut pool| pool.pop());
    pooled.unwrap_or_else(|| Scratch {
        input: Vec::new(),
        buffers: simd_json::Buffers::with_max_depth(0, MAX_DEPTH),
        tape: simd_json::Tape::null(),
    })
}

/// Back to the pool, unless the pool is full or the last body grew the scratch past the caps (then
/// it is freed, and a later body starts a fresh one).
fn give_back(scratch: Scratch) {
    let small = scratch.input.capacity() <= KEEP_INPUT
        && scratch.buffers.structural_indexes().len() <= KEEP_NODES
        && scratch.tape.0.capacity() <= KEEP_NODES;
    if let Ok(mut pool) = POOL.lock() {
        if small && pool.len() < POOL_SIZE {
            pool.push(scratch);
        }
    }
}

/// Read a JSON body. The simd-json reading (when `fast`) is kept only when it succeeds; otherwise the
/// body is read again, from a fresh context, by serde_json, whose verdict and message stand.
pub(super) fn read<'s>(
    body: &[u8],
    schema: &'s Schema,
    fast: bool,
) -> (Ctx<'s>, Result<(), RequestError>) {
    if let Some(ctx) = fast.then(|| simd(body, schema)).flatten() {
        return (ctx, Ok(()));
    }
    let mut ctx = Ctx::new(schema);
    let mut de = serde_json::Deserializer::from_slice(body);
    let outcome = RequestSeed { ctx: &mut ctx }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| match e.classify() {
            serde_json::error::Category::Data => RequestError::invalid(e.to_string()),
            _ => RequestError::InvalidJson(e.to_string()),
        });
    (ctx, outcome)
}

/// The simd-json reading, or `None` for any failure (invalid JSON, too deep, a bad request).
fn simd<'s>(body: &[u8], schema: &'s Schema) -> Option<Ctx<'s>> {
    let mut scratch = take();
    let Scratch {
        input,
        buffers,
        tape,
    } = &mut scratch;
    input.clear();
    input.extend_from_slice(body);
    input.resize(body.len() + simd_json::INPUT_PADDING, 0);
    let mut filled = std::mem::replace(tape, simd_json::Tape::null()).reset();
    let parsed = simd_json::fill_tape_padded(input, body.len(), buffers, &mut filled);
    let mut ctx = Ctx::new(schema);
    let outcome = parsed.ok().and_then(|()| tape::read(&filled.0, &mut ctx));
    *tape = filled.reset();
    give_back(scratch);
    outcome.map(|()| ctx)
}
