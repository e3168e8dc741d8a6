//! API keys (spec/DECISIONS.md, D-AUTH).

use crate::config::{Config, KeyPolicy};
use crate::error::ApiError;

/// `va_` then 16 to 64 letters, digits or underscores (defined in `config`, which checks the
/// `--api-key` values, and which `store` can use too).
pub(crate) use crate::config::well_formed_key as well_formed;

/// The bearer token of an `Authorization` value, if it is one (scheme case-insensitive).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The key a request authenticates with, or the 401 it gets.
pub(crate) fn authenticate<'a>(
    config: &Config,
    authorization: Option<&'a str>,
) -> Result<&'a str, ApiError> {
    let Some(value) = authorization else {
        return Err(ApiError::unauthorized(
            "missing API key: send 'Authorization: Bearer va_<your_key>'",
        ));
    };
    let Some(token) = bearer(value) else {
        return Err(ApiError::unauthorized(
            "the Authorization header must use the Bearer scheme: 'Authorization: Bearer va_<your_key>'",
        ));
    };
    if !well_formed(token) {
        return Err(ApiError::unauthorized(
            "malformed API key: keys are va_ followed by 16 to 64 letters, digits or underscores",
        ));
    }
    if config.key_policy == KeyPolicy::Strict && !config.api_keys.iter().any(|k| k == token) {
        return Err(ApiError::unauthorized("unknown API key"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shape() {
        assert!(well_formed("va_0123456789abcdef"));
        assert!(well_formed(&format!("va_{}", "a".repeat(64))));
        assert!(!well_formed(&format!("va_{}", "a".repeat(65))));
        assert!(!well_formed("va_0123456789abcde"));
        assert!(!well_formed("sk_0123456789abcdef"));
        assert!(!well_formed("va_0123456789abcde-"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer va_x"), Some("va_x"));
        assert_eq!(bearer("bearer  va_x "), Some("va_x"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
