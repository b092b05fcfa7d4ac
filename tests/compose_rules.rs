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
    let ports = mq["ports"].as_sequence().expect("rabbitmq ports");
    let ports: Vec<&str> = ports.iter().map(str_of).collect();
    for want in ["5672:5672", "15672:15672"] {
        assert!(
            ports.contains(&format!("127.0.0.1:{want}").as_str()),
            "{want} must be published on 127.0.0.1 only: {ports:?}"
        );
    }
    assert!(
        ports.iter().all(|p| p.starts_with("127.0.0.1:")),
        "{ports:?}"
    );
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
    let url = str_of(&worker["environment"]["PREDICT_WORKER__AMQP__URL"]);
    assert!(url.starts_with("amqp://"), "{url}");
    assert!(
        url.contains("@rabbitmq:5672/"),
        "URL must name the rabbitmq service: {url}"
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
fn worker_reads_env_file() {
    let doc = compose();
    let env_file = &service(&doc, "worker")["env_file"];
    let paths: Vec<&str> = match env_file {
        Value::String(s) => vec![s.as_str()],
        Value::Sequence(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_else(|| str_of(&i["path"])))
            .collect(),
        _ => vec![],
    };
    assert!(paths.contains(&".env"), "env_file .env: {paths:?}");
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
    for arg in ["rust:1.", "gcr.io/distroless/cc-debian12:nonroot"] {
        assert!(text.contains(arg), "pinned base image {arg}");
    }
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
