//! A reply's AMQP properties (correlation id, content type, delivery mode) and its route (the
//! request's `reply_to`, else the results queue).

use lapin::BasicProperties;

/// Reply properties: correlation id (or the request's message id), content type, delivery mode.
pub fn reply_properties(request: &BasicProperties, content_type: &str) -> BasicProperties {
    let mut props = BasicProperties::default()
        .with_content_type(content_type.into())
        .with_app_id("predict-worker".into());
    if let Some(id) = request
        .correlation_id()
        .clone()
        .or_else(|| request.message_id().clone())
    {
        props = props.with_correlation_id(id);
    }
    if let Some(mode) = request.delivery_mode() {
        props = props.with_delivery_mode(*mode);
    }
    props
}

/// Where a reply goes: the request's `reply_to`, else the results queue.
pub fn reply_route<'a>(request: &'a BasicProperties, results_queue: &'a str) -> &'a str {
    request
        .reply_to()
        .as_ref()
        .map(|r| r.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or(results_queue)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_id_falls_back_to_message_id() {
        let req = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_delivery_mode(2)
            .with_reply_to("amq.rabbitmq.reply-to.abc".into());
        let props = reply_properties(&req, "application/json");
        assert_eq!(
            props.correlation_id().as_ref().map(|s| s.as_str()),
            Some("m-1")
        );
        assert_eq!(*props.delivery_mode(), Some(2));
        assert_eq!(reply_route(&req, "results"), "amq.rabbitmq.reply-to.abc");
        let req = BasicProperties::default().with_correlation_id("c".into());
        let props = reply_properties(&req, "application/python-pickle");
        assert_eq!(
            props.correlation_id().as_ref().map(|s| s.as_str()),
            Some("c")
        );
        assert_eq!(*props.delivery_mode(), None);
        assert_eq!(
            props.content_type().as_ref().map(|s| s.as_str()),
            Some("application/python-pickle")
        );
        assert_eq!(reply_route(&req, "results"), "results");
    }
}
