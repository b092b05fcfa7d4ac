//! Where a request goes when it cannot simply be answered and acked: back through the retry queue with
//! its attempt count raised, or to the dead-letter exchange with the reason in its headers. The header
//! names and reason codes live here, once.

use lapin::types::{AMQPValue, ShortString};
use lapin::BasicProperties;

use super::carried_headers::carried;
use crate::config::Settings;

/// RabbitMQ's default `frame_max` (128 KiB), until a connection says otherwise.
pub const DEFAULT_FRAME_MAX: usize = 131_072;

/// Times the request came back unsettled so far (set by the worker on each pass through the retry queue).
pub const ATTEMPTS_HEADER: &str = "x-predict-attempts";
/// Why the request went through the retry queue: one of [`Retry`]'s codes.
pub const RETRY_REASON_HEADER: &str = "x-predict-retry-reason";
/// On a dead-lettered request: the error code (a request error's code, or one of [`Dead`]'s).
pub const ERROR_HEADER: &str = "x-predict-error";
/// On a dead-lettered request: what was wrong, in words.
pub const ERROR_MESSAGE_HEADER: &str = "x-predict-error-message";
/// On a dead-lettered request: the queue it was consumed from.
pub const QUEUE_HEADER: &str = "x-predict-queue";

/// Why a request is sent round again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// It was delivered before and never settled: its worker died, lost the broker or hit its
    /// shutdown deadline. One of these requests may be what killed the worker.
    Redelivered,
    /// The broker refused its reply (nack), e.g. a full reply queue with `x-overflow: reject-publish`.
    ReplyRefused,
}

impl Retry {
    pub fn code(self) -> &'static str {
        match self {
            Retry::Redelivered => "redelivered",
            Retry::ReplyRefused => "reply_refused",
        }
    }

    /// The dead-letter code once the attempts are used up.
    fn exhausted(self) -> Dead {
        match self {
            Retry::Redelivered => Dead::RedeliveryLimit,
            Retry::ReplyRefused => Dead::ReplyRefused,
        }
    }
}

/// Why the worker dead-lettered a request itself (request errors use their own codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dead {
    RedeliveryLimit,
    ReplyRefused,
}

impl Dead {
    pub fn code(self) -> &'static str {
        match self {
            Dead::RedeliveryLimit => "redelivery_limit",
            Dead::ReplyRefused => "reply_refused",
        }
    }

    pub fn message(self, limit: u32) -> String {
        match self {
            Dead::RedeliveryLimit => format!(
                "the request came back unsettled more than worker.redelivery_limit = {limit} times \
                 (a worker died, lost the broker or hit its shutdown deadline while holding it); it \
                 may crash workers, so it is set aside here"
            ),
            Dead::ReplyRefused => format!(
                "the broker refused its reply {limit} times (is the reply queue full, with \
                 x-overflow reject-publish?)"
            ),
        }
    }
}

/// Names and limits for rerouting, from the settings.
#[derive(Clone, Debug)]
pub struct Routes {
    pub requests: String,
    pub retry: String,
    pub results: String,
    pub dead_letter_exchange: String,
    pub redelivery_limit: u32,
    /// The Celery task name answered (`celery.task_name`).
    pub celery_task: String,
    /// Publish Celery results persistent (`celery.result_persistent`).
    pub celery_persistent: bool,
    /// The connection's negotiated `frame_max`: a retry or dead-letter copy's properties must fit in one
    /// frame ([`carried`]).
    pub frame_max: usize,
}

impl Routes {
    pub fn new(s: &Settings) -> Self {
        Routes {
            requests: s.queues.requests.clone(),
            retry: retry_queue(&s.queues.requests),
            results: s.queues.results.clone(),
            dead_letter_exchange: s.queues.dead_letter_exchange.clone(),
            redelivery_limit: s.worker.redelivery_limit,
            celery_task: s.celery.task_name.clone(),
            celery_persistent: s.celery.result_persistent,
            frame_max: DEFAULT_FRAME_MAX,
        }
    }

    /// The same routes for a connection that negotiated `frame_max` (0, "no limit", is taken as 4 GiB).
    pub fn with_frame_max(mut self, frame_max: u32) -> Self {
        self.frame_max = match frame_max {
            0 => u32::MAX as usize,
            n => n as usize,
        };
        self
    }

    /// Where a request that must go round again is sent: the retry queue with the count raised, or
    /// the dead-letter exchange once the count would pass the limit. `(exchange, routing key, props)`.
    pub fn again(&self, props: &BasicProperties, why: Retry, from: &str) -> Outbound {
        let next = attempts(props).saturating_add(1);
        if next > self.redelivery_limit {
            let dead = why.exhausted();
            return self.dead(
                props,
                dead.code(),
                &dead.message(self.redelivery_limit),
                from,
            );
        }
        let mut headers = carried(props, self.frame_max);
        headers.insert(ATTEMPTS_HEADER.into(), AMQPValue::LongUInt(next));
        headers.insert(
            RETRY_REASON_HEADER.into(),
            AMQPValue::LongString(why.code().into()),
        );
        Outbound {
            exchange: ShortString::from(""),
            routing_key: ShortString::from(self.retry.as_str()),
            props: props.clone().with_headers(headers),
        }
    }

    /// A copy for the dead-letter exchange, carrying the error code, message (clipped to
    /// [`MAX_ERROR_MESSAGE_BYTES`]) and source queue.
    pub fn dead(&self, props: &BasicProperties, code: &str, message: &str, from: &str) -> Outbound {
        let mut headers = carried(props, self.frame_max);
        headers.insert(ERROR_HEADER.into(), AMQPValue::LongString(code.into()));
        headers.insert(
            ERROR_MESSAGE_HEADER.into(),
            AMQPValue::LongString(clip(message).into()),
        );
        headers.insert(QUEUE_HEADER.into(), AMQPValue::LongString(from.into()));
        Outbound {
            exchange: ShortString::from(self.dead_letter_exchange.as_str()),
            routing_key: ShortString::from(from),
            props: props.clone().with_headers(headers),
        }
    }
}

/// Where one copy of a request goes, with its properties.
#[derive(Clone, Debug)]
pub struct Outbound {
    pub exchange: ShortString,
    pub routing_key: ShortString,
    pub props: BasicProperties,
}

/// The retry queue that belongs to a request queue.
pub fn retry_queue(requests: &str) -> String {
    format!("{requests}.retry")
}

/// The attempt count a request carries (0 when it never went round).
pub fn attempts(props: &BasicProperties) -> u32 {
    let Some(headers) = props.headers() else {
        return 0;
    };
    match headers.inner().get(ATTEMPTS_HEADER) {
        Some(AMQPValue::LongUInt(n)) => *n,
        Some(AMQPValue::LongInt(n)) => u32::try_from(*n).unwrap_or(0),
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(*n).unwrap_or(u32::MAX),
        Some(AMQPValue::ShortShortUInt(n)) => u32::from(*n),
        Some(AMQPValue::ShortUInt(n)) => u32::from(*n),
        _ => 0,
    }
}

/// Why the request went round last (None for a request that never did).
pub fn retry_reason(props: &BasicProperties) -> Option<Retry> {
    let value = props.headers().as_ref()?.inner().get(RETRY_REASON_HEADER)?;
    let text = match value {
        AMQPValue::LongString(s) => s.to_string(),
        AMQPValue::ShortString(s) => s.to_string(),
        _ => return None,
    };
    [Retry::Redelivered, Retry::ReplyRefused]
        .into_iter()
        .find(|r| r.code() == text)
}

/// The longest `x-predict-error-message`, in bytes. An error message can quote the request (an unknown
/// feature name or category of any length up to `worker.max_body_bytes`), and the dead letter's
/// properties must fit in one AMQP frame (`frame_max`, 128 KiB by default): a longer header would make
/// the broker close the connection, for every request in flight, on each attempt. The error reply's
/// body keeps the whole message.
pub const MAX_ERROR_MESSAGE_BYTES: usize = 1024;

/// `message`, cut at a character boundary to at most [`MAX_ERROR_MESSAGE_BYTES`] plus an ellipsis.
fn clip(message: &str) -> String {
    if message.len() <= MAX_ERROR_MESSAGE_BYTES {
        return message.to_string();
    }
    let mut end = MAX_ERROR_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(limit: u32) -> Routes {
        let mut s = Settings::default();
        s.queues.requests = "req".into();
        s.worker.redelivery_limit = limit;
        Routes::new(&s)
    }

    #[test]
    fn each_pass_raises_the_count_until_the_limit_dead_letters() {
        let r = routes(2);
        let first = r.again(&BasicProperties::default(), Retry::Redelivered, "req");
        assert_eq!(first.routing_key.as_str(), "req.retry");
        assert_eq!(attempts(&first.props), 1);
        assert_eq!(retry_reason(&first.props), Some(Retry::Redelivered));
        let second = r.again(&first.props, Retry::ReplyRefused, "req.retry");
        assert_eq!(attempts(&second.props), 2);
        assert_eq!(retry_reason(&second.props), Some(Retry::ReplyRefused));
        let third = r.again(&second.props, Retry::ReplyRefused, "req.retry");
        assert_eq!(third.exchange.as_str(), r.dead_letter_exchange);
        let headers = third.props.headers().clone().unwrap_or_default();
        assert_eq!(
            headers.inner().get(ERROR_HEADER),
            Some(&AMQPValue::LongString("reply_refused".into()))
        );
        assert_eq!(
            headers.inner().get(QUEUE_HEADER),
            Some(&AMQPValue::LongString("req.retry".into()))
        );
    }

    #[test]
    fn a_long_error_message_is_clipped_in_the_dead_letter() {
        let r = routes(3);
        let message = format!("unknown feature name \"{}\"", "é".repeat(600_000));
        let out = r.dead(
            &BasicProperties::default(),
            "unknown_feature",
            &message,
            "req",
        );
        let headers = out.props.headers().clone().unwrap_or_default();
        let Some(AMQPValue::LongString(kept)) = headers.inner().get(ERROR_MESSAGE_HEADER) else {
            panic!("no message header");
        };
        let kept = std::str::from_utf8(kept.as_bytes()).expect("clipped at a char boundary");
        assert!(
            kept.len() <= MAX_ERROR_MESSAGE_BYTES + "…".len(),
            "{}",
            kept.len()
        );
        assert!(kept.starts_with("unknown feature name") && kept.ends_with('…'));
        let short = r.dead(&BasicProperties::default(), "bad_value", "short", "req");
        let headers = short.props.headers().clone().unwrap_or_default();
        assert_eq!(
            headers.inner().get(ERROR_MESSAGE_HEADER),
            Some(&AMQPValue::LongString("short".into()))
        );
    }

    #[test]
    fn a_limit_of_zero_dead_letters_at_once() {
        let out = routes(0).again(&BasicProperties::default(), Retry::Redelivered, "req");
        let headers = out.props.headers().clone().unwrap_or_default();
        assert_eq!(
            headers.inner().get(ERROR_HEADER),
            Some(&AMQPValue::LongString("redelivery_limit".into()))
        );
    }
}
