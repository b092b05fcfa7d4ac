//! Real numpy pickles (numpy 1.x and 2.x, protocols 0-5) decode to exactly the arrays numpy wrote:
//! every dtype, both byte orders, C and Fortran order, scalars, record dtypes and shared dtypes.

mod pickle_support;

use pickle_support::{array, check_against_twin, load};

#[test]
fn numpy2_every_protocol() {
    for p in 0..=5 {
        check_against_twin(&format!("np2_arrays_p{p}.pkl"), "np2_arrays.json");
    }
}

#[test]
fn numpy1_every_protocol() {
    for p in 0..=5 {
        check_against_twin(&format!("np1_arrays_p{p}.pkl"), "np1_arrays.json");
    }
}

#[test]
fn fortran_arrays_keep_their_order_flag() {
    for file in [
        "np2_arrays_p2.pkl",
        "np2_arrays_p5.pkl",
        "np1_arrays_p4.pkl",
    ] {
        let (heap, root) = load(file);
        let f = array(&heap, &root, "f2d", file);
        assert!(f.fortran_order, "{file}");
        assert_eq!(f.to_array2_f64().unwrap()[[1, 0]], 3.0, "{file}");
        let c = array(&heap, &root, "c2d", file);
        assert!(!c.fortran_order, "{file}");
    }
}

#[test]
fn tree_node_layouts_and_missing_go_to_left() {
    let (heap, root) = load("np2_arrays_p4.pkl");
    let t56 = array(&heap, &root, "tree56", "p4");
    let t64 = array(&heap, &root, "tree64", "p4");
    assert_eq!(t56.dtype.itemsize(), 56);
    assert_eq!(t64.dtype.itemsize(), 64);
    assert!(!t56.has_field("missing_go_to_left"));
    assert_eq!(t64.field_i64("missing_go_to_left").unwrap(), vec![1, 0]);
    assert_eq!(t64.field_i64("left_child").unwrap(), vec![1, -1]);
    let big = array(&heap, &root, "rec_big", "p4");
    assert_eq!(big.field_i64("a").unwrap(), vec![1, -3]);
    assert_eq!(big.field_f64("b").unwrap(), vec![2.5, 4.0]);
}

#[test]
fn masked_arrays_parse_as_inert_objects() {
    for file in [
        "np2_masked_p4.pkl",
        "np2_masked_p2.pkl",
        "np1_masked_p4.pkl",
        "np1_masked_p2.pkl",
    ] {
        let (heap, root) = load(file);
        let v = heap.dict_get(&root, "param_C").unwrap();
        assert!(
            heap.describe(v).contains("numpy.ma"),
            "{file}: {}",
            heap.describe(v)
        );
        assert_eq!(
            array(&heap, &root, "mean_test_score", file)
                .to_f64_vec()
                .unwrap(),
            vec![0.9, 0.95]
        );
    }
}
