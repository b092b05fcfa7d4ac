//! The pipelined settle path against the real RabbitMQ: with tiny batches many are in flight at once;
//! good and bad requests interleave; SIGTERM mid-stream. Every request is answered exactly once or left
//! in the queue never delivered, and every bad one that was answered is dead-lettered (not acked).

mod support;

use std::collections::HashSet;
use std::time::Duration;

use lapin::BasicProperties;
use support::{collect, correlation, sample_lines, Client, Names, WorkerProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_batches_in_flight_then_sigterm_answers_each_request_once() {
    let names = Names::new("pipeline");
    let client = Client::connect().await;
    let total = 4000;
    let (reply_to, mut replies) = client.reply_queue().await;
    let mut worker = WorkerProcess::spawn(
        &names,
        &[
            ("PREDICT_WORKER__WORKER__BATCH_SIZE", "3"),
            ("PREDICT_WORKER__WORKER__BATCH_WAIT_MS", "1"),
            ("PREDICT_WORKER__WORKER__PREFETCH", "900"),
        ],
    );
    worker.wait_ready(Duration::from_secs(20));
    let good = sample_lines()[1].clone();
    let is_bad = |i: usize| i % 7 == 3;
    for i in 0..total {
        let body: &[u8] = if is_bad(i) {
            b"{\"features\": [1, 2"
        } else {
            good.as_bytes()
        };
        let props = BasicProperties::default()
            .with_correlation_id(format!("p-{i}").into())
            .with_content_type("application/json".into())
            .with_reply_to(reply_to.as_str().into());
        client
            .ch
            .basic_publish(
                "".into(),
                names.requests.as_str().into(),
                lapin::options::BasicPublishOptions::default(),
                body,
                props,
            )
            .await
            .expect("publish");
    }
    client.ch.wait_for_confirms().await.expect("confirms");
    let first = collect(&mut replies, 200, Duration::from_secs(20)).await;
    assert_eq!(first.len(), 200, "log:\n{}", worker.log());
    worker.terminate(Duration::from_secs(9));
    let mut got = first;
    got.extend(collect(&mut replies, total, Duration::from_secs(2)).await);

    let mut seen = HashSet::new();
    let mut bad_answered = 0;
    for d in &got {
        let id = correlation(&d.properties);
        assert!(seen.insert(id.clone()), "duplicate reply for {id}");
        let i: usize = id
            .strip_prefix("p-")
            .and_then(|n| n.parse().ok())
            .expect("id");
        let reply: serde_json::Value = serde_json::from_slice(&d.data).expect("JSON reply");
        assert_eq!(
            reply.get("error").is_some(),
            is_bad(i),
            "reply {id}: {reply}"
        );
        bad_answered += usize::from(is_bad(i));
    }
    let left = client.drain(&names.requests).await;
    assert_eq!(
        got.len() + left.len(),
        total,
        "every request answered once or still queued:\n{}",
        worker.log()
    );
    assert!(got.len() > 200 + 100, "in-flight batches were answered");
    for m in &left {
        assert!(
            !m.delivery.redelivered,
            "a request was delivered, not settled, and returned to the queue"
        );
    }
    let mut dead = 0;
    for _ in 0..50 {
        dead = client.depth(&names.dead).await as usize;
        if dead == bad_answered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        dead, bad_answered,
        "answered bad requests are dead-lettered"
    );
    client.cleanup(&names).await;
}
