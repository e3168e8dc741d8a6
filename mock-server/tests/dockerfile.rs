//! The Dockerfile's mock settings, run as the image runs them, without Docker: the mock started
//! with nothing but the image's `VICI_MOCK_LISTEN` (its port swapped for a free one) serves on
//! every interface, the image's own `HEALTHCHECK` command in that environment passes, and the
//! same command fails once nothing listens. `.ci/check-dockerfile` checks the rest statically.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

const DOCKERFILE: &str = include_str!("../../Dockerfile");
const MOCK: &str = env!("CARGO_BIN_EXE_vici-mock");

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions() -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in DOCKERFILE.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                if !current.trim().is_empty() {
                    out.push(current.trim().to_owned());
                }
                current.clear();
            }
        }
    }
    out
}

/// The arguments of every `NAME …` instruction of the final stage.
fn last_stage(name: &str) -> Vec<String> {
    let all = instructions();
    let from = all
        .iter()
        .rposition(|i| i.starts_with("FROM "))
        .expect("a FROM");
    let prefix = format!("{name} ");
    let found: Vec<String> = all[from..]
        .iter()
        .filter_map(|i| i.strip_prefix(&prefix).map(str::to_owned))
        .collect();
    assert!(
        !found.is_empty(),
        "no {name} in the Dockerfile's final stage"
    );
    found
}

/// `VICI_MOCK_LISTEN` as the image sets it.
fn image_listen() -> SocketAddr {
    let envs = last_stage("ENV");
    let value = envs
        .iter()
        .flat_map(|env| env.split_whitespace())
        .find_map(|kv| kv.strip_prefix("VICI_MOCK_LISTEN="))
        .expect("ENV VICI_MOCK_LISTEN=…");
    value
        .trim_matches('"')
        .parse()
        .expect("VICI_MOCK_LISTEN is HOST:PORT")
}

/// The `HEALTHCHECK` command (exec form), with the image's path of the mock replaced by the
/// binary under test.
fn healthcheck_argv() -> Vec<String> {
    let hc = last_stage("HEALTHCHECK").remove(0);
    let json = &hc[hc.find("CMD [").expect("HEALTHCHECK … CMD [exec form]") + 4..];
    let argv: Vec<String> = serde_json::from_str(json).expect("the exec form is a JSON array");
    assert_eq!(
        argv[0], "/usr/local/bin/vici-mock",
        "the image's health check runs the mock"
    );
    let mut argv = argv;
    argv[0] = MOCK.to_owned();
    argv
}

/// A command with nothing of the test's environment but what the image sets.
fn in_image_env(argv: &[String], listen: SocketAddr) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .env("VICI_MOCK_LISTEN", listen.to_string());
    cmd
}

struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn exposed_port_is_the_listen_port_on_every_interface() {
    let listen = image_listen();
    assert!(
        listen.ip().is_unspecified(),
        "the image's mock must listen on 0.0.0.0, not {listen}"
    );
    let expose = last_stage("EXPOSE").remove(0);
    assert_eq!(
        expose.split('/').next(),
        Some(listen.port().to_string().as_str()),
        "EXPOSE {expose}"
    );
}

#[test]
fn the_images_health_check_passes_while_the_mock_serves_and_fails_after() {
    let image = image_listen();
    // The image's address with port 0: the mock picks a free one and prints it.
    let start = SocketAddr::new(image.ip(), 0);
    let mut child = in_image_env(&[MOCK.to_owned()], start)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vici-mock");
    let stdout = child.stdout.take().expect("stdout");
    let mock = Mock(child);
    // Read stdout to its end on a thread: the mock prints more after its base URL, and a
    // closed pipe would stop it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("base URL") {
                let _ = tx.send(line);
            }
        }
    });
    let base = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the mock prints its base URL");
    let port: u16 = base
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a port in {base:?}"));
    let listening = SocketAddr::new(image.ip(), port);

    // It listens on every interface: loopback answers (the health check's own address).
    TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("the mock answers on loopback");

    let argv = healthcheck_argv();
    let ok = in_image_env(&argv, listening)
        .output()
        .expect("run the health check");
    assert!(
        ok.status.success(),
        "{argv:?} with VICI_MOCK_LISTEN={listening}: {:?}, {}",
        ok.status,
        String::from_utf8_lossy(&ok.stderr)
    );

    drop(mock);
    let down = in_image_env(&argv, listening)
        .output()
        .expect("run the health check");
    assert_eq!(
        down.status.code(),
        Some(1),
        "a stopped mock is unhealthy: {down:?}"
    );
}
