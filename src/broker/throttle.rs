//! A line that may repeat for every message (a full reply queue, a vanished requester, redeliveries) is
//! logged at WARN or INFO at most once per interval, with the count of the ones held back; the rest go
//! to DEBUG.

use std::time::{Duration, Instant};

/// How often a throttled warning may be logged.
pub const INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct Throttle {
    last: Option<Instant>,
    held_back: u64,
}

impl Throttle {
    /// Log `what` at WARN unless a warning went out less than [`INTERVAL`] ago.
    pub fn warn(&mut self, what: &str) {
        if self.allow(Instant::now()) {
            let held_back = std::mem::take(&mut self.held_back);
            tracing::warn!(held_back, "{what}");
        } else {
            self.held_back += 1;
            tracing::debug!("{what}");
        }
    }

    /// Log `what` at INFO unless a line went out less than [`INTERVAL`] ago.
    pub fn info(&mut self, what: &str) {
        if self.allow(Instant::now()) {
            let held_back = std::mem::take(&mut self.held_back);
            tracing::info!(held_back, "{what}");
        } else {
            self.held_back += 1;
        }
    }

    fn allow(&mut self, now: Instant) -> bool {
        match self.last {
            Some(t) if now.duration_since(t) < INTERVAL => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_interval() {
        let mut t = Throttle::default();
        let start = Instant::now();
        assert!(t.allow(start));
        assert!(!t.allow(start + Duration::from_millis(10)));
        assert!(!t.allow(start + INTERVAL - Duration::from_millis(1)));
        assert!(t.allow(start + INTERVAL));
    }
}
