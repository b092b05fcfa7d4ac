//! `RequestError`: why one request could not be answered with a prediction. Each error has a stable
//! snake_case `code()` for the reply and a `disposition()` saying whether the message is rejected or retried.

use super::celery::CeleryError;
use crate::model::PredictError;

/// What the worker does with a message whose request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// The same message fails the same way every time: reply with the error, then dead-letter it
    /// (with the error code in `x-predict-error`) instead of retrying it.
    Reject,
}

/// Why a request could not be predicted. The message says what was wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("the body has {size} bytes, more than the {limit} allowed (worker.max_body_bytes); split the request into smaller batches")]
    BodyTooLarge { size: usize, limit: usize },
    #[error("unsupported content type {0:?}; send application/json, application/x-python-serialize or application/python-pickle")]
    UnsupportedContentType(String),
    #[error("the body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("the body is not a plain-data pickle: {0}; pickle only dicts, lists, tuples, numbers, str and None")]
    InvalidPickle(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("row {row}, feature {column}: expected a number or null, got {found}")]
    WrongType {
        row: usize,
        column: String,
        found: String,
    },
    #[error("the request has {got} instances, more than the {limit} allowed (worker.max_instances); split it into smaller requests")]
    TooManyInstances { got: usize, limit: usize },
    #[error(
        "row {row} has {got} values but row 0 has {expected}; every row needs the same features"
    )]
    RaggedRows {
        row: usize,
        expected: usize,
        got: usize,
    },
    #[error(transparent)]
    Predict(#[from] PredictError),
    #[error(transparent)]
    Celery(#[from] CeleryError),
    #[error("internal error: {0}; please report this with the request")]
    Internal(String),
}

/// Every code of an error reply (model and Celery errors included), in the order of the error table in
/// docs/protocol.md: the one list that table, the README's and the metrics derive from. Metrics
/// pre-register one series per code from this list. [`RequestError::code`] returns one of these, or
/// [`EXPIRED`].
pub const CODES: &[&str] = &[
    "invalid_json",
    "invalid_pickle",
    "invalid_request",
    "wrong_type",
    "wrong_feature_count",
    "unknown_feature",
    "missing_feature",
    "no_feature_names",
    "bad_value",
    "unknown_category",
    "unsupported_input",
    "body_too_large",
    "too_many_instances",
    "unsupported_content_type",
    "not_registered",
    "pickled_task",
    "eta_not_supported",
    "invalid_header",
    "internal_error",
];

/// The code of an expired Celery task: it gets a REVOKED result and is acked, not an error reply, so
/// it is not in [`CODES`] (no error series in the metrics; it settles as `ok`).
pub const EXPIRED: &str = "expired";

impl RequestError {
    /// The stable code sent in error replies; one of [`CODES`], or [`EXPIRED`].
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::BodyTooLarge { .. } => "body_too_large",
            RequestError::UnsupportedContentType(_) => "unsupported_content_type",
            RequestError::InvalidJson(_) => "invalid_json",
            RequestError::InvalidPickle(_) => "invalid_pickle",
            RequestError::InvalidRequest(_) => "invalid_request",
            RequestError::WrongType { .. } => "wrong_type",
            RequestError::TooManyInstances { .. } => "too_many_instances",
            RequestError::RaggedRows { .. } => "wrong_feature_count",
            RequestError::Predict(e) => e.code(),
            RequestError::Celery(e) => e.code(),
            RequestError::Internal(_) => "internal_error",
        }
    }

    /// Every request error is deterministic (prediction is too), so every one is rejected:
    /// retrying would only fail again. Transient failures live in `BrokerError`, not here.
    pub fn disposition(&self) -> Disposition {
        Disposition::Reject
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        RequestError::InvalidRequest(message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_distinct_where_it_matters() {
        let errors = [
            RequestError::BodyTooLarge { size: 2, limit: 1 },
            RequestError::UnsupportedContentType("text/plain".into()),
            RequestError::InvalidJson("x".into()),
            RequestError::InvalidPickle("x".into()),
            RequestError::invalid("x"),
            RequestError::TooManyInstances { got: 2, limit: 1 },
            RequestError::Predict(PredictError::FeatureCount {
                expected: 3,
                got: 2,
            }),
        ];
        let codes: Vec<&str> = errors.iter().map(RequestError::code).collect();
        assert_eq!(
            codes,
            [
                "body_too_large",
                "unsupported_content_type",
                "invalid_json",
                "invalid_pickle",
                "invalid_request",
                "too_many_instances",
                "wrong_feature_count"
            ]
        );
        for e in &errors {
            assert!(e.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert_eq!(e.disposition(), Disposition::Reject);
        }
    }

    #[test]
    fn codes_is_exactly_what_code_returns() {
        let p = |e: PredictError| RequestError::Predict(e);
        let c = |e: CeleryError| RequestError::Celery(e);
        let every = [
            RequestError::BodyTooLarge { size: 2, limit: 1 },
            RequestError::UnsupportedContentType("x".into()),
            RequestError::InvalidJson("x".into()),
            RequestError::InvalidPickle("x".into()),
            RequestError::invalid("x"),
            RequestError::WrongType {
                row: 0,
                column: "0".into(),
                found: "x".into(),
            },
            RequestError::TooManyInstances { got: 2, limit: 1 },
            RequestError::RaggedRows {
                row: 1,
                expected: 2,
                got: 1,
            },
            RequestError::Internal("x".into()),
            p(PredictError::FeatureCount {
                expected: 2,
                got: 1,
            }),
            p(PredictError::UnknownFeature {
                name: "x".into(),
                known: "y".into(),
            }),
            p(PredictError::MissingFeature {
                name: "x".into(),
                row: 0,
            }),
            p(PredictError::NoFeatureNames),
            p(PredictError::bad_value(0, "x")),
            p(PredictError::UnknownCategory {
                column: "0".into(),
                value: "x".into(),
                known: "y".into(),
            }),
            p(PredictError::Unsupported("x".into())),
            c(CeleryError::NotRegistered {
                name: "x".into(),
                serves: "predict".into(),
            }),
            c(CeleryError::BadTime {
                header: "eta",
                value: "x".into(),
            }),
            c(CeleryError::Eta("x".into())),
            c(CeleryError::Pickled("x".into())),
            c(CeleryError::ContentType("x".into())),
            c(CeleryError::Compressed("x".into())),
            c(CeleryError::Body("x".into())),
        ];
        let returned: std::collections::BTreeSet<&str> =
            every.iter().map(RequestError::code).collect();
        let listed: std::collections::BTreeSet<&str> = CODES.iter().copied().collect();
        assert_eq!(c(CeleryError::Expired("x".into())).code(), EXPIRED);
        assert!(!CODES.contains(&EXPIRED));
        assert_eq!(listed.len(), CODES.len(), "a code is listed twice");
        assert_eq!(returned, listed);
    }

    /// The codes in the first column of the first table under `heading` in `doc`.
    fn table_codes(doc: &str, heading: &str) -> Vec<String> {
        let start = doc.find(heading).expect("the heading");
        doc[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| code |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .flat_map(|l| {
                let first = l.split('|').nth(1).unwrap_or("").to_string();
                first
                    .split(',')
                    .map(|c| c.trim().trim_matches('`').to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn codes_match_the_protocol_and_readme_tables() {
        let protocol = table_codes(include_str!("../../docs/protocol.md"), "### Error codes");
        let readme = table_codes(include_str!("../../README.md"), "Error codes (");
        for (name, table) in [("docs/protocol.md", protocol), ("README.md", readme)] {
            assert_eq!(
                table, CODES,
                "{name}'s error-code table is not CODES, in order"
            );
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = RequestError::BodyTooLarge {
            size: 2_000_000,
            limit: 1_048_576,
        };
        assert!(e.to_string().contains("worker.max_body_bytes"));
        assert!(e.to_string().contains("2000000"));
    }
}
