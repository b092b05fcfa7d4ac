//! `.env.example` lists every variable the stack reads (each Compose `${VAR}`, each container
//! environment key, each `PREDICT_WORKER__*` Settings key) with a comment, and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use predict_worker::config::{Overrides, Settings, ENV_PREFIX};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Read by the binary outside `Settings` (tracing's EnvFilter reads RUST_LOG).
const EXTRA_PROCESS_VARS: &[&str] = &["RUST_LOG"];

struct Entry {
    value: String,
    active: bool,
    commented_above: bool,
}

fn is_var_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `NAME=value` (active) or `# NAME=value` (documented, commented out).
fn assignment(line: &str) -> Option<(String, String, bool)> {
    let (body, active) = match line.strip_prefix("# ") {
        Some(rest) => (rest, false),
        None => (line, true),
    };
    let (name, value) = body.split_once('=')?;
    is_var_name(name).then(|| (name.to_string(), value.to_string(), active))
}

fn env_example() -> BTreeMap<String, Entry> {
    let text = std::fs::read_to_string(format!("{ROOT}/.env.example")).expect("read .env.example");
    let mut out = BTreeMap::new();
    let mut prev_is_comment = false;
    for line in text.lines().map(str::trim) {
        if let Some((name, value, active)) = assignment(line) {
            let dup = out.insert(
                name.clone(),
                Entry {
                    value,
                    active,
                    commented_above: prev_is_comment,
                },
            );
            assert!(dup.is_none(), "{name} appears twice in .env.example");
            prev_is_comment = false;
        } else {
            prev_is_comment = line.starts_with('#') && line.len() > 2;
        }
    }
    out
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}__{}", k.to_uppercase()), v, out);
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

fn settings_vars() -> BTreeSet<String> {
    let json = serde_json::to_value(Settings::default()).expect("serialise Settings");
    let mut out = BTreeSet::new();
    flatten(ENV_PREFIX, &json, &mut out);
    out
}

/// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}` references with their defaults.
fn compose_references() -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(format!("{ROOT}/docker-compose.yml")).expect("compose");
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .expect("unterminated ${ in docker-compose.yml");
        let inner = &after[..end];
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let default = inner[name_len..]
            .strip_prefix(":-")
            .or_else(|| inner[name_len..].strip_prefix('-'))
            .map(str::to_string);
        out.push((inner[..name_len].to_string(), default));
        rest = &after[end..];
    }
    out
}

fn compose_environment_keys() -> BTreeSet<String> {
    let text = std::fs::read_to_string(format!("{ROOT}/docker-compose.yml")).expect("compose");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("compose YAML");
    let mut out = BTreeSet::new();
    for (_, svc) in doc["services"].as_mapping().expect("services") {
        if let Some(env) = svc["environment"].as_mapping() {
            out.extend(env.keys().filter_map(|k| k.as_str()).map(str::to_string));
        }
    }
    out
}

#[test]
fn every_variable_read_is_listed() {
    let listed = env_example();
    let mut wanted: BTreeSet<String> = settings_vars();
    wanted.extend(compose_references().into_iter().map(|(n, _)| n));
    wanted.extend(compose_environment_keys());
    wanted.extend(EXTRA_PROCESS_VARS.iter().map(|s| s.to_string()));
    let missing: Vec<_> = wanted.iter().filter(|v| !listed.contains_key(*v)).collect();
    assert!(missing.is_empty(), ".env.example lacks {missing:?}");
    let unused: Vec<_> = listed.keys().filter(|v| !wanted.contains(*v)).collect();
    assert!(
        unused.is_empty(),
        ".env.example lists variables nothing reads: {unused:?}"
    );
    assert!(
        wanted.len() > 20,
        "key derivation found too few: {wanted:?}"
    );
}

#[test]
fn every_variable_has_a_comment() {
    for (name, entry) in env_example() {
        assert!(
            entry.commented_above,
            "{name} needs a comment line right above it"
        );
    }
}

#[test]
fn compose_defaults_match_env_example() {
    // `docker compose up` behaves the same with or without a copied .env.
    let listed = env_example();
    for (name, default) in compose_references() {
        let entry = &listed[&name];
        assert!(
            entry.active,
            "{name} is read by Compose, so it must be an active line"
        );
        let default = default.unwrap_or_else(|| panic!("${{{name}}} needs a local-dev default"));
        assert_eq!(
            entry.value, default,
            "{name}: .env.example and compose default differ"
        );
    }
}

#[test]
fn settings_lines_are_the_defaults_and_parse() {
    // Uncommenting every PREDICT_WORKER__ line must be accepted and change nothing.
    let env: Vec<(String, String)> = env_example()
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .map(|(k, e)| {
            assert!(!e.active, "{k}: keep Settings overrides commented out");
            (k, e.value)
        })
        .collect();
    assert_eq!(env.len(), settings_vars().len());
    let loaded = Settings::load_from(
        Path::new("/nonexistent/default.toml"),
        None,
        env,
        &Overrides::default(),
    )
    .expect(".env.example values load");
    assert_eq!(loaded, Settings::default());
}

#[test]
fn no_real_secret() {
    let listed = env_example();
    let pass = &listed["RABBITMQ_DEFAULT_PASS"].value;
    assert!(
        pass.contains("local-dev") || pass.contains("change"),
        "{pass}"
    );
}
