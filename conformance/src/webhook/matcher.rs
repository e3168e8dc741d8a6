//! Which deliveries a wait is for: an event type and a payload pattern.

use serde_json::Value;

use super::receiver::Recorded;

/// A predicate over recorded attempts: every part that is set must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matcher {
    /// The event type (the `X-VICIagent-Event` header, or the payload's `type` without one).
    pub event_type: Option<String>,
    /// A JSON pattern the payload must contain: every member of an object pattern must be in
    /// the payload with a matching value (recursively); arrays and scalars must be equal.
    pub payload: Option<Value>,
}

impl Matcher {
    /// Any attempt.
    pub fn any() -> Matcher {
        Matcher::default()
    }

    /// Attempts of one event type.
    pub fn event(event_type: &str) -> Matcher {
        Matcher {
            event_type: Some(event_type.to_owned()),
            payload: None,
        }
    }

    /// Adds a payload pattern, e.g. `{"data": {"call": {"id": "call_…"}}}`.
    pub fn with_payload(mut self, pattern: Value) -> Matcher {
        self.payload = Some(pattern);
        self
    }

    /// Whether `r` matches.
    pub fn matches(&self, r: &Recorded) -> bool {
        if let Some(t) = &self.event_type
            && r.event_type().as_deref() != Some(t.as_str())
        {
            return false;
        }
        match &self.payload {
            None => true,
            Some(p) => r.json().is_some_and(|v| contains(&v, p)),
        }
    }
}

/// Whether `value` contains `pattern` (see [`Matcher::payload`]).
pub fn contains(value: &Value, pattern: &Value) -> bool {
    match (value, pattern) {
        (Value::Object(v), Value::Object(p)) => p
            .iter()
            .all(|(k, pv)| v.get(k).is_some_and(|vv| contains(vv, pv))),
        _ => value == pattern,
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.event_type, &self.payload) {
            (Some(t), None) => write!(f, "{t}"),
            (Some(t), Some(p)) => write!(f, "{t} with payload {p}"),
            (None, Some(p)) => write!(f, "any event with payload {p}"),
            (None, None) => f.write_str("any event"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_patterns_are_subsets_and_the_rest_is_equality() {
        let v =
            json!({"type": "call.completed", "data": {"call": {"id": "call_1", "tags": [1, 2]}}});
        assert!(contains(&v, &json!({})));
        assert!(contains(&v, &json!({"data": {"call": {"id": "call_1"}}})));
        assert!(!contains(&v, &json!({"data": {"call": {"id": "call_2"}}})));
        assert!(!contains(&v, &json!({"data": {"call": {"tags": [1]}}})));
        assert!(contains(&v, &json!({"data": {"call": {"tags": [1, 2]}}})));
        assert!(!contains(&v, &json!({"missing": null})));
    }

    #[test]
    fn matchers_read_as_words() {
        assert_eq!(Matcher::any().to_string(), "any event");
        assert_eq!(
            Matcher::event("call.failed")
                .with_payload(json!({"data": {}}))
                .to_string(),
            "call.failed with payload {\"data\":{}}"
        );
    }
}
