//! Media type (`Content-Type`) handling: just enough of RFC 9110 to pick a
//! declared body, without pulling in a MIME crate.

/// The `type/subtype` part of a media type, lowercased and trimmed:
/// `"Application/JSON; charset=utf-8"` → `"application/json"`.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON: `application/json` or any `+json` suffix
/// type (`application/problem+json`), parameters ignored.
pub(crate) fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json" || essence.ends_with("+json")
}

/// Whether a declared wildcard (`*/*`, `text/*`) covers `wanted` (an
/// essence). Non-wildcard declarations never match here; exact matches are
/// the caller's first choice.
pub(crate) fn wildcard_matches(declared: &str, wanted: &str) -> bool {
    let declared = essence(declared);
    if declared == "*/*" {
        return wanted.contains('/');
    }
    match declared.strip_suffix("/*") {
        Some(kind) => wanted
            .split_once('/')
            .is_some_and(|(wanted_kind, sub)| wanted_kind == kind && !sub.is_empty()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essence_strips_parameters_and_case() {
        assert_eq!(
            essence("Application/JSON; charset=UTF-8"),
            "application/json"
        );
        assert_eq!(essence("  text/csv  "), "text/csv");
        assert_eq!(essence(""), "");
    }

    #[test]
    fn json_detection() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json;charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/csv"));
        assert!(!is_json("application/jsonl"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_matches("*/*", "text/csv"));
        assert!(wildcard_matches("text/*", "text/csv"));
        assert!(!wildcard_matches("text/*", "application/json"));
        assert!(!wildcard_matches("text/csv", "text/csv"));
        assert!(!wildcard_matches("*/*", ""));
    }
}
