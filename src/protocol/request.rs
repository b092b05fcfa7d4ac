//! Request bodies (JSON or plain-data pickle) parsed in one pass straight into rows in the model's
//! feature order, validated against the model's `Schema` as they are read (bounded memory, typed errors).

mod cell;
mod context;
mod document;
mod json;
mod row;
mod tape;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::de::DeserializeSeed;
use serde_json::Value;

use context::Ctx;
use document::{InstancesSeed, RequestSeed};
use row::RowSeed;

use super::error::RequestError;
use super::pickle_scan;
use super::Format;
use crate::model::Model;

/// What a request must look like for one model, plus the size limits.
#[derive(Clone, Debug)]
pub struct Schema {
    n_features: Option<usize>,
    names: Option<Arc<[String]>>,
    /// Feature name → column. FxHash: the keys are the model's own names, and a lookup is a few
    /// times faster than with SipHash (rows sent by name in another order than the model's hash every key).
    index: FxHashMap<String, usize>,
    max_instances: usize,
    max_body_bytes: usize,
}

impl Schema {
    pub fn new(
        n_features: Option<usize>,
        names: Option<Arc<[String]>>,
        max_instances: usize,
        max_body_bytes: usize,
    ) -> Self {
        let index = names
            .iter()
            .flat_map(|n| n.iter().enumerate())
            .map(|(i, name)| (name.clone(), i))
            .collect();
        let n_features = n_features.or(names.as_ref().map(|n| n.len()));
        Schema {
            n_features,
            names,
            index,
            max_instances: max_instances.max(1),
            max_body_bytes,
        }
    }

    pub fn for_model(model: &Model, max_instances: usize, max_body_bytes: usize) -> Self {
        Schema::new(
            model.n_features_in(),
            model.feature_names().cloned(),
            max_instances,
            max_body_bytes,
        )
    }

    /// The largest body accepted, in bytes (`worker.max_body_bytes`).
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// What a pickle body may expand to when decoded (see `pickle_scan::budget_for`).
    fn pickle_budget(&self) -> u64 {
        pickle_scan::budget_for(self.max_body_bytes)
    }

    fn known_names(&self) -> String {
        let names = self.names.as_deref().unwrap_or(&[]);
        let mut out: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
        if names.len() > 20 {
            out.push("...");
        }
        out.join(", ")
    }
}

/// Rows of one request, row-major; `text` holds the string cells by flat index (value NaN there).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub n_rows: usize,
    pub n_cols: usize,
    pub values: Vec<f64>,
    pub text: Vec<(usize, Arc<str>)>,
}

/// A parsed, validated request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The request's `id`, echoed back; `None` when absent.
    pub id: Option<Value>,
    /// `features` (one row, singular reply) rather than `instances`.
    pub single: bool,
    pub rows: Rows,
}

/// A request that cannot be answered, with whatever id could be read from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    pub id: Option<Value>,
    pub error: RequestError,
}

/// Parse one message body.
pub fn parse(
    body: &[u8],
    content_type: Option<&str>,
    schema: &Schema,
) -> Result<Request, Rejected> {
    parse_with(body, content_type, schema, true)
}

/// `parse` with JSON read by serde_json alone: the reference that tests hold the simd-json reading to.
#[doc(hidden)]
pub fn parse_with_serde_json(
    body: &[u8],
    content_type: Option<&str>,
    schema: &Schema,
) -> Result<Request, Rejected> {
    parse_with(body, content_type, schema, false)
}

fn parse_with(
    body: &[u8],
    content_type: Option<&str>,
    schema: &Schema,
    simd: bool,
) -> Result<Request, Rejected> {
    let reject = |error| Rejected { id: None, error };
    if body.len() > schema.max_body_bytes {
        return Err(reject(RequestError::BodyTooLarge {
            size: body.len(),
            limit: schema.max_body_bytes,
        }));
    }
    let format = Format::from_content_type(content_type).map_err(reject)?;
    let (mut ctx, outcome) = match format {
        Format::Json => json::read(body, schema, simd),
        Format::Pickle => {
            let mut ctx = Ctx::new(schema);
            let outcome = pickle_scan::check(body, schema.pickle_budget())
                .map_err(RequestError::InvalidPickle)
                .and_then(|()| {
                    let options = serde_pickle::DeOptions::new().decode_strings();
                    let mut de = serde_pickle::Deserializer::new(body, options);
                    RequestSeed { ctx: &mut ctx }
                        .deserialize(&mut de)
                        .and_then(|()| de.end())
                        .map_err(|e| match e {
                            serde_pickle::Error::Syntax(_) => RequestError::invalid(e.to_string()),
                            _ => RequestError::InvalidPickle(e.to_string()),
                        })
                });
            (ctx, outcome)
        }
    };
    let outcome = outcome.and_then(|()| ctx.finish());
    match outcome {
        Ok(request) => Ok(request),
        Err(serde_error) => {
            // A typed error recorded by a visitor wins over serde's generic one.
            let error = ctx.error.take().unwrap_or(serde_error);
            let id = ctx.id.take().or_else(|| recover_id(body, format, schema));
            Err(Rejected { id, error })
        }
    }
}

/// Parse rows given outside a request object (a Celery task's `args`/`kwargs`): `rows` is one row when
/// `single` (like `features`), else a list of rows (like `instances`), checked exactly the same way.
pub fn parse_rows(rows: &Value, single: bool, schema: &Schema) -> Result<Request, RequestError> {
    let mut ctx = Ctx::new(schema);
    ctx.single = Some(single);
    let outcome = if single {
        RowSeed { ctx: &mut ctx }.deserialize(rows)
    } else {
        InstancesSeed { ctx: &mut ctx }.deserialize(rows)
    };
    match outcome.map_err(|e| RequestError::invalid(e.to_string())) {
        Ok(()) => ctx.finish(),
        Err(serde_error) => Err(ctx.error.take().unwrap_or(serde_error)),
    }
}

/// Second look for the id of a request that failed after (or before) its id was read.
fn recover_id(body: &[u8], format: Format, schema: &Schema) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<Value>,
    }
    let found: Option<IdOnly> = match format {
        Format::Json => serde_json::from_slice(body).ok(),
        Format::Pickle => pickle_scan::check(body, schema.pickle_budget())
            .ok()
            .and_then(|()| serde_pickle::from_slice(body, serde_pickle::DeOptions::new()).ok()),
    };
    found.and_then(|f| f.id).filter(is_scalar)
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}
