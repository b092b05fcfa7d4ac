//! A reply whose `reply_to` queue no longer exists (the requester went away): the broker drops the reply
//! and the request is settled (acked: not redelivered, not dead-lettered, not looped), no body is
//! logged, and the worker keeps serving. RabbitMQ must run on 127.0.0.1:5672 (guest/guest); fails, never skips, without it.

mod cleanup;
mod support;

use std::time::Duration;

use lapin::BasicProperties;
use support::{collect, correlation, sample_lines, Client, Names, WorkerProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_a_vanished_queue_is_dropped_and_the_request_settled() {
    let names = Names::new("vanish");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    // Even a user who asks for lapin's warnings never gets a reply body in the log (lapin logs a
    // returned message, body included, at WARN).
    let mut worker = WorkerProcess::spawn(&names, &[("RUST_LOG", "info,lapin=warn")]);
    worker.wait_ready(Duration::from_secs(20));
    let gone = format!("{}.gone", names.requests);
    let line = &sample_lines()[0];
    for i in 0..5 {
        let props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_correlation_id(format!("gone-{i}").into())
            .with_reply_to(gone.as_str().into());
        client
            .publish(&names.requests, line.as_bytes(), props)
            .await;
    }
    // The worker keeps serving: a live requester still gets its reply.
    let (reply_to, mut replies) = client.reply_queue().await;
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id("alive".into())
        .with_reply_to(reply_to.as_str().into());
    client
        .publish(&names.requests, line.as_bytes(), props)
        .await;
    let got = collect(&mut replies, 1, Duration::from_secs(10)).await;
    assert_eq!(
        got.len(),
        1,
        "no reply to the live requester:\n{}",
        worker.log()
    );
    assert_eq!(correlation(&got[0].properties), "alive");
    // Settled: nothing waits in the queue, nothing is unacked, nothing went to the dead-letter queue.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(client.depth(&names.requests).await, 0, "requests requeued");
    worker.terminate(Duration::from_secs(9));
    assert_eq!(
        client.depth(&names.requests).await,
        0,
        "requests were unacked and came back when the worker stopped:\n{}",
        worker.log()
    );
    assert_eq!(client.depth(&names.dead).await, 0, "dead-lettered");
    let log = worker.log();
    // The body as text, or as the bytes lapin's Debug output shows (`data: [123, 34, 105, 100, ...]`).
    let as_bytes = format!("{:?}", &br#"{"id""#[..]);
    let as_bytes = as_bytes.trim_end_matches(']');
    assert!(
        !log.contains("benign")
            && !log.contains(as_bytes)
            && !log.contains("returned us a message"),
        "a reply body was logged:\n{log}"
    );
    client.cleanup(&names).await;
}
