//! Randomised mutation test: 100,000+ mutated copies of real fixture files (bit flips, byte
//! replacements, truncations, insertions, duplicated spans) go through `load_model_bytes`; none
//! may panic. Seeded, so a failure names a reproducible seed and mutation.

mod pickle_support;

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

use pickle_support::fixture;
use predict_worker::model::{load_model_bytes, LoadLimits};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Small real files (kept small so 100k loads stay fast in a debug build): every protocol from
/// both numpy majors, real estimators, masked arrays, and joblib raw and with every codec.
const SEEDS: &[&str] = &[
    "np2_mini_p0.pkl",
    "np2_mini_p1.pkl",
    "np2_mini_p2.pkl",
    "np2_mini_p3.pkl",
    "np2_mini_p4.pkl",
    "np2_mini_p5.pkl",
    "np1_mini_p0.pkl",
    "np1_mini_p2.pkl",
    "np1_mini_p4.pkl",
    "np1_mini_p5.pkl",
    "np2_tree_p5.pkl",
    "np1_tree_p2.pkl",
    "np2_logreg_p4.pkl",
    "np1_grid_p4.pkl",
    "np2_masked_p2.pkl",
    "np1_masked_p4.pkl",
    "np2_joblib_raw.joblib",
    "np2_tree.joblib",
    "np2_joblib_zlib.joblib",
    "np2_joblib_gzip.joblib",
    "np2_joblib_bz2.joblib",
    "np2_joblib_lzma.joblib",
    "np2_joblib_xz.joblib",
    "np2_joblib_lz4.joblib",
];

/// Mutations per test function; four functions (run in parallel by the test harness) make 100k.
const PER_PART: usize = 25_000;
const PARTS: u64 = 4;

fn mutate(rng: &mut StdRng, original: &[u8]) -> (Vec<u8>, String) {
    let mut data = original.to_vec();
    let rounds = rng.random_range(1..=4);
    let mut what = Vec::new();
    for _ in 0..rounds {
        if data.is_empty() {
            data.push(rng.random());
        }
        let at = rng.random_range(0..data.len());
        match rng.random_range(0..6) {
            0 => {
                let bit = rng.random_range(0..8);
                data[at] ^= 1 << bit;
                what.push(format!("flip bit {bit} at {at}"));
            }
            1 => {
                let b: u8 = rng.random();
                data[at] = b;
                what.push(format!("byte {b:#04x} at {at}"));
            }
            2 => {
                data.truncate(at);
                what.push(format!("truncate at {at}"));
            }
            3 => {
                let n = rng.random_range(1..=8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                data.splice(at..at, bytes);
                what.push(format!("insert {n} at {at}"));
            }
            4 => {
                // Interesting values: large lengths, opcodes, 0xff runs.
                let v: [u8; 4] = *[
                    [0xff, 0xff, 0xff, 0x7f],
                    [0x00, 0x00, 0x00, 0x80],
                    [0xff, 0xff, 0xff, 0xff],
                    [b'(', b'(', b'(', b'('],
                    [b'R', b'b', b'R', b'b'],
                ]
                .get(rng.random_range(0..5))
                .unwrap_or(&[0; 4]);
                let end = (at + 4).min(data.len());
                data[at..end].copy_from_slice(&v[..end - at]);
                what.push(format!("value {v:?} at {at}"));
            }
            _ => {
                let end = rng.random_range(at..=data.len().min(at + 64));
                let span = data[at..end].to_vec();
                data.splice(at..at, span);
                what.push(format!("duplicate {at}..{end}"));
            }
        }
    }
    (data, what.join(", "))
}

thread_local! {
    static IN_LOAD: Cell<bool> = const { Cell::new(false) };
}

/// Panics caught inside a load are reported at the end; keep the hook from printing each one, but
/// let every other panic (a failing assertion) print as usual.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_LOAD.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Run one part of the mutation test. Seeds: `MUTATION_SEED` (default 0x5eed_2026) plus the part.
fn run_part(part: u64) {
    let base: u64 = std::env::var("MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026);
    let seed = base.wrapping_mul(PARTS).wrapping_add(part);
    let files: Vec<(&str, Vec<u8>)> = SEEDS.iter().map(|f| (*f, fixture(f))).collect();
    let limits = LoadLimits {
        max_decompressed_bytes: 16 << 20,
        ..LoadLimits::default()
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut panics = Vec::new();
    let mut errors = 0usize;
    install_quiet_hook();
    // Compressed seeds mostly exercise the codec crates and cost more per load: a third as often.
    let schedule: Vec<usize> = (0..files.len())
        .flat_map(|k| {
            let weight = if files[k].0.contains("_joblib_") && !files[k].0.contains("raw") {
                1
            } else {
                3
            };
            std::iter::repeat_n(k, weight)
        })
        .collect();
    for i in 0..PER_PART {
        let k = schedule[i % schedule.len()];
        let (name, original) = &files[k];
        let (data, what) = mutate(&mut rng, original);
        IN_LOAD.with(|f| f.set(true));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            load_model_bytes(&data, &limits).is_err()
        }));
        IN_LOAD.with(|f| f.set(false));
        match outcome {
            Ok(true) => errors += 1,
            Ok(false) => {}
            Err(_) => panics.push(format!("seed {seed} #{i} {name}: {what}")),
        }
    }
    let took = started.elapsed();
    eprintln!(
        "{PER_PART} mutations (seed {seed}) in {took:?}: {errors} errors, {} panics",
        panics.len()
    );
    assert!(
        panics.is_empty(),
        "panicked on {} mutations, first: {:?}",
        panics.len(),
        &panics[..panics.len().min(10)]
    );
    // Most mutations break the file (some only change a number and still load): the loop really ran.
    assert!(
        errors > PER_PART / 10,
        "only {errors} of {PER_PART} mutations failed to load"
    );
}

#[test]
fn mutated_fixtures_never_panic_part1() {
    run_part(0);
}

#[test]
fn mutated_fixtures_never_panic_part2() {
    run_part(1);
}

#[test]
fn mutated_fixtures_never_panic_part3() {
    run_part(2);
}

#[test]
fn mutated_fixtures_never_panic_part4() {
    run_part(3);
}
