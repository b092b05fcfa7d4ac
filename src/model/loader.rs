//! Loading a model file end to end: read, detect the format, decompress, unpickle, rebuild the
//! estimator graph, and flatten it into transform steps plus one final predictor.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ndarray::Array2;
use sha2::{Digest, Sha256};

use super::data::{Batch, Output};
use super::error::{LoadError, PredictError};
use super::estimator::{Predictor, Summary, Transformer};
use super::joblib::{self, Compression};
use super::pickle::{self, Limits};
use super::sklearn::{self, Estimator};
use super::value::{Heap, Value};

/// Limits applied while loading a model file.
#[derive(Clone, Debug)]
pub struct LoadLimits {
    /// Largest model file read, in bytes.
    pub max_file_bytes: u64,
    /// Largest decompressed pickle stream, in bytes.
    pub max_decompressed_bytes: usize,
    /// Pickle machine limits.
    pub pickle: Limits,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_file_bytes: 1 << 30,
            max_decompressed_bytes: 1 << 30,
            pickle: Limits::default(),
        }
    }
}

/// Facts about a loaded model, for `inspect`, logs and replies.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ModelInfo {
    pub path: Option<PathBuf>,
    pub sha256: String,
    pub file_bytes: usize,
    /// `pickle` or `joblib`.
    pub format: String,
    pub pickle_protocol: u8,
    pub compression: Option<String>,
    pub sklearn_version: Option<String>,
    pub load_time: Duration,
}

/// A loaded, validated model: transforms in order, then one predictor.
#[derive(Debug)]
pub struct Model {
    steps: Vec<(String, Box<dyn Transformer>)>,
    predictor: Box<dyn Predictor>,
    n_features_in: Option<usize>,
    feature_names: Option<Arc<[String]>>,
    summary: Summary,
    info: ModelInfo,
    /// Measured cost per row, which decides when a batch is split across cores.
    row_cost: super::parallel::RowCost,
}

impl Model {
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Number of input columns the model expects, when the file says.
    pub fn n_features_in(&self) -> Option<usize> {
        self.n_features_in
    }

    /// Input column names, when the model was fitted on a DataFrame.
    pub fn feature_names(&self) -> Option<&Arc<[String]>> {
        self.feature_names.as_ref()
    }

    /// The class labels when the final estimator is a classifier, in probability order.
    pub fn classes(&self) -> Option<Arc<[super::data::Label]>> {
        self.predictor.classes()
    }

    /// The estimator tree, for `inspect`.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Predict a batch: check the width, apply every transform in order, then the predictor. A batch of
    /// at least 2 × `parallel::MIN_ROWS_PER_PART` rows that this model's measured cost says will take at
    /// least `parallel::MIN_PARALLEL_WORK` is split across cores (`model::parallel`).
    pub fn predict(&self, batch: &Batch) -> Result<Output, PredictError> {
        if let Some(expected) = self.n_features_in {
            if batch.n_cols() != expected {
                return Err(PredictError::FeatureCount {
                    expected,
                    got: batch.n_cols(),
                });
            }
        }
        super::parallel::predict(batch, &self.row_cost, |part| self.predict_rows(part))
    }

    /// Into how many parts [`Model::predict`] would split a batch of `rows` now (1: not split).
    pub fn parallel_parts(&self, rows: usize) -> usize {
        super::parallel::plan(rows, &self.row_cost)
    }

    /// [`Model::predict`] on one thread.
    fn predict_rows(&self, batch: &Batch) -> Result<Output, PredictError> {
        let named = |e: PredictError| self.name_column(e);
        if self.steps.is_empty() {
            return self
                .predictor
                .predict_batch(batch, &self.summary.class)
                .map_err(named);
        }
        let mut current: Option<Batch> = None;
        for (i, (_, step)) in self.steps.iter().enumerate() {
            let input = current.as_ref().unwrap_or(batch);
            let out = step
                .transform(input)
                .map_err(|e| super::sklearn::pipeline::after_step(e, i, &self.steps))
                .map_err(named)?;
            current = Some(out);
        }
        let x = current.unwrap_or_else(|| Batch::numeric(Array2::zeros((0, 0))));
        let after_last = |e| super::sklearn::pipeline::after_step(e, self.steps.len(), &self.steps);
        self.predictor
            .predict_batch(&x, "the final estimator")
            .map_err(after_last)
    }

    /// An input column index as `"name" (column i)` when the model has `feature_names_in_`.
    fn name_column(&self, e: PredictError) -> PredictError {
        e.map_column(|c| {
            let name = c
                .parse::<usize>()
                .ok()
                .and_then(|i| self.feature_names.as_ref()?.get(i));
            match name {
                Some(name) => format!("{name:?} (column {c})"),
                None => c.to_string(),
            }
        })
    }
}

/// Load a model file from disk.
pub fn load_model(path: &Path, limits: &LoadLimits) -> Result<Model, LoadError> {
    let in_file = |source: LoadError| LoadError::InFile {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limits.max_file_bytes {
        return Err(in_file(LoadError::limit(
            0,
            format!(
                "the file has {} bytes, more than the {} allowed (PREDICT_WORKER__MODEL__MAX_FILE_BYTES)",
                meta.len(),
                limits.max_file_bytes
            ),
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let mut model = load_model_bytes(&bytes, limits).map_err(in_file)?;
    model.info.path = Some(path.to_path_buf());
    Ok(model)
}

/// Load a model from bytes already in memory.
pub fn load_model_bytes(bytes: &[u8], limits: &LoadLimits) -> Result<Model, LoadError> {
    let started = Instant::now();
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let (stream, compression) = joblib::decompress(bytes, limits.max_decompressed_bytes)?;
    let (heap, root, pinfo) = pickle::unpickle(&stream, &limits.pickle)?;
    let built = sklearn::build(&heap, &root, 0)?;
    let summary = summarize(&built);
    let (n_features_in, feature_names) = input_facts(&heap, &root)?;
    let sklearn_version = find_version(&heap, &root);
    let (steps, predictor) = flatten(built)?;
    let format = if pinfo.joblib_arrays > 0 || compression.is_some() {
        "joblib"
    } else {
        "pickle"
    };
    Ok(Model {
        steps,
        predictor,
        n_features_in,
        feature_names,
        summary,
        info: ModelInfo {
            path: None,
            sha256,
            file_bytes: bytes.len(),
            format: format.to_string(),
            pickle_protocol: pinfo.protocol,
            compression: compression.map(|c: Compression| c.to_string()),
            sklearn_version,
            load_time: started.elapsed(),
        },
        row_cost: Default::default(),
    })
}

type Flat = (Vec<(String, Box<dyn Transformer>)>, Box<dyn Predictor>);

/// Flatten nested pipelines into transform steps plus the final predictor.
fn flatten(root: Estimator) -> Result<Flat, LoadError> {
    let mut steps = Vec::new();
    let mut predictor = None;
    // Iterative walk: a stack of step lists, consumed front to back.
    let mut stack: Vec<std::vec::IntoIter<(String, Estimator)>> =
        vec![vec![(String::new(), root)].into_iter()];
    while let Some(top) = stack.last_mut() {
        let Some((name, est)) = top.next() else {
            stack.pop();
            continue;
        };
        if predictor.is_some() {
            return Err(LoadError::model(format!(
                "pipeline step {name:?} comes after the final estimator; only the last step may predict"
            )));
        }
        match est {
            Estimator::Passthrough => {}
            Estimator::Transformer(t) => steps.push((name, t)),
            Estimator::Predictor(p) => predictor = Some(p),
            Estimator::Pipeline(inner) => stack.push(inner.into_iter()),
        }
    }
    let predictor = predictor.ok_or_else(|| {
        LoadError::model(
            "the model has no final estimator (classifier or regressor); a file holding only transformers cannot predict",
        )
    })?;
    Ok((steps, predictor))
}

fn summarize(est: &Estimator) -> Summary {
    match est {
        Estimator::Transformer(t) => t.summary(),
        Estimator::Predictor(p) => p.summary(),
        Estimator::Passthrough => Summary::new("passthrough"),
        Estimator::Pipeline(steps) => {
            steps.iter().fold(Summary::new("Pipeline"), |s, (name, e)| {
                s.child(name.clone(), summarize(e))
            })
        }
    }
}

/// The estimator that first sees the input: unwrap search wrappers and descend into first pipeline steps.
fn input_estimator<'a>(heap: &'a Heap, root: &'a Value) -> Option<&'a Value> {
    let mut current = root;
    for _ in 0..sklearn::MAX_DEPTH {
        let obj = heap.estimator(current).ok()?;
        if obj.has("n_features_in_")
            || sklearn::gbm_libraries::library_module(obj.class_name()).is_some()
        {
            return Some(current);
        }
        current = match obj.class_name() {
            "GridSearchCV" | "RandomizedSearchCV" => obj.get("best_estimator_")?,
            // Meta-estimators whose input width and names are their first child's.
            "VotingClassifier" | "VotingRegressor" | "StackingClassifier" | "StackingRegressor" => {
                obj.seq("estimators_").ok()?.first()?
            }
            "TransformedTargetRegressor" => obj.get("regressor_")?,
            "Pipeline" => {
                let steps = obj.seq("steps").ok()?;
                let first = steps.iter().find(|s| {
                    let pair = heap.sequence(s);
                    !matches!(
                        pair.and_then(|p| p.get(1)),
                        Some(Value::None) | Some(Value::Str(_))
                    )
                })?;
                heap.sequence(first)?.get(1)?
            }
            _ => return None,
        };
    }
    None
}

/// `n_features_in_` and `feature_names_in_` of the estimator that first sees the input.
type InputFacts = (Option<usize>, Option<Arc<[String]>>);

fn input_facts(heap: &Heap, root: &Value) -> Result<InputFacts, LoadError> {
    let Some(first) = input_estimator(heap, root) else {
        return Ok((None, None));
    };
    let obj = heap.estimator(first)?;
    if let Some(facts) = sklearn::gbm_libraries::input_facts(&obj)? {
        return Ok(facts);
    }
    let n = obj.usize("n_features_in_").ok();
    let names: Option<Arc<[String]>> = match obj.get("feature_names_in_") {
        Some(_) => Some(Arc::from(obj.array("feature_names_in_")?.to_strings(heap)?)),
        None => None,
    };
    if let (Some(n), Some(names)) = (n, &names) {
        if names.len() != n {
            return Err(obj.error(
                "feature_names_in_",
                format!("has {} names but n_features_in_ is {n}", names.len()),
            ));
        }
    }
    Ok((n, names))
}

fn find_version(heap: &Heap, root: &Value) -> Option<String> {
    let obj = heap.estimator(root).ok()?;
    obj.opt_str("_sklearn_version").map(str::to_string)
}
