//! A private RabbitMQ node for disruptive tests (restarts, resource alarms), so they never touch the
//! shared broker on 127.0.0.1:5672. Each node has its own directory (Erlang cookie, Mnesia, logs), node
//! name, AMQP port and distribution port, no plugins, and no config files; it is stopped, killed if
//! need be, and removed when dropped, also when the test panics.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use lapin::options::ConfirmSelectOptions;
use lapin::{Connection, ConnectionProperties};

use super::Client;

const BIN: &str = "/usr/lib/rabbitmq/bin";
/// The longest a node may take to boot.
const START_WITHIN: Duration = Duration::from_secs(90);
/// The longest one `rabbitmqctl` call may take.
const CTL_WITHIN: Duration = Duration::from_secs(60);
/// `rabbitmqctl` itself listens on 35672..=35682 (RABBITMQ_CTL_DIST_PORT_MIN/MAX): never hand those out.
const CTL_PORTS: std::ops::RangeInclusive<u16> = 35672..=35682;

pub struct PrivateBroker {
    /// `pw-<name>-<random>@localhost`.
    pub node: String,
    pub dir: PathBuf,
    pub port: u16,
    pub dist_port: u16,
    env: Vec<(String, String)>,
}

impl PrivateBroker {
    /// Boot a fresh node; panics (with the tail of its log) when it does not come up.
    pub fn start(name: &str) -> Self {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let suffix = &suffix[..10];
        let node = format!("pw-{name}-{suffix}@localhost");
        let dir = std::env::temp_dir().join(format!("pw-node-{name}-{suffix}"));
        std::fs::create_dir_all(&dir).expect("node dir");
        std::fs::write(dir.join("enabled_plugins"), "[].\n").expect("enabled_plugins");
        let (port, dist_port) = free_ports();
        let path = |p: &str| dir.join(p).display().to_string();
        let env = vec![
            ("HOME".to_string(), dir.display().to_string()),
            ("RABBITMQ_NODENAME".into(), node.clone()),
            ("RABBITMQ_NODE_IP_ADDRESS".into(), "127.0.0.1".into()),
            ("RABBITMQ_NODE_PORT".into(), port.to_string()),
            ("RABBITMQ_DIST_PORT".into(), dist_port.to_string()),
            ("RABBITMQ_MNESIA_BASE".into(), path("mnesia")),
            ("RABBITMQ_LOG_BASE".into(), path("log")),
            (
                "RABBITMQ_ENABLED_PLUGINS_FILE".into(),
                path("enabled_plugins"),
            ),
            // None of these exist: no config, no advanced config, and not /etc/rabbitmq/rabbitmq-env.conf
            // (whose NODENAME is the shared node's).
            ("RABBITMQ_CONFIG_FILE".into(), path("rabbitmq")),
            (
                "RABBITMQ_ADVANCED_CONFIG_FILE".into(),
                path("advanced.config"),
            ),
            ("RABBITMQ_CONF_ENV_FILE".into(), path("rabbitmq-env.conf")),
            ("RABBITMQ_PID_FILE".into(), path("rabbitmq.pid")),
        ];
        let broker = PrivateBroker {
            node,
            dir,
            port,
            dist_port,
            env,
        };
        let out = std::fs::File::create(broker.dir.join("server.out")).expect("server.out");
        let status = Command::new(format!("{BIN}/rabbitmq-server"))
            .arg("-detached")
            .envs(broker.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("server.out"))
            .stderr(out)
            .status()
            .expect("run rabbitmq-server -detached");
        if !status.success() {
            panic!(
                "rabbitmq-server -detached failed ({status}) for {}:\n{}",
                broker.node,
                broker.log_tail()
            );
        }
        // await_startup fails at once while the node is not registered with epmd yet: retry it.
        let start = Instant::now();
        loop {
            let out = broker.try_ctl(&["await_startup", "--timeout", "10"], CTL_WITHIN);
            if matches!(&out, Some(o) if o.status.success()) {
                break;
            }
            if start.elapsed() > START_WITHIN {
                let detail = out
                    .map(|o| describe(&o))
                    .unwrap_or_else(|| "rabbitmqctl timed out".into());
                panic!(
                    "private RabbitMQ node {} did not start within {START_WITHIN:?} (AMQP port {}, \
                     dist port {}): {detail}\n{}",
                    broker.node,
                    broker.port,
                    broker.dist_port,
                    broker.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        broker.wait_amqp(Duration::from_secs(30));
        eprintln!(
            "private RabbitMQ node {} up on 127.0.0.1:{} after {:?}",
            broker.node,
            broker.port,
            start.elapsed()
        );
        broker
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// A test client (confirms on) connected to this node.
    pub async fn client(&self) -> Client {
        let conn = Connection::connect(&self.url(), ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| panic!("connect to private node {}: {e}", self.node));
        let ch = conn.create_channel().await.expect("channel");
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirms");
        Client { conn, ch }
    }

    /// `rabbitmqctl -n <node> <args>`; panics with its output unless it succeeds.
    pub fn ctl(&self, args: &[&str]) -> Output {
        match self.try_ctl(args, CTL_WITHIN) {
            Some(out) if out.status.success() => out,
            Some(out) => panic!(
                "rabbitmqctl {} on {} failed: {}\n{}",
                args.join(" "),
                self.node,
                describe(&out),
                self.log_tail()
            ),
            None => panic!(
                "rabbitmqctl {} on {} did not finish within {CTL_WITHIN:?}\n{}",
                args.join(" "),
                self.node,
                self.log_tail()
            ),
        }
    }

    /// `rabbitmqctl`, killed after `within` (then None).
    fn try_ctl(&self, args: &[&str], within: Duration) -> Option<Output> {
        let mut cmd = Command::new(format!("{BIN}/rabbitmqctl"));
        cmd.arg("-n")
            .arg(&self.node)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        run_bounded(cmd, within)
    }

    /// Stop the RabbitMQ application (connections are closed; the Erlang node keeps running).
    pub fn stop_app(&self) {
        self.ctl(&["stop_app"]);
    }

    /// Prepare a `stop_app` that [`ArmedStop::fire`] sets off within milliseconds: `rabbitmqctl` takes
    /// a second or more (far more on a loaded machine) to boot, so it is started first and waits on
    /// the node, which then stops the application the moment a trigger file appears.
    pub fn arm_stop_app(&self) -> ArmedStop {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let armed = self.dir.join(format!("armed-{suffix}"));
        let trigger = self.dir.join(format!("fire-{suffix}"));
        let expr = format!(
            "ok = file:write_file({armed:?}, <<>>), \
             Wait = fun W() -> case filelib:is_regular({trigger:?}) of \
                 true -> ok; false -> timer:sleep(2), W() end end, \
             Wait(), rabbit:stop().",
            armed = armed.display().to_string(),
            trigger = trigger.display().to_string(),
        );
        let child = Command::new(format!("{BIN}/rabbitmqctl"))
            .arg("-n")
            .arg(&self.node)
            .arg("eval")
            .arg(&expr)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rabbitmqctl eval");
        let mut stop = ArmedStop {
            child: Some(child),
            trigger,
            node: self.node.clone(),
        };
        let start = Instant::now();
        while !armed.exists() {
            if let Some(child) = stop.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    let out = stop.child.take().expect("child").wait_with_output();
                    panic!(
                        "arming stop_app on {} failed: {}",
                        self.node,
                        out.map(|o| describe(&o)).unwrap_or_default()
                    );
                }
            }
            assert!(
                start.elapsed() < CTL_WITHIN,
                "arming stop_app on {} took more than {CTL_WITHIN:?}",
                self.node
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        stop
    }

    /// Start the application again and wait until AMQP accepts connections.
    pub fn start_app(&self) {
        self.ctl(&["start_app"]);
        self.ctl(&["await_startup", "--timeout", "60"]);
        self.wait_amqp(Duration::from_secs(30));
    }

    /// Raise (`true`) or clear the memory alarm by moving the high watermark.
    pub fn alarm_memory(&self, on: bool) {
        let watermark = if on { "0.0000001" } else { "0.4" };
        self.ctl(&["set_vm_memory_high_watermark", watermark]);
        // The watermark applies at the next memory check: wait until the alarm state follows.
        let start = Instant::now();
        while self.memory_alarm() != on {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the memory alarm on {} did not turn {}",
                self.node,
                if on { "on" } else { "off" }
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the node reports a memory alarm.
    pub fn memory_alarm(&self) -> bool {
        let out = self.ctl(&["eval", "rabbit_alarm:get_alarms()."]);
        String::from_utf8_lossy(&out.stdout).contains("memory")
    }

    /// Wait until the AMQP listener answers a protocol header with `connection.start`.
    fn wait_amqp(&self, within: Duration) {
        let start = Instant::now();
        while !amqp_answers(self.port) {
            if start.elapsed() > within {
                panic!(
                    "private node {} does not accept AMQP on port {} within {within:?}\n{}",
                    self.node,
                    self.port,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of the node's log and of the startup script's output.
    pub fn log_tail(&self) -> String {
        let mut out = String::new();
        let log = self.dir.join("log").join(format!("{}.log", self.node));
        for file in [log, self.dir.join("server.out")] {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            out.push_str(&format!(
                "--- {} ---\n{}\n",
                file.display(),
                tail.join("\n")
            ));
        }
        out
    }

    fn pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("rabbitmq.pid")).ok()?;
        text.trim().parse().ok()
    }

    /// Freeze (SIGSTOP) or thaw (SIGCONT) the node's OS process: a broker that stops answering
    /// without closing any socket, as a hung host or a network partition looks to a client.
    pub fn freeze(&self, frozen: bool) {
        let pid = self.pid().expect("the node's pid file");
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        // `stop <pid file>` waits until the node's OS process is gone.
        let pid_file = self.dir.join("rabbitmq.pid").display().to_string();
        let stopped = self.try_ctl(&["stop", &pid_file], Duration::from_secs(30));
        if !matches!(&stopped, Some(o) if o.status.success()) {
            eprintln!("rabbitmqctl stop on {} failed; killing it", self.node);
        }
        if let Some(pid) = self.pid() {
            if alive(pid) {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
                let start = Instant::now();
                while alive(pid) && start.elapsed() < Duration::from_secs(10) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `stop_app` waiting for its trigger (see [`PrivateBroker::arm_stop_app`]).
pub struct ArmedStop {
    child: Option<std::process::Child>,
    trigger: PathBuf,
    node: String,
}

impl ArmedStop {
    /// Stop the application now; returns once it has stopped. Panics with the output on failure.
    pub fn fire(mut self) {
        std::fs::write(&self.trigger, b"").expect("trigger file");
        let mut child = self.child.take().expect("armed child");
        let start = Instant::now();
        while matches!(child.try_wait(), Ok(None)) {
            if start.elapsed() > CTL_WITHIN {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "stop_app on {} did not finish within {CTL_WITHIN:?}",
                    self.node
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = child.wait_with_output().expect("rabbitmqctl eval output");
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
            "stop_app on {} failed: {}",
            self.node,
            describe(&out)
        );
    }
}

impl Drop for ArmedStop {
    fn drop(&mut self) {
        // Never fired: do not leave a stop pending on the node.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true)
}

/// Run `cmd` to completion with captured output, killing it after `within`.
fn run_bounded(mut cmd: Command, within: Duration) -> Option<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rabbitmqctl");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    status.map(|status| Output {
        status,
        stdout,
        stderr,
    })
}

fn describe(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Two distinct free local ports (the OS picks them), neither in rabbitmqctl's own range.
fn free_ports() -> (u16, u16) {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < 2 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().expect("local addr").port();
        if !CTL_PORTS.contains(&port) {
            ports.push(port);
        }
        // Keep every listener open until both are chosen, so the two differ.
        held.push(l);
    }
    (ports[0], ports[1])
}

/// Whether something on `port` speaks AMQP 0-9-1: send the protocol header, expect a method frame.
fn amqp_answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"AMQP\x00\x00\x09\x01").is_err() {
        return false;
    }
    let mut first = [0u8; 1];
    matches!(s.read_exact(&mut first), Ok(()) if first[0] == 1)
}
