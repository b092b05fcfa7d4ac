//! Celery on the wire: a delivery with a `task` header is a Celery protocol v2 task; its headers are
//! borrowed into a `protocol::celery::Task`, and its result goes where Celery's `rpc://` backend sends
//! it (default exchange, routing key `reply_to`, correlation id = task id), unless it wants none.

use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;

use super::{PERSISTENT, TRANSIENT};
use crate::protocol::celery::Task;
use crate::protocol::JSON;

/// The longest AMQP short string (`correlation_id`, `reply_to`, ...), in bytes.
const SHORT_STRING_MAX: usize = 255;

/// The header that marks a Celery task message (protocol v2).
pub const TASK_HEADER: &str = "task";

fn headers(props: &BasicProperties) -> Option<&FieldTable> {
    props.headers().as_ref()
}

/// A header's text; `None` when absent, `None` (Python's None), not text or not UTF-8.
fn text<'a>(table: &'a FieldTable, key: &str) -> Option<&'a str> {
    match table.inner().get(key)? {
        AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok(),
        AMQPValue::ShortString(s) => Some(s.as_str()),
        _ => None,
    }
}

/// A time header (`expires`, `eta`): its text; `None` when absent or Python's None; `""` (which fails
/// as `invalid_header`) when it is some other type, so a number is refused rather than ignored.
fn time_header<'a>(table: &'a FieldTable, key: &str) -> Option<&'a str> {
    match table.inner().get(key)? {
        AMQPValue::Void => None,
        _ => Some(text(table, key).unwrap_or("")),
    }
}

/// Whether a delivery is a Celery task (one map lookup; nothing allocated).
pub fn is_task(props: &BasicProperties) -> bool {
    headers(props).is_some_and(|h| h.inner().contains_key(TASK_HEADER))
}

/// The Celery task a delivery carries, or `None` for a native request. A `task` header that is not
/// text still makes it a task (named `""`), so it fails as not registered rather than as native.
pub fn task<'a>(props: &'a BasicProperties, serves: &'a str) -> Option<Task<'a>> {
    let h = headers(props)?;
    if !h.inner().contains_key(TASK_HEADER) {
        return None;
    }
    let correlation = props.correlation_id().as_ref().map(|c| c.as_str());
    Some(Task {
        name: text(h, TASK_HEADER).unwrap_or(""),
        id: text(h, "id").or(correlation).unwrap_or(""),
        serves,
        group: text(h, "group"),
        parent_id: text(h, "parent_id"),
        expires: time_header(h, "expires"),
        eta: time_header(h, "eta"),
        compression: text(h, "compression"),
    })
}

/// Where a task's result goes: its `reply_to`; `None` when it has none or set `ignore_result`.
pub fn result_route(props: &BasicProperties) -> Option<&str> {
    let ignore = headers(props).and_then(|h| h.inner().get("ignore_result"));
    if matches!(ignore, Some(AMQPValue::Boolean(true))) {
        return None;
    }
    props
        .reply_to()
        .as_ref()
        .map(|r| r.as_str())
        .filter(|r| !r.is_empty())
}

/// The result's properties, as kombu publishes Celery's: JSON in UTF-8, the request's correlation id
/// (Celery sets it to the task id; the `id` header when it is missing), transient unless `persistent`.
pub fn result_properties(request: &BasicProperties, persistent: bool) -> BasicProperties {
    let mut props = BasicProperties::default()
        .with_content_type(JSON.into())
        .with_content_encoding("utf-8".into())
        .with_delivery_mode(if persistent { PERSISTENT } else { TRANSIENT })
        .with_app_id("predict-worker".into());
    let id = request
        .correlation_id()
        .as_ref()
        .map(|c| c.as_str())
        .filter(|c| !c.is_empty())
        .or_else(|| headers(request).and_then(|h| text(h, "id")))
        // correlation_id is an AMQP short string: lapin writes its length as one byte (and only
        // debug-asserts it), so a longer `id` header would corrupt the frame. Celery's ids are UUIDs.
        .filter(|id| id.len() <= SHORT_STRING_MAX);
    if let Some(id) = id {
        props = props.with_correlation_id(id.into());
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    fn celery_props(extra: &[(&str, AMQPValue)]) -> BasicProperties {
        let mut h = FieldTable::default();
        h.insert("task".into(), AMQPValue::LongString("predict".into()));
        h.insert("id".into(), AMQPValue::LongString("t-1".into()));
        h.insert("group".into(), AMQPValue::Void);
        h.insert("ignore_result".into(), AMQPValue::Boolean(false));
        for (k, v) in extra {
            h.insert((*k).into(), v.clone());
        }
        BasicProperties::default()
            .with_headers(h)
            .with_correlation_id("t-1".into())
            .with_reply_to("a1b2-reply".into())
    }

    #[test]
    fn a_task_header_makes_a_celery_task() {
        assert!(task(&BasicProperties::default(), "predict").is_none());
        let props = celery_props(&[(
            "expires",
            AMQPValue::LongString("2026-11-30T12:00:00+00:00".into()),
        )]);
        assert!(is_task(&props));
        let t = task(&props, "predict").expect("a task");
        assert_eq!((t.name, t.id, t.serves), ("predict", "t-1", "predict"));
        assert_eq!(t.group, None, "Python's None is no group");
        assert_eq!(t.expires, Some("2026-11-30T12:00:00+00:00"));
        let odd = celery_props(&[("task", AMQPValue::LongInt(3))]);
        assert_eq!(task(&odd, "predict").map(|t| t.name), Some(""));
        // Python's None is no expires; a number is not ignored but read as no time at all.
        let none = celery_props(&[("expires", AMQPValue::Void)]);
        assert_eq!(task(&none, "predict").and_then(|t| t.expires), None);
        let number = celery_props(&[("eta", AMQPValue::Double(1e12))]);
        assert_eq!(task(&number, "predict").and_then(|t| t.eta), Some(""));
        assert!(crate::protocol::isotime::parse("").is_none());
    }

    #[test]
    fn results_go_to_reply_to_unless_ignored() {
        let props = celery_props(&[]);
        assert_eq!(result_route(&props), Some("a1b2-reply"));
        let ignored = celery_props(&[("ignore_result", AMQPValue::Boolean(true))]);
        assert_eq!(result_route(&ignored), None);
        let no_reply = celery_props(&[]).with_reply_to("".into());
        assert_eq!(result_route(&no_reply), None);
        let r = result_properties(&props, false);
        assert_eq!(r.correlation_id().as_ref().map(|c| c.as_str()), Some("t-1"));
        assert_eq!(
            r.content_encoding().as_ref().map(|c| c.as_str()),
            Some("utf-8")
        );
        assert_eq!(r.content_type().as_ref().map(|c| c.as_str()), Some(JSON));
        assert_eq!(*r.delivery_mode(), Some(1));
        assert_eq!(*result_properties(&props, true).delivery_mode(), Some(2));
        let mut h = FieldTable::default();
        h.insert("id".into(), AMQPValue::LongString("from-header".into()));
        let bare = BasicProperties::default().with_headers(h);
        let r = result_properties(&bare, false);
        assert_eq!(
            r.correlation_id().as_ref().map(|c| c.as_str()),
            Some("from-header")
        );
        // An `id` header (a long string) too long for correlation_id (a short string) is left out.
        let mut h = FieldTable::default();
        h.insert("id".into(), AMQPValue::LongString("x".repeat(256).into()));
        let long = BasicProperties::default().with_headers(h);
        assert_eq!(result_properties(&long, false).correlation_id(), &None);
    }
}
