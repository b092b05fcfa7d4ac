//! The wire contract (docs/protocol.md): request bodies (JSON or plain-data pickle) to a `Batch`,
//! and model outputs to reply bodies. `respond` runs a whole micro-batch of messages.

pub mod batch;
pub mod celery;
pub mod error;
pub mod isotime;
mod parallel;
pub mod pickle_scan;
pub mod reply;
pub mod request;

pub use batch::{predict_all, Answer};
pub use error::{Disposition, RequestError};
pub use request::{parse, parse_with_serde_json, Rejected, Request, Rows, Schema};

use crate::model::{Batch, Output, PredictError};

/// The JSON content type, used for replies to requests that name none (or an unsupported one).
pub const JSON: &str = "application/json";
/// The two pickle content types (kombu/Celery's, and the plain one).
pub const PICKLE_TYPES: [&str; 2] = [
    "application/x-python-serialize",
    "application/python-pickle",
];

/// How a body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Pickle,
}

impl Format {
    /// The format named by a content type; none means JSON. Parameters such as `; charset=utf-8` are ignored.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Format, RequestError> {
        let Some(raw) = content_type else {
            return Ok(Format::Json);
        };
        let media = raw
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "" | JSON => Ok(Format::Json),
            m if PICKLE_TYPES.contains(&m) => Ok(Format::Pickle),
            _ => Err(RequestError::UnsupportedContentType(raw.to_string())),
        }
    }
}

/// One incoming message.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
}

/// The reply to one message.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub body: Vec<u8>,
    /// The request's content type, or `application/json` when it had none or an unsupported one.
    pub content_type: String,
    /// The error code when the reply is an error.
    pub error: Option<&'static str>,
    /// The error's message when the reply is an error (for the dead-letter copy's headers).
    pub error_message: Option<String>,
    /// What to do with the request message once the reply is confirmed.
    pub disposition: Option<Disposition>,
    /// A Celery result (`rpc://` properties, published only when the task wants one).
    pub celery: bool,
}

impl Reply {
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }
}

/// Answer a micro-batch of messages, in order: parse each, predict all valid ones together
/// (one model call), and encode one reply per message.
pub fn respond<F>(predict: F, schema: &Schema, messages: &[Message<'_>]) -> Vec<Reply>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    respond_tasks(predict, schema, messages, &[])
}

/// [`respond`] for a micro-batch that may hold Celery tasks: `tasks[i]` is message i's task (a missing
/// or `None` entry is a native request), so both kinds share the one model call.
pub fn respond_tasks<F>(
    predict: F,
    schema: &Schema,
    messages: &[Message<'_>],
    tasks: &[Option<celery::Task<'_>>],
) -> Vec<Reply>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    let now = if tasks.is_empty() {
        0.0
    } else {
        isotime::now()
    };
    let parsed = parallel::parse_all(messages, tasks, schema, now);
    let valid: Vec<&Request> = parsed
        .iter()
        .filter_map(|(_, _, r)| r.as_ref().ok())
        .collect();
    let mut answers = predict_all(predict, &valid).into_iter();
    parsed
        .iter()
        .enumerate()
        .map(|(i, (format, content_type, parsed))| {
            let outcome = match parsed {
                Ok(request) => match answers.next() {
                    Some(Ok(answer)) => Ok((request, answer)),
                    Some(Err(e)) => Err((request.id.as_ref(), e)),
                    None => Err((
                        request.id.as_ref(),
                        RequestError::Internal("no answer was computed".into()),
                    )),
                },
                Err(rejected) => Err((rejected.id.as_ref(), rejected.error.clone())),
            };
            if let Some(Some(task)) = tasks.get(i) {
                return match outcome {
                    Ok((request, answer)) => celery::success(task, request.single, &answer, now),
                    Err((_, error)) => celery::failure(task, &error, now),
                };
            }
            let outcome = outcome.and_then(|(request, answer)| {
                reply::encode_answer(*format, request.id.as_ref(), request.single, &answer)
                    .map_err(|e| (request.id.as_ref(), e))
            });
            match outcome {
                Ok(body) => Reply {
                    body,
                    content_type: content_type.clone(),
                    error: None,
                    error_message: None,
                    disposition: None,
                    celery: false,
                },
                Err((id, error)) => Reply {
                    body: reply::encode_error(*format, id, &error),
                    content_type: content_type.clone(),
                    error: Some(error.code()),
                    error_message: Some(error.to_string()),
                    disposition: Some(error.disposition()),
                    celery: false,
                },
            }
        })
        .collect()
}

/// The error reply for one message, in the message's format when it has a supported one.
pub fn error_reply(message: &Message<'_>, error: RequestError) -> Reply {
    let (format, content_type) = match Format::from_content_type(message.content_type) {
        Ok(f) => (f, message.content_type.unwrap_or(JSON).to_string()),
        Err(_) => (Format::Json, JSON.to_string()),
    };
    Reply {
        body: reply::encode_error(format, None, &error),
        content_type,
        error: Some(error.code()),
        error_message: Some(error.to_string()),
        disposition: Some(error.disposition()),
        celery: false,
    }
}

/// `respond`, but a panic anywhere in parsing or prediction cannot take the process down: the batch is
/// retried message by message and a message that still panics gets an `internal_error` reply (and is
/// rejected), so one poison message cannot crash-loop every replica.
pub fn respond_guarded<F>(predict: F, schema: &Schema, messages: &[Message<'_>]) -> Vec<Reply>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    respond_tasks_guarded(predict, schema, messages, &[])
}

/// [`respond_tasks`] with [`respond_guarded`]'s panic guard.
pub fn respond_tasks_guarded<F>(
    predict: F,
    schema: &Schema,
    messages: &[Message<'_>],
    tasks: &[Option<celery::Task<'_>>],
) -> Vec<Reply>
where
    F: Fn(&Batch) -> Result<Output, PredictError>,
{
    use std::panic::{catch_unwind, AssertUnwindSafe};
    if let Ok(replies) = catch_unwind(AssertUnwindSafe(|| {
        respond_tasks(&predict, schema, messages, tasks)
    })) {
        return replies;
    }
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let task = tasks.get(i).copied().flatten();
            catch_unwind(AssertUnwindSafe(|| {
                respond_tasks(&predict, schema, std::slice::from_ref(m), &[task])
            }))
            .ok()
            .and_then(|mut r| r.pop())
            .unwrap_or_else(|| {
                let error = RequestError::Internal("the model panicked on this request".into());
                match task {
                    Some(task) => celery::failure(&task, &error, isotime::now()),
                    None => error_reply(m, error),
                }
            })
        })
        .collect()
}
