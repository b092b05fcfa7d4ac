//! Celery protocol v2 tasks (docs/protocol.md, "Celery clients"): a task's headers and its JSON body
//! `[args, kwargs, embed]` to a native `Request` (rows parsed by the native parser), and the `rpc://`
//! result body Celery's own worker publishes: SUCCESS with the reply object, FAILURE, or REVOKED.

use serde::Serialize;
use serde_json::{Map, Value};

use super::batch::Answer;
use super::error::{Disposition, RequestError};
use super::reply::AnswerView;
use super::request::{parse_rows, Request, Schema};
use super::{isotime, Format, Reply, JSON};

/// What the worker reads from a Celery task message (headers `task`, `id`, `group`, `parent_id`,
/// `expires`, `eta`), borrowed from the delivery; `serves` is the task name this worker answers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Task<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub serves: &'a str,
    pub group: Option<&'a str>,
    pub parent_id: Option<&'a str>,
    pub expires: Option<&'a str>,
    pub eta: Option<&'a str>,
    /// Celery's `compression` header (`task_compression`): compressed bodies are refused.
    pub compression: Option<&'a str>,
}

/// Why a Celery task is not run. Each message names the header or argument and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CeleryError {
    #[error(
        "task {name:?} is not registered here: this worker answers {serves:?} (celery.task_name)"
    )]
    NotRegistered { name: String, serves: String },
    #[error("the task expired at {0} (header \"expires\") before it could run")]
    Expired(String),
    #[error("header \"{header}\" is {value:?}, not an ISO 8601 time; send {header} as seconds or a datetime")]
    BadTime { header: &'static str, value: String },
    #[error("header \"eta\" is {0}, in the future: this worker runs tasks when they arrive and does not hold them; call apply_async without countdown/eta, and send the task when it is due")]
    Eta(String),
    #[error("the task body is pickled (content type {0:?}) and this worker never unpickles task bodies; set task_serializer=\"json\" on the Celery app")]
    Pickled(String),
    #[error("content type {0:?} is not supported for Celery tasks; set task_serializer=\"json\" on the Celery app")]
    ContentType(String),
    #[error("the task body is compressed (header \"compression\" = {0:?}); leave task_compression unset on the Celery app")]
    Compressed(String),
    #[error("{0}")]
    Body(String),
}

impl CeleryError {
    /// The stable code (in the dead-letter copy's `x-predict-error` and the failure's message).
    pub fn code(&self) -> &'static str {
        match self {
            CeleryError::NotRegistered { .. } => "not_registered",
            CeleryError::Expired(_) => "expired",
            CeleryError::BadTime { .. } => "invalid_header",
            CeleryError::Eta(_) => "eta_not_supported",
            CeleryError::Pickled(_) => "pickled_task",
            CeleryError::ContentType(_) | CeleryError::Compressed(_) => "unsupported_content_type",
            CeleryError::Body(_) => "invalid_request",
        }
    }
}

/// Check a task's headers and read its rows; `now` is Unix seconds.
pub fn parse(
    task: &Task<'_>,
    body: &[u8],
    content_type: Option<&str>,
    schema: &Schema,
    now: f64,
) -> Result<Request, RequestError> {
    if task.name != task.serves {
        return Err(CeleryError::NotRegistered {
            name: task.name.to_string(),
            serves: task.serves.to_string(),
        }
        .into());
    }
    if let Some(expires) = task.expires {
        let at = time("expires", expires)?;
        if now > at {
            return Err(CeleryError::Expired(clip(expires)).into());
        }
    }
    if let Some(eta) = task.eta {
        if time("eta", eta)? > now {
            return Err(CeleryError::Eta(clip(eta)).into());
        }
    }
    if let Some(compression) = task.compression {
        return Err(CeleryError::Compressed(clip(compression)).into());
    }
    match Format::from_content_type(content_type) {
        Ok(Format::Json) => {}
        Ok(Format::Pickle) => {
            return Err(CeleryError::Pickled(clip(content_type.unwrap_or(""))).into())
        }
        Err(_) => return Err(CeleryError::ContentType(clip(content_type.unwrap_or(""))).into()),
    }
    if body.len() > schema.max_body_bytes() {
        return Err(RequestError::BodyTooLarge {
            size: body.len(),
            limit: schema.max_body_bytes(),
        });
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| RequestError::InvalidJson(e.to_string()))?;
    let (rows, single) = rows_of(&value)?;
    parse_rows(rows, single, schema)
}

/// A header's text as quoted in an error message (and the dead letter's `x-predict-error-message`):
/// at most 64 characters, whatever a producer put in it.
fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

fn time(header: &'static str, value: &str) -> Result<f64, CeleryError> {
    isotime::parse(value).ok_or_else(|| CeleryError::BadTime {
        header,
        value: clip(value),
    })
}

fn body_error(message: impl Into<String>) -> RequestError {
    CeleryError::Body(message.into()).into()
}

/// `[args, kwargs, embed]`: `args=[ROW]`, `kwargs={"features": ROW}` or `kwargs={"instances": [ROW, ...]}`.
fn rows_of(body: &Value) -> Result<(&Value, bool), RequestError> {
    const SHAPE: &str = "a Celery protocol v2 body is the JSON list [args, kwargs, embed]";
    let parts = match body {
        Value::Array(parts) if (2..=3).contains(&parts.len()) => parts,
        _ => return Err(body_error(format!("the task body is not {SHAPE}"))),
    };
    let args: &[Value] = match &parts[0] {
        Value::Array(a) => a,
        Value::Null => &[],
        _ => return Err(body_error(format!("args is not a list; {SHAPE}"))),
    };
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let kwargs = match &parts[1] {
        Value::Object(k) => k,
        Value::Null => EMPTY.get_or_init(Map::new),
        _ => return Err(body_error(format!("kwargs is not an object; {SHAPE}"))),
    };
    if let Some(other) = kwargs
        .keys()
        .find(|k| !matches!(k.as_str(), "features" | "instances"))
    {
        return Err(body_error(format!(
            "unexpected keyword argument {other:?}; pass the row as args=[ROW], or kwargs \"features\" (one row) or \"instances\" (a list of rows)"
        )));
    }
    match (args, kwargs.get("features"), kwargs.get("instances")) {
        ([row], None, None) => Ok((row, true)),
        ([], Some(row), None) => Ok((row, true)),
        ([], None, Some(rows)) => Ok((rows, false)),
        ([], None, None) => Err(body_error(
            "the task has no row: pass args=[ROW], kwargs={\"features\": ROW} or kwargs={\"instances\": [ROW, ...]}",
        )),
        (a, _, _) if a.len() > 1 => Err(body_error(format!(
            "the task takes one positional argument (a row), got {}; send a batch as kwargs={{\"instances\": [ROW, ...]}}",
            a.len()
        ))),
        _ => Err(body_error(
            "send the row once: args=[ROW], or kwargs \"features\", or kwargs \"instances\", not two of them",
        )),
    }
}

/// The result body, key for key as Celery's `rpc://` backend writes it (`_get_result_meta` + `task_id`).
#[derive(Serialize)]
struct Meta<'a, R> {
    status: &'static str,
    result: R,
    traceback: Option<&'a str>,
    children: [(); 0],
    date_done: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_id: Option<&'a str>,
    task_id: &'a str,
}

/// Celery's serialized exception: `exception_to_python` rebuilds `exc_module.exc_type(*exc_message)`.
#[derive(Serialize)]
struct Exception<'a> {
    exc_type: &'a str,
    exc_message: [&'a str; 1],
    exc_module: &'a str,
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn meta<R: Serialize>(task: &Task<'_>, status: &'static str, result: R, now: f64) -> Vec<u8> {
    let meta = Meta {
        status,
        result,
        traceback: None,
        children: [],
        date_done: isotime::format_utc(now),
        group_id: nonempty(task.group),
        parent_id: nonempty(task.parent_id),
        task_id: task.id,
    };
    serde_json::to_vec(&meta).unwrap_or_else(|_| {
        br#"{"status":"FAILURE","result":{"exc_type":"RuntimeError","exc_message":["cannot encode the result"],"exc_module":"builtins"},"traceback":null,"children":[],"date_done":null}"#.to_vec()
    })
}

fn reply(body: Vec<u8>, error: Option<&RequestError>, disposition: Option<Disposition>) -> Reply {
    Reply {
        body,
        content_type: JSON.to_string(),
        error: error.map(RequestError::code),
        error_message: error.map(RequestError::to_string),
        disposition,
        celery: true,
    }
}

/// SUCCESS: the native reply object without `id`.
pub fn success(task: &Task<'_>, single: bool, answer: &Answer, now: f64) -> Reply {
    let view = AnswerView {
        id: None,
        single,
        answer,
    };
    reply(meta(task, "SUCCESS", view, now), None, None)
}

/// FAILURE (dead-lettered), or REVOKED for an expired task (acked, as Celery's worker does).
pub fn failure(task: &Task<'_>, error: &RequestError, now: f64) -> Reply {
    let (status, exc_type, exc_module, text) = match error {
        RequestError::Celery(CeleryError::Expired(_)) => (
            "REVOKED",
            "TaskRevokedError",
            "celery.exceptions",
            "expired".to_string(),
        ),
        RequestError::Celery(CeleryError::NotRegistered { name, .. }) => (
            "FAILURE",
            "NotRegistered",
            "celery.exceptions",
            name.clone(),
        ),
        e => (
            "FAILURE",
            "ValueError",
            "builtins",
            format!("{}: {e}", e.code()),
        ),
    };
    let exception = Exception {
        exc_type,
        exc_message: [&text],
        exc_module,
    };
    let disposition = (status == "FAILURE").then_some(error.disposition());
    reply(meta(task, status, exception, now), Some(error), disposition)
}

#[cfg(test)]
#[path = "celery_tests.rs"]
mod tests;
