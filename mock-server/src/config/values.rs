//! The forgiving parsers of single flag values: listen addresses, public origins, log filters.
//!
//! Each returns a message written for a person; clap puts the flag (or, through
//! [`super::load`], the environment variable) in front of it.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// `--listen`: `HOST:PORT` (IPv4 or `[IPv6]`), `localhost:PORT`, `:PORT` or a bare `PORT`.
/// A bare port and `localhost` mean the loopback address 127.0.0.1.
pub fn listen(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    let loopback = |port: &str| {
        port.parse::<u16>()
            .map(|p| SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, p)))
            .map_err(|_| format!("'{port}' is not a port (0 to 65535; 0 picks a free one)"))
    };
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return loopback(s);
    }
    if let Some(port) = s.strip_prefix(':') {
        return loopback(port);
    }
    if let Some((host, port)) = s.rsplit_once(':')
        && host.eq_ignore_ascii_case("localhost")
    {
        return loopback(port);
    }
    s.parse::<SocketAddr>().map_err(|_| {
        "use HOST:PORT, localhost:PORT or a bare PORT, e.g. 127.0.0.1:4010, 0.0.0.0:4010 or 4010"
            .to_owned()
    })
}

/// `--public-url`: an absolute `http` or `https` origin (scheme, host, optional port; no path,
/// query or fragment). A trailing `/` is dropped.
pub fn public_origin(s: &str) -> Result<String, String> {
    let hint =
        "use an absolute http(s) origin, e.g. http://localhost:4010 or https://mock.example.com";
    let Some((scheme, rest)) = s.trim().split_once("://") else {
        return Err(format!("it has no scheme; {hint}"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!(
            "the scheme is '{scheme}', not http or https; {hint}"
        ));
    }
    if rest.is_empty() {
        return Err(format!("it has no host; {hint}"));
    }
    if let Some(c) = rest.chars().find(|c| matches!(c, '/' | '?' | '#' | '@')) {
        return Err(format!(
            "an origin has no path, query, fragment or user ('{c}' found); {hint}"
        ));
    }
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "it contains a space or a control character; {hint}"
        ));
    }
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("the IPv6 host has no closing ']'; {hint}")),
        },
        None => match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        },
    };
    if host.is_empty() {
        return Err(format!("it has no host; {hint}"));
    }
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("'{p}' is not a port (1 to 65535); {hint}"));
    }
    Ok(format!("{}://{rest}", scheme.to_ascii_lowercase()))
}

/// A boolean flag's value, from the command line or the environment: `1`, `0`, `true`,
/// `false`, `yes`, `no` (and `on`, `off`), in any case.
pub fn boolish(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" => Ok(true),
        "0" | "false" | "no" | "off" | "n" | "" => Ok(false),
        _ => Err("use 1, 0, true, false, yes or no".to_owned()),
    }
}

/// `--log`: a tracing filter such as `info`, `debug` or `vici_mock::request=warn,info`.
/// Stricter than tracing's own parser, which takes any word as a target name: a target is
/// letters, digits, `_`, `-`, `.` and `::` paths.
pub fn log_filter(s: &str) -> Result<String, String> {
    for directive in s.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let target = directive.split(['=', '[']).next().unwrap_or("");
        if let Some(c) = target
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
        {
            return Err(format!(
                "'{directive}' is not a filter ('{c}' cannot be in a target); use a level \
                 (error, warn, info, debug, trace) or TARGET=LEVEL items separated by commas"
            ));
        }
    }
    tracing_subscriber::EnvFilter::builder()
        .parse(s)
        .map(|_| s.to_owned())
        .map_err(|e| {
            format!(
                "{e}; use a level (error, warn, info, debug, trace) or TARGET=LEVEL items \
                 separated by commas"
            )
        })
}

/// Trims every item of a comma-separated list and drops the empty ones, so `a, b,` is `[a, b]`.
pub fn tidy_list(items: &mut Vec<String>) {
    for item in items.iter_mut() {
        let t = item.trim();
        if t.len() != item.len() {
            *item = t.to_owned();
        }
    }
    items.retain(|i| !i.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_the_forms_people_type() {
        for (given, want) in [
            ("127.0.0.1:4010", "127.0.0.1:4010"),
            ("0.0.0.0:4010", "0.0.0.0:4010"),
            ("localhost:0", "127.0.0.1:0"),
            ("LOCALHOST:4011", "127.0.0.1:4011"),
            ("4011", "127.0.0.1:4011"),
            (" 4011 ", "127.0.0.1:4011"),
            (":4012", "127.0.0.1:4012"),
            ("[::1]:4010", "[::1]:4010"),
        ] {
            assert_eq!(
                listen(given).map(|a| a.to_string()),
                Ok(want.to_owned()),
                "{given}"
            );
        }
        for bad in ["", "nope", "70000", "localhost:x", "host:4010", "127.0.0.1"] {
            assert!(listen(bad).is_err(), "{bad} was taken");
        }
        assert!(
            listen("70000")
                .unwrap_err()
                .contains("'70000' is not a port")
        );
    }

    #[test]
    fn public_origin_must_be_an_absolute_http_origin() {
        for (given, want) in [
            ("http://localhost:4010", "http://localhost:4010"),
            ("https://mock.example.com/", "https://mock.example.com"),
            ("HTTP://h:1", "http://h:1"),
            ("http://[::1]:4010", "http://[::1]:4010"),
        ] {
            assert_eq!(public_origin(given), Ok(want.to_owned()), "{given}");
        }
        for (bad, why) in [
            ("foo", "no scheme"),
            ("ftp://h", "not http or https"),
            ("http://", "no host"),
            ("http://h/api/v1", "no path"),
            ("http://h:0", "not a port"),
            ("http://h:x", "not a port"),
            ("http://a b", "space"),
        ] {
            let e = public_origin(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn log_filters_are_checked() {
        assert!(log_filter("info").is_ok());
        assert!(log_filter("vici_mock::request=warn,info").is_ok());
        assert!(log_filter("garbage!!").is_err());
        assert!(log_filter("vici_mock=loud").is_err());
    }

    #[test]
    fn booleans_take_the_usual_spellings() {
        for t in ["1", "true", "TRUE", "yes", "on"] {
            assert_eq!(boolish(t), Ok(true), "{t}");
        }
        for f in ["0", "false", "No", "off"] {
            assert_eq!(boolish(f), Ok(false), "{f}");
        }
        assert!(boolish("maybe").is_err());
    }

    #[test]
    fn lists_forgive_spaces_and_trailing_commas() {
        let mut l = vec![
            " a".to_owned(),
            "b ".to_owned(),
            String::new(),
            "  ".to_owned(),
        ];
        tidy_list(&mut l);
        assert_eq!(l, ["a", "b"]);
    }
}
