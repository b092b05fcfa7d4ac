//! Scraping a worker's telemetry endpoint in tests: HTTP GETs with ureq, the exposition parsed with
//! prometheus-parse, samples keyed by name plus sorted labels.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use predict_worker::protocol::error::CODES;
use prometheus_parse::{Scrape, Value};

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// `(status, body)` of a GET; panics when nothing answers.
pub fn get(url: &str) -> (u16, String) {
    let mut resp = agent()
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let body = resp.body_mut().read_to_string().expect("body");
    (resp.status().as_u16(), body)
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Parsed `/metrics`, keyed by name plus sorted labels, e.g. `name{code=x,outcome=error}`.
pub struct Metrics {
    pub scalars: HashMap<String, f64>,
    /// Histogram name -> (count, sum).
    pub histograms: HashMap<String, (f64, f64)>,
    pub raw: String,
}

impl Metrics {
    pub fn scrape(base: &str) -> Self {
        let (status, text) = get(&format!("{base}/metrics"));
        assert_eq!(status, 200, "{text}");
        let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("exposition");
        let mut scalars = HashMap::new();
        let mut histograms = HashMap::new();
        for s in scrape.samples {
            let mut labels: Vec<String> =
                s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            labels.sort();
            let key = if labels.is_empty() {
                s.metric.clone()
            } else {
                format!("{}{{{}}}", s.metric, labels.join(","))
            };
            match s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => {
                    scalars.insert(key, v);
                }
                Value::Histogram(h) => {
                    let count = h.iter().map(|b| b.count).fold(0.0, f64::max);
                    histograms.insert(key, (count, 0.0));
                }
                Value::Summary(_) => panic!("{} is a summary; histograms expected", s.metric),
            }
        }
        // prometheus-parse folds _count/_sum away for histograms; read them from the text.
        for line in text.lines() {
            for (suffix, is_sum) in [("_count ", false), ("_sum ", true)] {
                if let Some((name, v)) = line.split_once(suffix) {
                    if let Some(h) = histograms.get_mut(name) {
                        let v: f64 = v.trim().parse().expect("number");
                        if is_sum {
                            h.1 = v;
                        } else {
                            h.0 = v;
                        }
                    }
                }
            }
        }
        Metrics {
            scalars,
            histograms,
            raw: text,
        }
    }

    pub fn value(&self, key: &str) -> f64 {
        *self
            .scalars
            .get(key)
            .unwrap_or_else(|| panic!("{key} not exported:\n{}", self.raw))
    }

    pub fn settled(&self, outcome: &str) -> f64 {
        self.value(&format!(
            "predict_worker_requests_settled_total{{outcome={outcome}}}"
        ))
    }

    pub fn errors(&self, code: &str) -> f64 {
        self.value(&format!(
            "predict_worker_requests_settled_total{{code={code},outcome=error}}"
        ))
    }

    pub fn settled_total(&self) -> f64 {
        let errors: f64 = CODES.iter().map(|c| self.errors(c)).sum();
        ["ok", "requeued", "dead_lettered"]
            .iter()
            .map(|o| self.settled(o))
            .sum::<f64>()
            + errors
    }

    pub fn histogram(&self, name: &str) -> (f64, f64) {
        *self
            .histograms
            .get(name)
            .unwrap_or_else(|| panic!("histogram {name} not exported:\n{}", self.raw))
    }
}

/// Scrape until `done` holds (settling follows the replies by a confirm and an ack), at most 10 s.
pub fn scrape_until(base: &str, done: impl Fn(&Metrics) -> bool) -> Metrics {
    let start = Instant::now();
    loop {
        let m = Metrics::scrape(base);
        if done(&m) || start.elapsed() > Duration::from_secs(10) {
            return m;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
