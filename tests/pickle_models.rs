//! Real scikit-learn pickles (1.9 on numpy 2, 1.3 on numpy 1) decode into inert object graphs
//! whose arrays, record nodes and nested estimators are all reachable.

mod pickle_support;

use pickle_support::load;
use predict_worker::model::value::{Node, Value};
use predict_worker::model::Label;

#[test]
fn decision_tree_nodes_and_classes() {
    for file in [
        "np2_tree_p5.pkl",
        "np2_tree_p2.pkl",
        "np1_tree_p5.pkl",
        "np1_tree_p2.pkl",
    ] {
        let (heap, root) = load(file);
        let tree = heap.estimator(&root).unwrap();
        assert_eq!(tree.module(), "sklearn.tree._classes", "{file}");
        assert!(tree.opt_str("_sklearn_version").is_some(), "{file}");
        assert_eq!(tree.usize("n_features_in_").unwrap(), 4);
        let classes = tree.array("classes_").unwrap().to_labels(&heap).unwrap();
        assert_eq!(
            classes,
            vec![Label::Int(0), Label::Int(1), Label::Int(2)],
            "{file}"
        );
        let t = tree.estimator("tree_").unwrap();
        assert_eq!(t.full_name(), "sklearn.tree._tree.Tree");
        let nodes = t.array("nodes").unwrap();
        let n = t.usize("node_count").unwrap();
        assert_eq!(nodes.len(), n, "{file}");
        let left = nodes.field_i64("left_child").unwrap();
        assert!(left[0] > 0 && left.contains(&-1), "{file}");
        assert!(nodes.has_field("missing_go_to_left"), "{file}");
        let values = t.array("values").unwrap();
        assert_eq!(values.shape[0], n);
        assert_eq!(values.shape[2], 3);
        // The Tree's constructor args: n_features, n_classes (an intp array), n_outputs.
        assert_eq!(t.obj.args.len(), 3, "{file}");
    }
}

#[test]
fn hist_gradient_boosting_predictor_nodes() {
    for file in ["np2_hgb_p5.pkl", "np1_hgb_p5.pkl"] {
        let (heap, root) = load(file);
        let hgb = heap.estimator(&root).unwrap();
        let stages = hgb.seq("_predictors").unwrap();
        assert_eq!(stages.len(), 3, "{file}");
        let per_class = heap.sequence(&stages[0]).unwrap();
        assert_eq!(per_class.len(), 3);
        let pred = heap.estimator(&per_class[0]).unwrap();
        assert_eq!(pred.class_name(), "TreePredictor");
        let nodes = pred.array("nodes").unwrap();
        for field in [
            "value",
            "num_threshold",
            "left",
            "right",
            "is_leaf",
            "missing_go_to_left",
            "feature_idx",
        ] {
            assert!(nodes.has_field(field), "{file}: {field}");
        }
        let is_leaf = nodes.field_i64("is_leaf").unwrap();
        assert!(is_leaf.contains(&1) && is_leaf.contains(&0), "{file}");
        assert!(hgb.f64("learning_rate").unwrap() > 0.0);
    }
}

#[test]
fn logistic_regression_coefficients() {
    for file in ["np2_logreg_p4.pkl", "np1_logreg_p4.pkl"] {
        let (heap, root) = load(file);
        let lr = heap.estimator(&root).unwrap();
        let coef = lr.array("coef_").unwrap().to_array2_f64().unwrap();
        assert_eq!(coef.dim(), (3, 4), "{file}");
        assert_eq!(lr.array("intercept_").unwrap().len(), 3);
        assert!(coef.iter().all(|c| c.is_finite()));
    }
}

#[test]
fn grid_search_with_masked_cv_results() {
    for file in ["np2_grid_p4.pkl", "np1_grid_p4.pkl"] {
        let (heap, root) = load(file);
        let grid = heap.estimator(&root).unwrap();
        assert_eq!(grid.class_name(), "GridSearchCV");
        let best = grid.estimator("best_estimator_").unwrap();
        assert_eq!(best.class_name(), "LogisticRegression");
        let cv = grid.req("cv_results_").unwrap();
        let param = heap.dict_get(cv, "param_C").unwrap();
        // Masked arrays stay inert objects (never decoded, never fatal).
        assert!(
            matches!(heap.get(param), Some(Node::Object(_))),
            "{file}: {}",
            heap.describe(param)
        );
        let score = heap.dict_get(cv, "mean_test_score").unwrap();
        assert!(matches!(heap.get(score), Some(Node::Array(_))), "{file}");
        assert!(matches!(grid.req("best_params_").unwrap(), Value::Ref(_)));
    }
}
