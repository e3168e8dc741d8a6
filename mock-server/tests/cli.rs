//! The `vici-mock` binary as a user starts it: flags and environment variables in the forms people
//! type, errors that name what was used, `--health-check`, and what the logs look like in a file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vici-mock");

/// `vici-mock ARGS` with only the `VICI_MOCK_*` variables given (none inherited).
fn mock(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("VICI_MOCK_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(args).envs(env.iter().copied());
    cmd
}

/// A started mock and the base URL it printed.
struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut child = mock(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vici-mock runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 stdout");
        if let Some(url) = line.trim().strip_prefix("base URL") {
            base = Some(url.trim().to_owned());
            break;
        }
    }
    let Some(base) = base else {
        let out = child.wait_with_output().expect("exits");
        panic!(
            "vici-mock {args:?} did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    Running { child, base }
}

/// Runs `vici-mock` expecting it to refuse: its exit code and stderr.
fn refused(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = mock(args, env);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
                .expect("read stderr");
            return (status.code().unwrap_or(-1), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vici-mock {args:?} {env:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn get(url: &str, key: Option<&str>) -> (u16, String) {
    let url = url.strip_prefix("http://").expect("http URL");
    let (host, path) = url
        .split_once('/')
        .map_or((url, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn listen_takes_host_port_localhost_and_a_bare_port() {
    for form in ["127.0.0.1:0", "localhost:0", "0"] {
        let m = start(&["--listen", form], &[]);
        assert!(
            m.base.starts_with("http://127.0.0.1:"),
            "{form}: {}",
            m.base
        );
        let (status, _) = get(
            &format!("{}/calls?limit=1", m.base),
            Some("va_test_0123456789abcdef"),
        );
        assert_eq!(status, 200, "{form}");
    }
    let m = start(&[], &[("VICI_MOCK_LISTEN", "localhost:0")]);
    assert!(m.base.starts_with("http://127.0.0.1:"));
}

#[test]
fn booleans_and_lists_forgive_their_spellings() {
    // A frozen clock (from "1") does not move between two reads.
    let m = start(
        &["--listen", "0"],
        &[
            ("VICI_MOCK_FREEZE_CLOCK", "1"),
            ("VICI_MOCK_KEY_POLICY", "strict"),
            (
                "VICI_MOCK_API_KEYS",
                "va_first_0123456789abcdef, va_second_0123456789abcdef,",
            ),
        ],
    );
    let control = m.base.replace("/api/v1", "/_mock");
    let (_, a) = get(&format!("{control}/clock"), None);
    std::thread::sleep(Duration::from_millis(30));
    let (_, b) = get(&format!("{control}/clock"), None);
    assert_eq!(a, b, "the clock moved although VICI_MOCK_FREEZE_CLOCK=1");
    assert!(a.contains("\"frozen\":true"), "{a}");
    for key in ["va_first_0123456789abcdef", "va_second_0123456789abcdef"] {
        assert_eq!(
            get(&format!("{}/agents", m.base), Some(key)).0,
            200,
            "{key}"
        );
    }
    assert_eq!(
        get(
            &format!("{}/agents", m.base),
            Some("va_third_0123456789abcdef")
        )
        .0,
        401
    );
    for (value, frozen) in [("yes", true), ("no", false), ("true", true), ("0", false)] {
        let m = start(&["--listen", "0"], &[("VICI_MOCK_FREEZE_CLOCK", value)]);
        let (_, c) = get(
            &format!("{}/clock", m.base.replace("/api/v1", "/_mock")),
            None,
        );
        assert!(c.contains(&format!("\"frozen\":{frozen}")), "{value}: {c}");
    }
}

/// Arguments and environment variables of one start.
type Invocation<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

#[test]
fn errors_name_the_flag_or_the_variable_that_was_used() {
    let cases: &[Invocation] = &[
        (&["--listen", "nope"], &[]),
        (&[], &[("VICI_MOCK_LISTEN", "nope")]),
        (&[], &[("VICI_MOCK_FREEZE_CLOCK", "maybe")]),
        (&["--public-url", "foo"], &[]),
        (&[], &[("VICI_MOCK_PUBLIC_URL", "http://h/api/v1")]),
        (&[], &[("VICI_MOCK_LOG", "garbage!!")]),
        (&["--log", "vici_mock=loud"], &[]),
        (&["--listen", "0", "--start-time", "yesterday"], &[]),
        (&["--listen", "0"], &[("VICI_MOCK_START_TIME", "yesterday")]),
        (&["--listen", "0"], &[("VICI_MOCK_API_KEYS", "va_short")]),
        (&["--listen", "0"], &[("VICI_MOCK_KEY_POLICY", "strict")]),
        (
            &["--listen", "0"],
            &[("VICI_MOCK_CHAOS_WEBHOOK_REORDER_RATE", "2")],
        ),
        (
            &["--listen", "0"],
            &[("VICI_MOCK_CHAOS_ERROR_RATES", "getCall=often")],
        ),
        (&[], &[("VICI_MOCK_KEY_POLICY", "bogus")]),
    ];
    let mut shown = String::new();
    for (args, env) in cases {
        let (code, err) = refused(args, env);
        assert_eq!(code, 2, "{args:?} {env:?}: {err}");
        let named = env
            .first()
            .map_or_else(|| args[args.len() - 2].to_owned(), |(k, _)| (*k).to_owned());
        assert!(
            err.contains(&named),
            "{args:?} {env:?} does not name {named}: {err}"
        );
        let line: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(["vici-mock".to_owned()])
            .chain(args.iter().map(|a| (*a).to_owned()))
            .collect();
        shown.push_str(&format!("$ {}\n{}\n", line.join(" "), err.trim_end()));
    }
    insta::assert_snapshot!(shown);
}

#[test]
fn health_check_says_whether_a_mock_answers() {
    let m = start(&["--listen", "0"], &[]);
    let port = m
        .base
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .expect("port")
        .to_owned();
    let ok = mock(
        &["--health-check", "--listen", &format!("0.0.0.0:{port}")],
        &[],
    )
    .output()
    .expect("runs");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    drop(m);
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let down = mock(
        &["--health-check"],
        &[("VICI_MOCK_LISTEN", &free.to_string())],
    )
    .output()
    .expect("runs");
    assert_eq!(down.status.code(), Some(1));
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(
        err.starts_with("vici-mock: not healthy: connect to 127.0.0.1:"),
        "{err}"
    );
}

#[test]
fn logs_in_a_file_have_no_colours_and_no_empty_fields() {
    let mut m = start(&["--listen", "0"], &[]);
    get(
        &format!("{}/agents", m.base),
        Some("va_test_0123456789abcdef"),
    );
    get(&format!("{}/agents", m.base), None);
    let _ = m.child.kill();
    let _ = m.child.wait();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut m.child.stderr.take().expect("stderr"), &mut log)
        .expect("read the log");
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("vici_mock::request"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escapes in a piped log: {log:?}"
    );
    assert!(
        !lines[0].contains("error="),
        "an empty error field: {}",
        lines[0]
    );
    assert!(
        lines[1].contains("error=unauthorized") || lines[1].contains("error=\"unauthorized\""),
        "{}",
        lines[1]
    );
}

#[test]
fn a_closed_stdout_does_not_stop_it() {
    // The pipe is closed before the banner is written (`vici-mock | true`): every banner line
    // fails, and the mock must go on serving.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = mock(&["--listen", &port.to_string()], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    drop(child.stdout.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the mock died with its stdout"
        );
        assert!(Instant::now() < deadline, "the mock never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the mock died with its stdout"
    );
    let base = format!("http://127.0.0.1:{port}/api/v1");
    assert_eq!(
        get(&format!("{base}/agents"), Some("va_test_0123456789abcdef")).0,
        200
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn sigterm_stops_it_and_every_interface_is_shown_as_loopback() {
    let mut child = mock(&["--listen", "0.0.0.0:0"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner: Vec<String> = lines.take(3).map(|l| l.expect("utf-8")).collect();
    assert!(banner[1].contains("listening on 0.0.0.0:"), "{banner:?}");
    let base = banner[2]
        .trim()
        .strip_prefix("base URL")
        .expect("base URL")
        .trim()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(
        get(&format!("{base}/agents"), Some("va_test_0123456789abcdef")).0,
        200
    );

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "SIGTERM did not stop the mock");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
}
