//! The Grafana dashboard (ops/grafana/predict-worker.json) loads as JSON, and every metric its panel
//! queries name is one the worker exports (the code's catalog) or one RabbitMQ's rabbitmq_prometheus
//! plugin serves (tests/data/rabbitmq_metric_names.txt); Prometheus and Grafana provisioning agree.

use std::collections::BTreeSet;

use predict_worker::telemetry::catalog;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn dashboard() -> serde_json::Value {
    serde_json::from_str(&read("ops/grafana/predict-worker.json")).expect("dashboard JSON")
}

/// Every `expr` of every panel (panels may nest inside rows).
fn exprs(panels: &serde_json::Value, out: &mut Vec<(String, String)>) {
    for p in panels.as_array().into_iter().flatten() {
        let title = p["title"].as_str().unwrap_or("").to_string();
        for t in p["targets"].as_array().into_iter().flatten() {
            out.push((title.clone(), t["expr"].as_str().unwrap_or("").to_string()));
        }
        exprs(&p["panels"], out);
    }
}

/// Identifiers in a PromQL expression that look like metric names: `[a-z_:][a-z0-9_:]*` words
/// starting with one of our prefixes, outside label matchers' quoted values.
fn metric_names(expr: &str) -> Vec<String> {
    let mut unquoted = String::new();
    let mut in_quote = false;
    for c in expr.chars() {
        if c == '"' {
            in_quote = !in_quote;
        } else if !in_quote {
            unquoted.push(c);
        }
    }
    unquoted
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with("predict_worker_") || w.starts_with("rabbitmq_"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_query_names_an_exported_metric() {
    let d = dashboard();
    let rabbit: BTreeSet<String> = read("tests/data/rabbitmq_metric_names.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_string)
        .collect();
    let mut all = Vec::new();
    exprs(&d["panels"], &mut all);
    assert!(all.len() >= 10, "too few queries: {all:?}");
    let mut used = BTreeSet::new();
    for (title, expr) in &all {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "panel {title:?}: {expr} names no metric");
        for name in names {
            let ok = if name.starts_with("predict_worker_") {
                catalog::find(&name).is_some()
            } else {
                rabbit.contains(&name)
            };
            assert!(ok, "panel {title:?} queries {name}, which nothing exports");
            used.insert(name);
        }
    }
    // The panels the issue asks for: queue depth, per-replica throughput, percentiles, errors by
    // code, reconnects.
    for needed in [
        "rabbitmq_queue_messages_ready",
        "predict_worker_requests_settled_total",
        "predict_worker_predict_seconds_bucket",
        "predict_worker_message_seconds_bucket",
        "predict_worker_reconnects_total",
    ] {
        assert!(used.contains(needed), "no panel shows {needed}");
    }
    assert!(
        all.iter().any(|(_, e)| e.contains("by (code)")),
        "errors by code"
    );
    assert!(
        all.iter().any(|(_, e)| e.contains("by (instance)")),
        "per replica"
    );
}

#[test]
fn the_checker_catches_a_wrong_name() {
    assert_eq!(
        metric_names(
            r#"sum(rate(predict_worker_requests_settled_total{outcome="rabbitmq_x"}[1m]))"#
        ),
        ["predict_worker_requests_settled_total"]
    );
    assert!(catalog::find("predict_worker_requests_total").is_none());
}

#[test]
fn panels_have_unique_ids_and_use_the_datasource_variable() {
    let d = dashboard();
    assert_eq!(d["uid"], "predict-worker");
    let mut ids = BTreeSet::new();
    for p in d["panels"].as_array().expect("panels") {
        assert!(ids.insert(p["id"].as_i64().expect("id")), "duplicate id");
        assert_eq!(p["datasource"]["uid"], "${datasource}", "{}", p["title"]);
    }
}

#[test]
fn provisioning_points_at_the_dashboard_and_prometheus() {
    let compose: serde_yaml::Value = serde_yaml::from_str(&read("docker-compose.yml")).unwrap();
    let grafana = &compose["services"]["grafana"];
    let mounts: Vec<&str> = grafana["volumes"]
        .as_sequence()
        .expect("grafana volumes")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(mounts
        .iter()
        .any(|m| m.starts_with("./ops/grafana/predict-worker.json:/var/lib/grafana/dashboards/")));
    let provider: serde_yaml::Value = serde_yaml::from_str(&read(
        "ops/grafana/provisioning/dashboards/predict-worker.yml",
    ))
    .unwrap();
    assert_eq!(
        provider["providers"][0]["options"]["path"].as_str(),
        Some("/var/lib/grafana/dashboards")
    );
    let prom: serde_yaml::Value =
        serde_yaml::from_str(&read("ops/prometheus/prometheus.yml")).unwrap();
    let jobs = prom["scrape_configs"]
        .as_sequence()
        .expect("scrape_configs");
    let worker = jobs
        .iter()
        .find(|j| j["job_name"] == "predict-worker")
        .expect("worker job");
    let metrics_addr = compose["services"]["worker"]["environment"]
        ["PREDICT_WORKER__TELEMETRY__METRICS_ADDR"]
        .as_str()
        .expect("metrics address");
    let port = worker["dns_sd_configs"][0]["port"].as_u64().expect("port");
    assert!(
        metrics_addr.ends_with(&format!(":{port}")),
        "{metrics_addr} vs {port}"
    );
    assert!(jobs
        .iter()
        .any(|j| j["static_configs"][0]["targets"][0] == "rabbitmq:15692"));
}
