//! A value the model refuses is reported against the model's own input column (and its name when the
//! model has `feature_names_in_`), not against the column index inside whichever step refused it.

use std::path::Path;
use std::sync::Arc;

use ndarray::Array2;
use predict_worker::model::{load_model, Batch, LoadLimits, PredictError};

fn predict_with_text_at(fixture: &str, width: usize, col: usize) -> PredictError {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sklearn-1.9.1")
        .join(fixture);
    let model = load_model(&path, &LoadLimits::default()).expect("load");
    let mut text = Array2::from_elem((1, width), None);
    text[(0, col)] = Some(Arc::<str>::from("oops"));
    let batch = Batch {
        values: Array2::from_elem((1, width), 1.0),
        text: Some(text.into()),
    };
    model
        .predict(&batch)
        .expect_err("a string in a numeric column")
}

#[test]
fn a_column_transformer_step_reports_the_model_column() {
    // ColumnTransformer: scale [0:3], maxabs [5, 6], robust [-1] (= 12), remainder dropped.
    // RobustScaler sees column 12 as its column 0.
    let err = predict_with_text_at("column_transformer_positional_drop.pkl", 13, 12);
    let PredictError::BadValue { column, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(column, "12", "{err}");
    // MaxAbsScaler sees column 6 as its column 1.
    let err = predict_with_text_at("column_transformer_positional_drop.pkl", 13, 6);
    assert!(err.to_string().starts_with("feature 6:"), "{err}");
}

#[test]
fn a_named_model_reports_the_feature_name() {
    // num = Pipeline(...) on ["age", "income"]: "income" is column 1.
    let err = predict_with_text_at("column_transformer_named.joblib.z", 5, 1);
    assert!(
        err.to_string()
            .starts_with("feature \"income\" (column 1):"),
        "{err}"
    );
}
