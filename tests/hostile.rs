//! Hostile files through the whole loader (`load_model_bytes`): each ends in a clean, typed error,
//! with no panic, no hang and bounded memory. Nothing in them is ever executed.

mod pickle_support;

use std::io::Write;
use std::time::{Duration, Instant};

use pickle_support::fixture;
use predict_worker::model::{load_model_bytes, LoadError, LoadLimits};

/// Load, require an error, and require it quickly.
fn refuse(bytes: &[u8], limits: &LoadLimits) -> LoadError {
    let started = Instant::now();
    let result = load_model_bytes(bytes, limits);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    match result {
        Ok(_) => panic!("a hostile input loaded as a model"),
        Err(e) => e,
    }
}

fn defaults() -> LoadLimits {
    LoadLimits::default()
}

#[test]
fn os_system_is_never_called() {
    let marker = std::path::Path::new("/tmp/predict_worker_pwned");
    let _ = std::fs::remove_file(marker);
    for file in ["evil_os_system.pkl", "evil_eval_p0.pkl"] {
        let err = refuse(&fixture(file), &defaults());
        assert!(
            matches!(err, LoadError::Unsupported { .. }),
            "{file}: {err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("system") || msg.contains("eval"),
            "{file}: {msg}"
        );
    }
    assert!(!marker.exists(), "the pickle's command ran");
}

#[test]
fn hand_built_subprocess_call_stays_inert() {
    // GLOBAL subprocess.check_output, then REDUCE with (['id'],).
    let p = b"csubprocess\ncheck_output\n((S'id'\nltR.";
    let err = refuse(p, &defaults());
    assert!(
        matches!(&err, LoadError::Unsupported { class, .. } if class == "subprocess.check_output"),
        "{err}"
    );
}

#[test]
fn truncated_files() {
    let whole = fixture("np2_tree_p5.pkl");
    for cut in [1, 2, 10, whole.len() / 3, whole.len() / 2, whole.len() - 1] {
        let err = refuse(&whole[..cut], &defaults());
        assert!(
            matches!(err, LoadError::Pickle { .. } | LoadError::NotPickle { .. }),
            "cut {cut}: {err}"
        );
    }
    let joblib = fixture("np2_tree.joblib");
    let err = refuse(&joblib[..joblib.len() - 100], &defaults());
    assert!(matches!(err, LoadError::Pickle { .. }), "{err}");
}

#[test]
fn huge_declared_lengths_fail_before_allocating() {
    for opcode in [0x8eu8, 0x8d, 0x96] {
        // BINBYTES8 / BINUNICODE8 / BYTEARRAY8 declaring 2^60 bytes.
        let mut p = vec![0x80, 5, opcode];
        p.extend((1u64 << 60).to_le_bytes());
        p.extend(b"abc.");
        let err = refuse(&p, &defaults());
        let msg = err.to_string();
        assert!(matches!(err, LoadError::Pickle { offset: 11, .. }), "{msg}");
        assert!(msg.contains("1152921504606846976"), "{msg}");
    }
    // FRAME and LONG4 too.
    let mut p = vec![0x80, 4, 0x95];
    p.extend(u64::MAX.to_le_bytes());
    assert!(matches!(refuse(&p, &defaults()), LoadError::Pickle { .. }));
    let p = [0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0x7f, b'.'];
    assert!(matches!(refuse(&p, &defaults()), LoadError::Pickle { .. }));
}

#[test]
fn millions_of_stack_items() {
    let mut p = vec![0x80, 2];
    p.extend(std::iter::repeat_n(b'N', 3_000_000));
    p.push(b'.');
    let err = refuse(&p, &defaults());
    assert!(matches!(err, LoadError::Limit { .. }), "{err}");
    // DUP cannot get around it either.
    let mut p = vec![0x80, 2, b'N'];
    p.extend(std::iter::repeat_n(b'2', 3_000_000));
    assert!(matches!(refuse(&p, &defaults()), LoadError::Limit { .. }));
}

#[test]
fn half_a_million_nested_marks() {
    // 500k MARKs and nothing else: a clean underflow at STOP.
    let mut p = vec![0x80, 2];
    p.extend(std::iter::repeat_n(b'(', 500_000));
    p.push(b'.');
    assert!(matches!(refuse(&p, &defaults()), LoadError::Pickle { .. }));
    // 500k MARKs closed by 500k LISTs: a list nested 500k deep, built without recursion, then
    // refused because it is not an estimator (and dropped without recursion too).
    let mut p = vec![0x80, 2];
    p.extend(std::iter::repeat_n(b'(', 500_000));
    p.extend(std::iter::repeat_n(b'l', 500_000));
    p.push(b'.');
    let err = refuse(&p, &defaults());
    assert!(
        err.to_string()
            .contains("expected a scikit-learn estimator"),
        "{err}"
    );
    // More marks than the stack limit.
    let mut p = vec![0x80, 2];
    p.extend(std::iter::repeat_n(b'(', 2_000_000));
    assert!(matches!(refuse(&p, &defaults()), LoadError::Limit { .. }));
}

/// A gzip file of many identical members, each 1 MiB of `byte`: 1 GiB once decompressed.
fn gzip_bomb(byte: u8) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![byte; 1 << 20]).unwrap();
    let member = enc.finish().unwrap();
    member.repeat(1024)
}

#[test]
fn decompression_bombs() {
    // 1 GiB of zeros: refused as soon as the first decompressed byte shows it is no pickle.
    let zeros = gzip_bomb(0);
    assert!(zeros.len() < 2 << 20);
    let err = refuse(&zeros, &defaults());
    assert!(matches!(err, LoadError::Compression(_)), "{err}");
    // 1 GiB of PROTO bytes (looks like a pickle): stopped at the decompression cap.
    let limits = LoadLimits {
        max_decompressed_bytes: 64 << 20,
        ..LoadLimits::default()
    };
    let err = refuse(&gzip_bomb(0x80), &limits);
    assert!(matches!(err, LoadError::Limit { .. }), "{err}");
    assert!(err.to_string().contains("decompression bomb"), "{err}");
    // A committed 786-byte bz2 file holding 1 GiB of 0x80.
    let err = refuse(&fixture("bomb_1gib.bz2"), &limits);
    assert!(matches!(err, LoadError::Limit { .. }), "{err}");
}

#[test]
fn empty_json_and_other_non_pickles() {
    assert!(matches!(refuse(b"", &defaults()), LoadError::Empty));
    let err = refuse(br#"{"features": [1, 2, 3]}"#, &defaults());
    assert!(matches!(err, LoadError::NotPickle { .. }), "{err}");
    assert!(err.to_string().contains("JSON"), "{err}");
    assert!(matches!(
        refuse(b"\x93NUMPY\x01\x00", &defaults()),
        LoadError::NotPickle { .. }
    ));
    assert!(matches!(
        refuse(b"ZF0x12345", &defaults()),
        LoadError::Compression(_)
    ));
}

#[test]
fn plain_dict_is_not_a_model() {
    let err = refuse(&fixture("plain_dict.pkl"), &defaults());
    assert!(matches!(err, LoadError::Model(_)), "{err}");
    assert!(err.to_string().contains("found dict of 2"), "{err}");
}

#[test]
fn unsupported_estimator_is_named() {
    // PROTO 2, GLOBAL sklearn.zoo_test.NoSuchEstimator, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD, STOP:
    // a class no registry will ever hold.
    let p = b"\x80\x02csklearn.zoo_test\nNoSuchEstimator\n)\x81}b.";
    let err = refuse(p, &defaults());
    match &err {
        LoadError::Unsupported { class, supported } => {
            assert_eq!(class, "sklearn.zoo_test.NoSuchEstimator");
            assert!(supported.contains("RandomForestClassifier") && supported.contains("SVC"));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn the_svc_pickles_once_used_as_unsupported_now_load() {
    // These files were the unsupported-estimator example before the SVM family existed.
    for file in ["np2_svc_p4.pkl", "np1_svc_p4.pkl"] {
        let model =
            load_model_bytes(&fixture(file), &defaults()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(model.summary().class, "SVC", "{file}");
    }
}

#[test]
fn refused_opcodes_are_typed() {
    for (p, what) in [
        (&b"\x80\x02(Q."[..], "persistent"),
        (b"Pabc\n.", "persistent"),
        (b"\x80\x02\x82\x01.", "extension"),
        (b"\x80\x05\x97.", "out-of-band"),
        (b"\x80\x05\x98.", "out-of-band"),
    ] {
        let err = refuse(p, &defaults());
        assert!(matches!(err, LoadError::Forbidden { .. }), "{err}");
        assert!(err.to_string().contains(what), "{err}");
    }
}

#[test]
fn memo_amplification_is_bounded() {
    // One 100k-item tuple, then 20k calls that each take it as arguments via the memo: without a
    // copy budget this would clone two billion values.
    let mut p = b"\x80\x02cmod\nf\nq\x00(".to_vec();
    p.extend(std::iter::repeat_n(b'N', 100_000));
    p.extend(b"tq\x01");
    p.extend(std::iter::repeat_n(&b"h\x00h\x01R0"[..], 20_000).flatten());
    p.extend(b"N.");
    let err = refuse(&p, &defaults());
    assert!(matches!(err, LoadError::Limit { .. }), "{err}");
    // The same with bytes turned into bytearrays over and over.
    let mut p = b"\x80\x02c__builtin__\nbytearray\nq\x00B\x00\x00\x10\x00".to_vec();
    p.extend(vec![0u8; 1 << 20]);
    p.extend(b"\x85q\x01");
    p.extend(std::iter::repeat_n(&b"h\x00h\x01R0"[..], 20_000).flatten());
    p.extend(b"N.");
    let err = refuse(&p, &defaults());
    assert!(matches!(err, LoadError::Limit { .. }), "{err}");
}
