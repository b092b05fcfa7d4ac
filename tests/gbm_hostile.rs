//! Hostile inputs for the XGBoost and LightGBM readers: the model buffer inside a real pickled
//! wrapper (UBJSON for XGBoost, the text model for LightGBM) is truncated, mutated and forged
//! (huge counts, backward or cyclic children, out-of-range features and bitsets, unsupported
//! objectives); every case is a clear load error or a model whose walks stay in bounds, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use predict_worker::model::lightgbm::model as lgbm;
use predict_worker::model::pickle::{unpickle, Limits};
use predict_worker::model::value::{Node, Value};
use predict_worker::model::xgboost::model as xgb;
use predict_worker::model::{joblib, load_model_bytes, LoadLimits};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gbm")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The Booster's raw buffer (XGBoost) or model string (LightGBM) inside a pickled wrapper.
fn inner(name: &str) -> Vec<u8> {
    let bytes = fixture(name);
    let (stream, _) = joblib::decompress(&bytes, 1 << 30).unwrap();
    let (heap, _, _) = unpickle(&stream, &Limits::default()).unwrap();
    for id in 0..heap.len() {
        match heap.node(id) {
            Node::ByteArray(b) if b.first() == Some(&b'{') => return b.clone(),
            Node::Object(o) if o.class.name == "Booster" => {
                let state = o.state.as_ref().and_then(|s| heap.dict_get(s, "_handle"));
                if let Some(Value::Str(s)) = state {
                    return s.as_bytes().to_vec();
                }
            }
            _ => {}
        }
    }
    panic!("{name}: no Booster buffer found");
}

fn mutate(rng: &mut StdRng, original: &[u8]) -> Vec<u8> {
    let mut b = original.to_vec();
    match rng.random_range(0..6) {
        0 => b.truncate(rng.random_range(0..b.len())),
        1 => {
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                b[i] ^= 1 << rng.random_range(0..8);
            }
        }
        2 => {
            let i = rng.random_range(0..b.len());
            b[i] = *[
                0u8, 0xff, 0x7f, 0x80, b'-', b'9', b'[', b'{', b'L', b'$', b'#', b' ', b'\n',
            ]
            .get(rng.random_range(0..13))
            .unwrap_or(&0);
        }
        3 => {
            let i = rng.random_range(0..b.len());
            let n = rng.random_range(1..64).min(b.len() - i);
            let span = b[i..i + n].to_vec();
            let at = rng.random_range(0..b.len());
            b.splice(at..at, span);
        }
        4 => {
            let i = rng.random_range(0..b.len());
            b.insert(i, rng.random());
        }
        _ => {
            let i = rng.random_range(0..b.len());
            let n = rng.random_range(1..256).min(b.len() - i);
            b.drain(i..i + n);
        }
    }
    b
}

const ROWS: [[f64; 6]; 4] = [
    [0.0; 6],
    [f64::NAN; 6],
    [1e300, -1e300, 0.5, -0.5, 3.0, 1e-40],
    [-1.0, 2.0, f64::NAN, 7.0, -3.0, 0.1],
];

#[test]
fn mutated_xgboost_buffers_never_panic() {
    let original = inner("xgb_multiclass.joblib");
    assert!(xgb::load(&original).is_ok());
    let mut rng = StdRng::seed_from_u64(9);
    let (mut loaded, mut refused) = (0, 0);
    for i in 0..3000 {
        let b = mutate(&mut rng, &original);
        let outcome = catch_unwind(AssertUnwindSafe(|| match xgb::load(&b) {
            Ok(m) => {
                for row in ROWS {
                    let row: Vec<f32> = row.iter().map(|v| *v as f32).collect();
                    for &root in &m.forest.roots {
                        let _ = m.forest.leaf(root, &row);
                    }
                }
                true
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                false
            }
        }));
        match outcome {
            Ok(true) => loaded += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("mutation {i} panicked"),
        }
    }
    eprintln!("xgboost mutations: {loaded} loaded, {refused} refused");
    assert!(loaded > 0 && refused > 0);
}

#[test]
fn mutated_lightgbm_model_strings_never_panic() {
    let original = inner("lgbm_categorical.joblib");
    assert!(lgbm::load(std::str::from_utf8(&original).unwrap(), 0).is_ok());
    let mut rng = StdRng::seed_from_u64(11);
    let (mut loaded, mut refused) = (0, 0);
    for i in 0..3000 {
        let b = mutate(&mut rng, &original);
        let text = String::from_utf8_lossy(&b);
        let outcome = catch_unwind(AssertUnwindSafe(|| match lgbm::load(&text, 0) {
            Ok(m) => {
                let mut out = vec![0.0; m.k];
                for row in ROWS {
                    let mut row = row.to_vec();
                    row.resize(m.n_features, 0.0);
                    m.raw_row(&mut row, &mut out);
                }
                true
            }
            Err(_) => false,
        }));
        match outcome {
            Ok(true) => loaded += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("mutation {i} panicked"),
        }
    }
    eprintln!("lightgbm mutations: {loaded} loaded, {refused} refused");
    assert!(loaded > 0 && refused > 0);
}

fn lgbm_err(text: &str) -> String {
    match lgbm::load(text, 0) {
        Ok(_) => panic!("loaded a forged model:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const LGBM_ONE_TREE: &str = "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n\
max_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=3\nnum_cat=0\nsplit_feature=0 1\n\
threshold=0.5 1.5\ndecision_type=2 2\nleft_child=1 -1\nright_child=-2 -3\nleaf_value=1 2 3\nshrinkage=1\n\n\
end of trees\n";

#[test]
fn forged_lightgbm_models_fail_with_clear_errors() {
    let ok = lgbm::load(LGBM_ONE_TREE, 0).unwrap();
    let mut out = [0.0];
    ok.raw_row(&mut [0.0, 2.0], &mut out);
    assert_eq!(out, [3.0]);
    let cases = [
        (
            "left_child=1 -1",
            "left_child=0 -1",
            "internal children must follow",
        ),
        ("left_child=1 -1", "left_child=1 -4", "leaves be below"),
        (
            "split_feature=0 1",
            "split_feature=0 2",
            "outside the model's 2 features",
        ),
        ("num_leaves=3", "num_leaves=99999999999", "does not match"),
        ("leaf_value=1 2 3", "leaf_value=1 2", "expected 3"),
        ("leaf_value=1 2 3", "leaf_value=1 2 3 4", "more than 3"),
        ("threshold=0.5 1.5", "threshold=0.5 x", "not a valid number"),
        ("decision_type=2 2", "decision_type=2 1", "bitset"),
        ("decision_type=2 2", "decision_type=2 300", "not valid"),
        (
            "objective=regression",
            "objective=lambdarank",
            "not supported",
        ),
        (
            "objective=regression",
            "objective=regression sqrt",
            "not supported",
        ),
        (
            "objective=regression",
            "objective=multiclass num_class:3",
            "do not fit",
        ),
        ("Tree=0", "Tree=1", "numbered in order"),
        ("end of trees\n", "", "end of trees"),
        ("version=v4\n", "", "not a LightGBM model"),
        ("shrinkage=1", "is_linear=1", "linear tree"),
    ];
    for (from, to, needle) in cases {
        let text = LGBM_ONE_TREE.replacen(from, to, 1);
        let e = lgbm_err(&text);
        assert!(e.contains(needle), "{from} -> {to}: {e}");
    }
    let cat = LGBM_ONE_TREE
        .replacen("num_cat=0", "num_cat=1", 1)
        .replacen("decision_type=2 2", "decision_type=1 2", 1)
        .replacen("threshold=0.5 1.5", "threshold=0 1.5", 1);
    assert!(lgbm_err(&cat).contains("cat_boundaries"));
    let cat_ok = cat.replacen("shrinkage=1", "cat_boundaries=0 1\ncat_threshold=5", 1);
    let m = lgbm::load(&cat_ok, 0).unwrap();
    // Bitset 0b101: categories 0 and 2 go left (to node 1, then leaf 0); others, NaN, negatives right.
    for (x, want) in [
        (0.0, 1.0),
        (2.0, 1.0),
        (2.9, 1.0),
        (1.0, 2.0),
        (f64::NAN, 2.0),
        (-1.0, 2.0),
        (1e10, 2.0),
    ] {
        m.raw_row(&mut [x, 0.0], &mut out);
        assert_eq!(out, [want], "category {x}");
    }
    let forged = cat_ok.replacen("cat_boundaries=0 1", "cat_boundaries=0 999999999", 1);
    assert!(lgbm_err(&forged).contains("cat_threshold"));
}

fn xgb_doc(objective: &str, extra_tree: &str, base_score: &str) -> String {
    format!(
        r#"{{"learner": {{"attributes": {{}}, "learner_model_param": {{"base_score": "{base_score}", "num_class": "0", "num_feature": "2", "num_target": "1"}},
        "objective": {{"name": "{objective}"}},
        "gradient_booster": {{"name": "gbtree", "model": {{"gbtree_model_param": {{"num_parallel_tree": "1", "num_trees": "1"}},
        "tree_info": [0], "trees": [{{"tree_param": {{"num_nodes": "3", "size_leaf_vector": "1"}},
        "left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [1, 0, 0],
        "split_conditions": [0.5, -1.0, 2.0], "default_left": [1, 0, 0]{extra_tree}}}]}}}}}}, "version": [1, 7, 0]}}"#
    )
}

fn xgb_err(doc: &str) -> String {
    match xgb::load(doc.as_bytes()) {
        Ok(_) => panic!("loaded a forged model:\n{doc}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn forged_xgboost_documents_fail_with_clear_errors() {
    let m = xgb::load(xgb_doc("reg:squarederror", "", "5E-1").as_bytes()).unwrap();
    assert_eq!(m.forest.leaf(m.forest.roots[0], &[0.0, 0.4]), -1.0);
    assert_eq!(m.forest.leaf(m.forest.roots[0], &[0.0, 0.5]), 2.0);
    assert_eq!(m.forest.leaf(m.forest.roots[0], &[0.0, f32::NAN]), -1.0);
    assert_eq!(m.base_margin, vec![0.5]);
    let cases = [
        (
            xgb_doc("rank:pairwise", "", "5E-1"),
            "\"rank:pairwise\" is not supported",
        ),
        (xgb_doc("count:poisson", "", "0"), "not a positive mean"),
        (xgb_doc("binary:logistic", "", "1.5"), "not a probability"),
        (
            xgb_doc("reg:squarederror", ", \"split_type\": [1, 0, 0]", "0"),
            "categorical splits",
        ),
        (
            xgb_doc("reg:squarederror", "", "[1,2]"),
            "has 2 values for 1 outputs",
        ),
        (xgb_doc("reg:squarederror", "", "x"), "is not a number"),
        (
            xgb_doc("reg:squarederror", "", "0").replace("[1, -1, -1]", "[2, -1, -1]"),
            "reached twice",
        ),
        (
            xgb_doc("reg:squarederror", "", "0").replace("[1, -1, -1]", "[0, -1, -1]"),
            "reached twice",
        ),
        (
            xgb_doc("reg:squarederror", "", "0").replace("[1, -1, -1]", "[7, -1, -1]"),
            "outside 0..3",
        ),
        (
            xgb_doc("reg:squarederror", "", "0").replace("[1, 0, 0]", "[5, 0, 0]"),
            "splits on feature 5",
        ),
        (
            xgb_doc("reg:squarederror", "", "0")
                .replace("\"num_nodes\": \"3\"", "\"num_nodes\": \"4\""),
            "expected 4",
        ),
        (
            xgb_doc("reg:squarederror", "", "0")
                .replace("\"gbtree\", \"model\"", "\"dart\", \"model\""),
            "\"dart\" is not supported",
        ),
        (
            xgb_doc("reg:squarederror", "", "0")
                .replace("\"num_target\": \"1\"", "\"num_target\": \"2\""),
            "multi-output",
        ),
        (
            xgb_doc("reg:squarederror", "", "0")
                .replace("\"tree_info\": [0]", "\"tree_info\": [3]"),
            "output group 3",
        ),
        ("binf\0\0\0\0".to_string(), "legacy binary format"),
    ];
    for (doc, needle) in cases {
        let e = xgb_err(&doc);
        assert!(e.contains(needle), "expected {needle:?} in: {e}");
    }
}

/// A wrapper class under a module other than its library's is refused like any unknown class.
#[test]
fn wrappers_load_only_from_their_own_library_module() {
    let bytes = fixture("xgb_binary_p2.pkl");
    assert!(load_model_bytes(&bytes, &LoadLimits::default()).is_ok());
    let forged = String::from_utf8_lossy(&bytes).contains("xgboost.sklearn");
    assert!(forged, "protocol 2 names the module as text");
    let mut evil = bytes.clone();
    let at = evil
        .windows(15)
        .position(|w| w == b"xgboost.sklearn")
        .unwrap();
    evil[at..at + 15].copy_from_slice(b"sklearn.xgboost");
    let e = load_model_bytes(&evil, &LoadLimits::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("sklearn.xgboost.XGBClassifier"), "{e}");
}

/// Real pickled wrappers whose Booster carries a forged model (written by
/// `python/make_gbm_fixtures.py`): the whole loader refuses each quickly with a model error.
#[test]
fn forged_boosters_inside_real_wrappers_are_refused() {
    let cases = [
        ("gbm_xgb_count_bomb.pkl", "more than"),
        ("gbm_xgb_deep.pkl", "nest more than"),
        ("gbm_xgb_legacy_binary.pkl", "legacy binary format"),
        ("gbm_lgbm_huge_tree.pkl", "num_leaves"),
        ("gbm_lgbm_cycle.pkl", "internal children must follow"),
    ];
    for (file, needle) in cases {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pickle")
            .join(file);
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let started = std::time::Instant::now();
        let e = match load_model_bytes(&bytes, &LoadLimits::default()) {
            Ok(_) => panic!("{file} loaded"),
            Err(e) => e.to_string(),
        };
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{file} was slow"
        );
        assert!(e.contains(needle), "{file}: {e}");
        assert!(
            e.contains("_Booster"),
            "{file}: the error names the attribute: {e}"
        );
    }
}
