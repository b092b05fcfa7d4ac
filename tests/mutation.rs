//! Randomised mutation test: 100,000 mutated copies of real fixture files (bit flips, byte
//! replacements, truncations, insertions, duplicated spans) go through `load_model_bytes`; none
//! may panic. Seeded, so a failure names a reproducible seed and mutation. Per-seed counts are
//! printed (`--nocapture`), and every estimator seed must show mutations that load and mutations that
//! a builder refuses, so the loop is proven to reach the estimator builders.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

use predict_worker::model::{load_model_bytes, LoadError, LoadLimits};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One seed file: where it lives and whether it is a fitted estimator (it loads unmutated, so its
/// mutations reach the estimator builders) or plain pickle data (its mutations exercise the pickle
/// machine, numpy and joblib only: they fail at the builder's door, mutated or not).
struct Seed {
    path: &'static str,
    estimator: bool,
}

const fn data(path: &'static str) -> Seed {
    Seed {
        path,
        estimator: false,
    }
}

const fn model(path: &'static str) -> Seed {
    Seed {
        path,
        estimator: true,
    }
}

/// Small real files (kept small so 100k loads stay fast in a debug build): every protocol from both
/// numpy majors, masked arrays, joblib raw and with every codec, and one fitted estimator per family
/// from the scikit-learn 1.9.1 fixtures.
const SEEDS: &[Seed] = &[
    data("pickle/np2_mini_p0.pkl"),
    data("pickle/np2_mini_p1.pkl"),
    data("pickle/np2_mini_p2.pkl"),
    data("pickle/np2_mini_p3.pkl"),
    data("pickle/np2_mini_p4.pkl"),
    data("pickle/np2_mini_p5.pkl"),
    data("pickle/np1_mini_p0.pkl"),
    data("pickle/np1_mini_p1.pkl"),
    data("pickle/np1_mini_p2.pkl"),
    data("pickle/np1_mini_p3.pkl"),
    data("pickle/np1_mini_p4.pkl"),
    data("pickle/np1_mini_p5.pkl"),
    model("pickle/np2_tree_p5.pkl"),
    model("pickle/np1_tree_p2.pkl"),
    model("pickle/np2_logreg_p4.pkl"),
    model("pickle/np1_grid_p4.pkl"),
    data("pickle/np2_masked_p2.pkl"),
    data("pickle/np1_masked_p4.pkl"),
    data("pickle/np2_joblib_raw.joblib"),
    model("pickle/np2_tree.joblib"),
    data("pickle/np2_joblib_zlib.joblib"),
    data("pickle/np2_joblib_gzip.joblib"),
    data("pickle/np2_joblib_bz2.joblib"),
    data("pickle/np2_joblib_lzma.joblib"),
    data("pickle/np2_joblib_xz.joblib"),
    data("pickle/np2_joblib_lz4.joblib"),
    // One per estimator family.
    model("sklearn-1.9.1/decision_tree_classifier.pkl"),
    model("sklearn-1.9.1/random_forest_classifier_pickle_p5.pkl"),
    model("sklearn-1.9.1/gradient_boosting_classifier_binary.pkl"),
    model("sklearn-1.9.1/hist_gradient_boosting_classifier_binary.pkl"),
    model("sklearn-1.9.1/logreg_binary_pickle_p4.pkl"),
    model("sklearn-1.9.1/linear_regression.pkl"),
    model("sklearn-1.9.1/sgd_hinge.pkl"),
    model("sklearn-1.9.1/scaler_variants.joblib"),
    model("sklearn-1.9.1/imputer_strategies.pkl"),
    model("sklearn-1.9.1/onehot_drop_if_binary.pkl"),
    model("sklearn-1.9.1/column_transformer_bool_mask.pkl"),
    model("sklearn-1.9.1/pipeline_nested.pkl"),
    model("sklearn-1.9.1/grid_search_logreg.pkl"),
    // Issue 9 part C: more linear models, discriminant analysis, feature transforms, ensembles.
    model("zoo-c/sklearn-1.9.1/kernel_ridge_poly.pkl"),
    model("zoo-c/sklearn-1.9.1/qda_multiclass.pkl"),
    model("zoo-c/sklearn-1.9.1/function_log1p.pkl"),
    model("zoo-c/sklearn-1.9.1/kbins_onehot.pkl"),
    model("zoo-c/sklearn-1.9.1/stacking_binary.pkl"),
    // The model zoo, part A: one per family (SVM, neighbours with a ball tree, naive Bayes, MLP).
    model("zoo-a/sklearn-1.9.1/svc_poly_proba.pkl"),
    model("zoo-a/sklearn-1.9.1/knn_clf_grid_ball_deep.pkl"),
    model("zoo-a/sklearn-1.9.1/categorical_nb.pkl"),
    model("zoo-a/sklearn-1.9.1/mlp_clf_tanh_str.pkl"),
    // The XGBoost and LightGBM wrappers (their UBJSON / text model inside the pickle).
    model("gbm/xgb_tiny_p4.pkl"),
    model("gbm/lgbm_tiny_p4.pkl"),
];

fn read_seed(path: &str) -> Vec<u8> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// What happened to one seed's mutations.
#[derive(Default)]
struct Counts {
    runs: usize,
    loaded: usize,
    /// Refused by an estimator builder or the registry (the graph was read, the model was not right).
    builder: usize,
    /// Refused earlier: pickle machine, numpy, joblib, compression, limits.
    reader: usize,
}

fn is_builder_error(e: &LoadError) -> bool {
    matches!(e, LoadError::Model(_) | LoadError::Unsupported { .. })
}

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
    let files: Vec<(&Seed, Vec<u8>)> = SEEDS.iter().map(|f| (f, read_seed(f.path))).collect();
    let limits = LoadLimits {
        max_decompressed_bytes: 16 << 20,
        ..LoadLimits::default()
    };
    // The estimator seeds must load as they are, or their mutations would prove nothing about the
    // builders; the data seeds must not (they are plain data, refused at the builder's door).
    for (seed, bytes) in &files {
        let result = load_model_bytes(bytes, &limits);
        if seed.estimator {
            if let Err(e) = &result {
                panic!("estimator seed {} does not load: {e}", seed.path);
            }
        } else {
            assert!(
                result.is_err(),
                "{} is marked as plain data but loads as a model",
                seed.path
            );
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut panics = Vec::new();
    let mut counts: Vec<Counts> = files.iter().map(|_| Counts::default()).collect();
    install_quiet_hook();
    // Compressed seeds mostly exercise the codec crates and cost more per load: a third as often.
    let schedule: Vec<usize> = (0..files.len())
        .flat_map(|k| {
            let name = files[k].0.path;
            let weight = if name.contains("_joblib_") && !name.contains("raw") {
                1
            } else {
                3
            };
            std::iter::repeat_n(k, weight)
        })
        .collect();
    for i in 0..PER_PART {
        let k = schedule[i % schedule.len()];
        let (file, original) = &files[k];
        let (data, what) = mutate(&mut rng, original);
        IN_LOAD.with(|f| f.set(true));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            load_model_bytes(&data, &limits).map(|_| ())
        }));
        IN_LOAD.with(|f| f.set(false));
        let c = &mut counts[k];
        c.runs += 1;
        match outcome {
            Ok(Ok(())) => c.loaded += 1,
            Ok(Err(e)) if is_builder_error(&e) => c.builder += 1,
            Ok(Err(_)) => c.reader += 1,
            Err(_) => panics.push(format!("seed {seed} #{i} {}: {what}", file.path)),
        }
    }
    let took = started.elapsed();
    eprintln!(
        "{PER_PART} mutations (seed {seed}) in {took:?}, {} panics",
        panics.len()
    );
    eprintln!(
        "{:<58} {:>6} {:>7} {:>8} {:>7}",
        "seed file", "runs", "loaded", "builder", "reader"
    );
    for ((file, _), c) in files.iter().zip(&counts) {
        eprintln!(
            "{:<58} {:>6} {:>7} {:>8} {:>7}",
            file.path, c.runs, c.loaded, c.builder, c.reader
        );
    }
    assert!(
        panics.is_empty(),
        "panicked on {} mutations, first: {:?}",
        panics.len(),
        &panics[..panics.len().min(10)]
    );
    // The loop really ran through the builders: for every estimator seed, some mutations still load
    // and some are refused by a builder (so they got past the pickle machine). Over all estimator
    // seeds, mutations mostly break the file, but not all of them.
    let mut total = Counts::default();
    for ((file, _), c) in files.iter().zip(&counts).filter(|((f, _), _)| f.estimator) {
        assert!(
            c.loaded > 0 && c.builder > 0,
            "{}: of {} mutations {} loaded and {} were refused by a builder; both must happen",
            file.path,
            c.runs,
            c.loaded,
            c.builder
        );
        total.runs += c.runs;
        total.loaded += c.loaded;
        total.builder += c.builder;
        total.reader += c.reader;
    }
    let failed = total.builder + total.reader;
    assert!(
        failed > total.runs / 10 && total.loaded > total.runs / 100,
        "estimator seeds: {failed} of {} mutations failed to load and {} loaded",
        total.runs,
        total.loaded
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
