//! Where a micro-batch is predicted: on the runtime's one thread when it should be quick (no thread
//! hop, no wakeup), else on a blocking thread, so that settling, signals and `/metrics` never wait long
//! behind a model call. The cost per request byte is learned from the batches already predicted.

use std::time::{Duration, Instant};

use super::BrokerError;

/// Longest a batch is expected to take for it to run inline.
pub const INLINE_BUDGET: Duration = Duration::from_micros(500);
/// Request bytes above which a batch never runs inline, whatever was learned: spawning a blocking task
/// costs more than parsing and predicting a few kilobytes of rows, but a bigger batch is worth the hop
/// (and may be split across cores there).
pub const INLINE_BYTES: usize = 32 * 1024;

/// One lane's placement decisions and what they have learned.
#[derive(Debug, Default)]
pub struct Placement {
    /// Running average of nanoseconds per request byte (0 until a batch has been timed).
    ns_per_byte: f64,
}

impl Placement {
    /// Whether a batch of `bytes` request bytes runs inline.
    pub fn inline(&self, bytes: usize) -> bool {
        bytes <= INLINE_BYTES && bytes as f64 * self.ns_per_byte <= INLINE_BUDGET.as_nanos() as f64
    }

    /// Fold in that a batch of `bytes` took `took` (an average over the last eight or so batches, so
    /// one slow model call moves batches of its size off the runtime thread at once).
    pub fn learn(&mut self, bytes: usize, took: Duration) {
        if bytes == 0 {
            return;
        }
        let sample = took.as_nanos() as f64 / bytes as f64;
        self.ns_per_byte = if self.ns_per_byte == 0.0 || sample > self.ns_per_byte * 4.0 {
            sample
        } else {
            self.ns_per_byte + (sample - self.ns_per_byte) / 8.0
        };
    }

    /// Run `work` (the prediction of a batch of `bytes` request bytes) inline or on a blocking thread
    /// inside the current tracing span, and learn from how long it took.
    pub async fn run<T, F>(&mut self, bytes: usize, work: F) -> Result<T, BrokerError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let started = Instant::now();
        let out = if self.inline(bytes) {
            work()
        } else {
            let span = tracing::Span::current();
            tokio::task::spawn_blocking(move || span.in_scope(work))
                .await
                .map_err(|e| BrokerError::Other(format!("the prediction task failed: {e}")))?
        };
        self.learn(bytes, started.elapsed());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_batches_run_inline_until_they_prove_slow() {
        let mut p = Placement::default();
        assert!(p.inline(1_000));
        assert!(p.inline(INLINE_BYTES));
        assert!(!p.inline(INLINE_BYTES + 1), "big batches never run inline");
        // 10 ns a byte: 32 KiB take about 330 us, within the budget.
        p.learn(1_000, Duration::from_micros(10));
        assert!(p.inline(INLINE_BYTES));
        // A slow model (1 us a byte): only batches under 500 bytes stay inline, from the first sample.
        p.learn(1_000, Duration::from_millis(1));
        assert!(p.inline(400));
        assert!(!p.inline(600));
        assert!(!p.inline(INLINE_BYTES));
    }

    #[test]
    fn the_average_settles_back_after_one_slow_batch() {
        let mut p = Placement::default();
        for _ in 0..4 {
            p.learn(10_000, Duration::from_micros(100)); // 10 ns a byte
        }
        p.learn(10_000, Duration::from_millis(10)); // one outlier: 1 us a byte
        assert!(!p.inline(10_000));
        for _ in 0..64 {
            p.learn(10_000, Duration::from_micros(100));
        }
        assert!(p.inline(10_000));
        p.learn(0, Duration::from_secs(1)); // an empty batch teaches nothing
        assert!(p.inline(10_000));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn runs_the_work_either_way_and_returns_its_output() {
        let mut p = Placement::default();
        let here = std::thread::current().id();
        let (out, ran_on) = p
            .run(100, move || (7, std::thread::current().id()))
            .await
            .unwrap();
        assert_eq!(
            (out, ran_on),
            (7, here),
            "a small batch runs on this thread"
        );
        let (out, ran_on) = p
            .run(INLINE_BYTES + 1, move || (8, std::thread::current().id()))
            .await
            .unwrap();
        assert_eq!(out, 8);
        assert_ne!(ran_on, here, "a big batch runs on a blocking thread");
    }
}
