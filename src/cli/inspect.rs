//! `predict-worker inspect`: describe a model file: estimator tree, features, classes, scikit-learn
//! version, format, compression, sha256 and load time. Text by default, `--json` for machines.

use std::path::PathBuf;

use clap::Args;
use ndarray::Array2;
use serde::Serialize;

use super::{CliError, ConfigArgs};
use crate::model::estimator::Summary;
use crate::model::{Batch, Label, Model, Output};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file (default: model.path from configuration).
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Everything `inspect` reports.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub path: String,
    pub format: &'a str,
    pub compression: Option<&'a str>,
    pub pickle_protocol: u8,
    pub file_bytes: usize,
    pub sha256: &'a str,
    pub sklearn_version: Option<&'a str>,
    pub load_time_ms: f64,
    pub n_features: Option<usize>,
    pub feature_names: Option<&'a [String]>,
    /// `classification` or `regression`.
    pub task: &'static str,
    pub classes: Option<Vec<Label>>,
    pub n_outputs: Option<usize>,
    pub estimator: &'a Summary,
}

pub fn run(args: InspectArgs) -> Result<(), CliError> {
    let settings = super::predict::offline_settings(&args.config, args.model.clone())?;
    let model = super::predict::load(&settings)?;
    let report = report(&model);
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Failed(format!("encoding the report: {e}")))?;
        super::stdout::write(&format!("{text}\n"))
    } else {
        super::stdout::write(&render(&report))
    }
}

/// Build the report. Classes come from the final estimator; a regressor's number of outputs from
/// predicting one probe row (zeros, then missing values), and is absent when that row is refused.
pub fn report(model: &Model) -> Report<'_> {
    let info = model.info();
    let (task, classes, n_outputs) = match model.classes() {
        Some(classes) => ("classification", Some(classes.to_vec()), None),
        None => match probe(model) {
            Some(Output::Regression { values }) => ("regression", None, Some(values.ncols())),
            _ => ("regression", None, None),
        },
    };
    Report {
        path: info
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        format: &info.format,
        compression: info.compression.as_deref(),
        pickle_protocol: info.pickle_protocol,
        file_bytes: info.file_bytes,
        sha256: &info.sha256,
        sklearn_version: info.sklearn_version.as_deref(),
        load_time_ms: info.load_time.as_secs_f64() * 1000.0,
        n_features: model.n_features_in(),
        feature_names: model.feature_names().map(|n| &n[..]),
        task,
        classes,
        n_outputs,
        estimator: model.summary(),
    }
}

fn probe(model: &Model) -> Option<Output> {
    let n = model.n_features_in()?;
    [0.0, f64::NAN].into_iter().find_map(|fill| {
        model
            .predict(&Batch::numeric(Array2::from_elem((1, n), fill)))
            .ok()
    })
}

/// The text form.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<14} {v}\n"));
    line("model", r.path.clone());
    line(
        "format",
        format!(
            "{} (pickle protocol {}, compression {})",
            r.format,
            r.pickle_protocol,
            r.compression.unwrap_or("none")
        ),
    );
    line("size", format!("{} bytes", r.file_bytes));
    line("sha256", r.sha256.to_string());
    line(
        "scikit-learn",
        r.sklearn_version.unwrap_or("unknown").to_string(),
    );
    line("load time", format!("{:.1} ms", r.load_time_ms));
    line(
        "features",
        r.n_features
            .map_or("unknown".to_string(), |n| n.to_string()),
    );
    if let Some(names) = r.feature_names {
        line("feature names", names.join(", "));
    }
    line("task", r.task.to_string());
    if let Some(classes) = &r.classes {
        let shown: Vec<String> = classes.iter().map(Label::to_string).collect();
        line("classes", format!("[{}]", shown.join(", ")));
    }
    if let Some(n) = r.n_outputs {
        line("outputs", n.to_string());
    }
    out.push_str("estimator\n");
    for l in r.estimator.render().lines() {
        out.push_str(&format!("  {l}\n"));
    }
    out
}
