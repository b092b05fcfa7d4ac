//! Real `joblib.dump` files: NumpyArrayWrapper arrays inline after the pickle (with alignment
//! padding, Fortran order, object arrays as nested pickles), raw and compressed with every codec.

mod pickle_support;

use pickle_support::{array, check_against_twin, fixture, load_info};
use predict_worker::model::joblib::{decompress, Compression};
use predict_worker::model::value::Node;

#[test]
fn raw_joblib_numpy2_and_numpy1() {
    check_against_twin("np2_joblib_raw.joblib", "np2_joblib.json");
    check_against_twin("np2_joblib_raw_p2.joblib", "np2_joblib.json");
    check_against_twin("np1_joblib_raw.joblib", "np1_joblib.json");
    // Written to a stream without tell(): no alignment padding byte before each array.
    check_against_twin("np2_joblib_noalign.joblib", "np2_joblib.json");
    let (_, _, info, codec) = load_info("np2_joblib_raw.joblib");
    assert_eq!(codec, None);
    assert_eq!(info.joblib_arrays, 9, "every array in the dict came inline");
    assert_eq!(info.protocol, 4);
}

#[test]
fn every_compression_codec() {
    for (name, codec) in [
        ("zlib", Compression::Zlib),
        ("gzip", Compression::Gzip),
        ("bz2", Compression::Bz2),
        ("lzma", Compression::Lzma),
        ("xz", Compression::Xz),
        ("lz4", Compression::Lz4),
    ] {
        let file = format!("np2_joblib_{name}.joblib");
        check_against_twin(&file, "np2_joblib.json");
        let (_, _, info, detected) = load_info(&file);
        assert_eq!(detected, Some(codec), "{file}");
        assert_eq!(info.joblib_arrays, 9, "{file}");
    }
}

#[test]
fn object_arrays_come_from_the_nested_stream() {
    let (heap, root, _, _) = load_info("np2_joblib_gzip.joblib");
    let a = array(&heap, &root, "obj_str", "gzip");
    assert_eq!(a.to_strings(&heap).unwrap(), vec!["setosa", "versicolor"]);
    let f = array(&heap, &root, "f2d", "gzip");
    assert!(f.fortran_order);
}

#[test]
fn decompression_is_capped() {
    let bytes = fixture("np2_joblib_zlib.joblib");
    let (full, _) = decompress(&bytes, 1 << 20).unwrap();
    let err = decompress(&bytes, full.len() - 1).unwrap_err().to_string();
    assert!(err.contains("decompresses to more than"), "{err}");
    assert!(decompress(&bytes, full.len()).is_ok());
    for codec in ["gzip", "bz2", "lzma", "xz", "lz4"] {
        let bytes = fixture(&format!("np2_joblib_{codec}.joblib"));
        let err = decompress(&bytes, 100).unwrap_err().to_string();
        assert!(
            err.contains("decompresses to more than 100 bytes"),
            "{codec}: {err}"
        );
    }
}

#[test]
fn truncated_compressed_streams_fail_cleanly() {
    for codec in ["zlib", "gzip", "bz2", "lzma", "xz", "lz4"] {
        let bytes = fixture(&format!("np2_joblib_{codec}.joblib"));
        // lz4_flex accepts a frame whose end mark is cut off when every data block is whole (the
        // pickle inside is then complete and still verified by its STOP), so only cut lz4 mid-data.
        let cuts = if codec == "lz4" {
            vec![bytes.len() / 2]
        } else {
            vec![bytes.len() / 2, bytes.len() - 3]
        };
        for cut in cuts {
            let r = decompress(&bytes[..cut], 1 << 20)
                .map_err(|e| e.to_string())
                .and_then(|(s, _)| {
                    predict_worker::model::pickle::unpickle(&s, &Default::default())
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                });
            assert!(r.is_err(), "{codec} cut at {cut} loaded");
        }
    }
}

#[test]
fn joblib_estimators_hold_arrays() {
    for file in [
        "np2_tree.joblib",
        "np2_tree_gz.joblib",
        "np1_tree.joblib",
        "np1_tree_gz.joblib",
    ] {
        let (heap, root, info, _) = load_info(file);
        assert!(info.joblib_arrays >= 3, "{file}");
        let tree = heap.estimator(&root).unwrap();
        assert_eq!(tree.class_name(), "DecisionTreeClassifier");
        let inner = tree.estimator("tree_").unwrap();
        let nodes = inner.array("nodes").unwrap();
        assert_eq!(nodes.dtype.itemsize(), 64, "{file}");
        assert!(matches!(
            heap.get(tree.req("classes_").unwrap()),
            Some(Node::Array(_))
        ));
    }
}
