//! Rules that make the Docker stack work, checked without a Docker engine: docker-compose.yml
//! (healthy broker first, scalable workers, read-only model) and the Dockerfile (non-root, exec-form
//! HEALTHCHECK, the same locked release build as CI).

use serde_yaml::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn compose() -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/docker-compose.yml"))
        .expect("read docker-compose.yml");
    serde_yaml::from_str(&text).expect("docker-compose.yml is valid YAML")
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let svc = &doc["services"][name];
    assert!(svc.is_mapping(), "service {name} is missing");
    svc
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// `${VAR:-default}` replaced by its default, as Compose does when VAR is unset.
fn with_defaults(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("unterminated ${") + start;
        let inner = &rest[start + 2..end];
        let (_, default) = inner.split_once(":-").expect("a ${VAR:-default}");
        out.push_str(default);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Every `PREDICT_WORKER__SECTION__KEY` the binary reads.
fn settings_vars() -> Vec<String> {
    let json = serde_json::to_value(predict_worker::config::Settings::default()).unwrap();
    let mut out = Vec::new();
    for (section, keys) in json.as_object().unwrap() {
        for key in keys.as_object().unwrap().keys() {
            out.push(format!(
                "{}__{}__{}",
                predict_worker::config::ENV_PREFIX,
                section.to_uppercase(),
                key.to_uppercase()
            ));
        }
    }
    out
}

/// Compose durations such as "15s", "1m30s", "500ms" in milliseconds.
fn duration_ms(text: &str) -> u64 {
    let mut total = 0u64;
    let mut num = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num
            .parse()
            .unwrap_or_else(|_| panic!("bad duration {text}"));
        num.clear();
        let unit = match c {
            'h' => 3_600_000,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            'm' => 60_000,
            's' => 1_000,
            _ => panic!("bad duration unit in {text}"),
        };
        total += n * unit;
    }
    assert!(num.is_empty(), "duration {text} lacks a unit");
    total
}

#[test]
fn rabbitmq_is_pinned_healthchecked_and_local_only() {
    let doc = compose();
    let mq = service(&doc, "rabbitmq");
    let image = str_of(&mq["image"]);
    assert!(
        image.starts_with("rabbitmq:4."),
        "pinned 4.x image: {image}"
    );
    assert!(image.contains("-management"), "management image: {image}");
    assert!(str_of(&mq["hostname"]) == "rabbitmq", "fixed hostname");
    let hc = &mq["healthcheck"];
    let test: Vec<&str> = hc["test"]
        .as_sequence()
        .expect("healthcheck.test list")
        .iter()
        .map(str_of)
        .collect();
    assert!(test.contains(&"rabbitmq-diagnostics"), "{test:?}");
    for key in ["interval", "timeout", "retries", "start_period"] {
        assert!(!hc[key].is_null(), "rabbitmq healthcheck lacks {key}");
    }
    // Host address and ports are variables (a machine may already run RabbitMQ on 5672) whose
    // defaults publish on 127.0.0.1 only.
    let ports: Vec<&str> = mq["ports"]
        .as_sequence()
        .expect("rabbitmq ports")
        .iter()
        .map(str_of)
        .collect();
    let resolved: Vec<String> = ports.iter().map(|p| with_defaults(p)).collect();
    for want in ["127.0.0.1:5672:5672", "127.0.0.1:15672:15672"] {
        assert!(
            resolved.iter().any(|p| p == want),
            "{want} by default: {resolved:?}"
        );
    }
    for port in &ports {
        let (host, container) = port.rsplit_once(':').expect("host:container");
        assert!(
            host.starts_with("${RABBITMQ_BIND_ADDRESS:-127.0.0.1}:${"),
            "bind address and host port are variables: {port}"
        );
        assert!(!container.contains('$'), "container port is fixed: {port}");
    }
    // Data in a named volume declared at the top level.
    let vols: Vec<&str> = mq["volumes"]
        .as_sequence()
        .expect("rabbitmq volumes")
        .iter()
        .map(str_of)
        .collect();
    let data = vols
        .iter()
        .find(|v| v.ends_with(":/var/lib/rabbitmq"))
        .expect("a volume for /var/lib/rabbitmq");
    let name = data.trim_end_matches(":/var/lib/rabbitmq");
    assert!(
        !name.starts_with('.') && !name.starts_with('/'),
        "named volume, not a bind mount"
    );
    assert!(doc["volumes"].get(name).is_some(), "volume {name} declared");
    // Credentials come from .env (with local-dev defaults), never hard-coded alone.
    let env = &mq["environment"];
    assert!(str_of(&env["RABBITMQ_DEFAULT_USER"]).starts_with("${RABBITMQ_DEFAULT_USER"));
    assert!(str_of(&env["RABBITMQ_DEFAULT_PASS"]).starts_with("${RABBITMQ_DEFAULT_PASS"));
}

#[test]
fn worker_waits_for_a_healthy_broker() {
    let doc = compose();
    let worker = service(&doc, "worker");
    assert_eq!(
        str_of(&worker["depends_on"]["rabbitmq"]["condition"]),
        "service_healthy"
    );
    let env = &worker["environment"];
    let url = str_of(&env["PREDICT_WORKER__AMQP__URL"]);
    assert_eq!(
        url, "amqp://rabbitmq:5672/%2f",
        "the rabbitmq service, no userinfo"
    );
    // The broker's own credentials, as separate literal settings (no URL encoding involved).
    assert!(str_of(&env["PREDICT_WORKER__AMQP__USER"]).starts_with("${RABBITMQ_DEFAULT_USER:-"));
    assert!(str_of(&env["PREDICT_WORKER__AMQP__PASSWORD"]).starts_with("${RABBITMQ_DEFAULT_PASS:-"));
    assert_eq!(
        with_defaults(str_of(&env["PREDICT_WORKER__AMQP__PASSWORD"])),
        with_defaults(str_of(
            &service(&doc, "rabbitmq")["environment"]["RABBITMQ_DEFAULT_PASS"]
        )),
        "same default password on both sides"
    );
}

#[test]
fn worker_can_scale() {
    let doc = compose();
    let worker = service(&doc, "worker");
    assert!(
        worker.get("container_name").is_none(),
        "container_name breaks --scale"
    );
    assert!(worker.get("ports").is_none(), "host ports break --scale");
    assert!(
        !worker["deploy"]["replicas"].is_null(),
        "default replica count"
    );
    assert_eq!(str_of(&worker["build"]), ".");
    assert_eq!(str_of(&worker["restart"]), "unless-stopped");
}

#[test]
fn worker_gets_only_what_it_reads() {
    // No env_file: it would hand the broker password and every Compose-only variable to the workers.
    let doc = compose();
    let worker = service(&doc, "worker");
    assert!(
        worker.get("env_file").is_none(),
        "env_file leaks .env into the workers"
    );
    let env = worker["environment"]
        .as_mapping()
        .expect("environment as a mapping");
    let keys: Vec<&str> = env.keys().map(str_of).collect();
    let mut readable = settings_vars();
    readable.push("RUST_LOG".into());
    for key in &keys {
        assert!(
            readable.iter().any(|r| r == key),
            "{key} is not read by the worker"
        );
    }
    // Every setting can still be overridden from .env or the shell: passed through, value-less.
    for var in &readable {
        assert!(
            keys.contains(&var.as_str()),
            "{var} is not passed to the workers"
        );
    }
    let set: Vec<&str> = env
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| str_of(k))
        .collect();
    assert_eq!(
        set,
        [
            "PREDICT_WORKER__AMQP__URL",
            "PREDICT_WORKER__AMQP__USER",
            "PREDICT_WORKER__AMQP__PASSWORD",
            "PREDICT_WORKER__TELEMETRY__METRICS_ADDR"
        ],
        "only the broker login and the metrics address have a value; the rest pass through when set"
    );
}

#[test]
fn metrics_stay_on_the_container_network() {
    let doc = compose();
    let worker = service(&doc, "worker");
    let addr = str_of(&worker["environment"]["PREDICT_WORKER__TELEMETRY__METRICS_ADDR"]);
    let port = addr
        .strip_prefix("0.0.0.0:")
        .unwrap_or_else(|| panic!("listen on every container interface: {addr}"));
    assert!(port.parse::<u16>().is_ok(), "{addr}");
    // Published ports would break --scale and expose an unauthenticated endpoint.
    assert!(worker.get("ports").is_none(), "no published metrics port");
    // The default profile only has the broker and the workers; monitoring is opt-in.
    for (name, svc) in doc["services"].as_mapping().expect("services") {
        let name = str_of(name);
        if !["rabbitmq", "worker"].contains(&name) {
            let profiles = svc["profiles"]
                .as_sequence()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            assert!(
                profiles.iter().any(|p| str_of(p) == "monitoring"),
                "service {name} must be in the monitoring profile"
            );
        }
    }
}

#[test]
fn model_volume_is_read_only() {
    let doc = compose();
    let vols = service(&doc, "worker")["volumes"]
        .as_sequence()
        .expect("worker volumes");
    let model = vols
        .iter()
        .find(|v| match v {
            Value::String(s) => s.contains(":/app/outputs"),
            _ => str_of(&v["target"]) == "/app/outputs",
        })
        .expect("the model directory is mounted at /app/outputs");
    let read_only = match model {
        Value::String(s) => s.ends_with(":ro"),
        _ => model["read_only"].as_bool() == Some(true),
    };
    assert!(read_only, "model volume must be read-only: {model:?}");
}

#[test]
fn stop_grace_exceeds_drain_deadline() {
    let doc = compose();
    let grace = duration_ms(str_of(&service(&doc, "worker")["stop_grace_period"]));
    let deadline = predict_worker::config::Settings::default()
        .worker
        .shutdown_deadline_ms;
    assert!(
        grace >= deadline + 2_000,
        "stop_grace_period {grace} ms must exceed the drain deadline {deadline} ms with margin"
    );
    assert_eq!(duration_ms("1m30s"), 90_000);
    assert_eq!(duration_ms("500ms"), 500);
}

fn dockerfile() -> String {
    std::fs::read_to_string(format!("{ROOT}/Dockerfile")).expect("read Dockerfile")
}

#[test]
fn dockerfile_runtime_rules() {
    let text = dockerfile();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(
        lines.iter().filter(|l| l.starts_with("FROM ")).count() >= 2,
        "multi-stage"
    );
    let user = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("USER "))
        .expect("USER in the runtime stage");
    let uid = user["USER ".len()..].split(':').next().unwrap_or("");
    let uid: u32 = uid.parse().expect("numeric uid");
    assert_ne!(uid, 0, "non-root");
    assert!(text.contains("ENTRYPOINT [\"predict-worker\"]"));
    assert!(text.contains("CMD [\"worker\"]"));
    assert!(
        text.contains("CMD [\"predict-worker\", \"healthcheck\"]"),
        "exec-form HEALTHCHECK running predict-worker healthcheck"
    );
    assert!(text.contains("WORKDIR /app"));
    for arg in [
        "ARG RUST_IMAGE=rust:1.",
        "ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot",
    ] {
        assert!(
            text.contains(arg),
            "pinned base image as a build argument: {arg}"
        );
    }
    assert!(text.contains("FROM ${RUST_IMAGE} AS builder"));
    assert!(text.contains("FROM ${RUNTIME_IMAGE} AS runtime"));
}

#[test]
fn dockerfile_needs_no_registry_frontend() {
    // A `# syntax=` line makes every build pull the Dockerfile frontend from Docker Hub.
    assert!(
        !dockerfile()
            .lines()
            .any(|l| l.trim_start().to_lowercase().starts_with("# syntax")),
        "use the builder's built-in frontend"
    );
}

#[test]
fn dockerfile_never_ships_a_stale_binary() {
    // Dependencies compile in their own layer from the manifests alone; the crate is compiled after
    // COPY src with its Cargo fingerprints deleted, and target/ is never a cache mount (Cargo judges
    // freshness by mtime, and COPY keeps the context's mtimes).
    let text = dockerfile();
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("Dockerfile lacks {needle}"))
    };
    let manifests = pos("COPY Cargo.toml Cargo.lock ./");
    let deps = pos("echo 'fn main() {}' > src/main.rs");
    let src = pos("COPY src ./src");
    let forget = pos("rm -rf target/release/.fingerprint/predict-worker-*");
    let build = text.rfind("cargo build --release --locked").unwrap();
    assert!(manifests < deps && deps < src && src < forget && forget < build);
    assert!(
        !text.contains("target=/build/target"),
        "no cache mount on target/"
    );
}

#[test]
fn ci_builds_like_the_dockerfile() {
    let cmd = "cargo build --release --locked";
    assert!(dockerfile().contains(cmd));
    let ci = std::fs::read_to_string(format!("{ROOT}/.ci/run")).expect("read .ci/run");
    assert!(ci.contains(cmd), ".ci/run must build with `{cmd}`");
}

#[test]
fn dockerignore_keeps_out_build_noise_and_secrets() {
    let text = std::fs::read_to_string(format!("{ROOT}/.dockerignore")).expect(".dockerignore");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // Allow-list: everything is ignored first, then only build inputs are re-included.
    assert_eq!(
        lines.iter().find(|l| !l.starts_with('#') && !l.is_empty()),
        Some(&"*")
    );
    for denied in [
        "target",
        ".git",
        ".env",
        "tests",
        ".venv",
        "venv",
        "__pycache__",
    ] {
        assert!(
            !lines
                .iter()
                .any(|l| *l == format!("!{denied}") || *l == format!("!{denied}/")),
            "{denied} must not be re-included"
        );
    }
    for needed in [
        "!Cargo.toml",
        "!Cargo.lock",
        "!src/",
        "!config/",
        "!outputs/",
    ] {
        assert!(
            lines.contains(&needed),
            "{needed} must be in the build context"
        );
    }
    assert!(
        lines.contains(&"**/.env"),
        "a .env inside an allowed dir stays out"
    );
}
