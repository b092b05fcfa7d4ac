//! What a broker bench run measured (rate, latency percentiles, errors) and how it is printed, so the
//! closed and open loops and the echo comparison report alike.

use std::time::Duration;

/// One run's figures.
#[derive(Clone, Debug)]
pub struct Stats {
    pub requests: usize,
    pub rows: usize,
    pub elapsed: Duration,
    /// Sorted latencies.
    pub latencies: Vec<Duration>,
    pub errors: usize,
}

impl Stats {
    pub fn new(
        requests: usize,
        rows: usize,
        elapsed: Duration,
        mut latencies: Vec<Duration>,
        errors: usize,
    ) -> Self {
        latencies.sort();
        Stats {
            requests,
            rows,
            elapsed,
            latencies,
            errors,
        }
    }

    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p` quantile in milliseconds (nearest rank).
    pub fn pct_ms(&self, p: f64) -> f64 {
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }

    /// The table's header line.
    pub fn header() -> String {
        format!(
            "{:>8}  {:>10}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>7}\n",
            "target",
            "msg/s",
            "rows/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            "errors"
        )
    }

    /// This run's line in the table.
    pub fn line(&self, target: &str) -> String {
        format!(
            "{:>8}  {:>10.0}  {:>10.0}  {:>9.2}  {:>9.2}  {:>9.2}  {:>9.2}  {:>9.2}  {:>7}\n",
            target,
            self.rate(),
            self.rate() * self.rows as f64,
            self.pct_ms(0.50),
            self.pct_ms(0.90),
            self.pct_ms(0.99),
            self.pct_ms(0.999),
            self.pct_ms(1.0),
            self.errors
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let lat: Vec<Duration> = (1..=1000).rev().map(Duration::from_millis).collect();
        let s = Stats::new(1000, 1, Duration::from_secs(2), lat, 0);
        assert_eq!(s.pct_ms(0.5), 500.0);
        assert_eq!(s.pct_ms(0.999), 999.0);
        assert_eq!(s.pct_ms(1.0), 1000.0);
        assert_eq!(s.rate(), 500.0);
    }
}
