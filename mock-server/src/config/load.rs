//! Reading a [`Config`] from the command line and the environment, with errors that name what the
//! user actually typed: the flag when it was given, the environment variable when that was used.

use std::collections::BTreeSet;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use super::Config;

/// Where each value of a configuration came from: the ids of the arguments read from the
/// environment (every other one came from the command line or its default).
#[derive(Debug, Clone, Default)]
pub struct Origins {
    from_env: BTreeSet<String>,
}

impl Origins {
    /// The name a message should use for the argument `id`: `VICI_MOCK_X` if the value came from
    /// the environment, else `--x`.
    pub fn name(&self, id: &str) -> String {
        let cmd = Config::command();
        let Some(arg) = cmd.get_arguments().find(|a| a.get_id() == id) else {
            return format!("--{}", id.replace('_', "-"));
        };
        if self.from_env.contains(id)
            && let Some(env) = arg.get_env()
        {
            return env.to_string_lossy().into_owned();
        }
        match arg.get_long() {
            Some(l) => format!("--{l}"),
            None => id.to_owned(),
        }
    }
}

/// Why the arguments are unusable: clap's own error (help and version included), or a value
/// from the environment that the flag's parser refused, re-worded to name the variable.
#[derive(Debug)]
pub enum LoadError {
    /// Print it with `exit()`; it knows its own exit code (0 for `--help`).
    Clap(clap::Error),
    /// An environment variable's value was refused.
    Env {
        /// The variable.
        var: String,
        /// The flag it stands for.
        flag: String,
        /// The value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
}

impl LoadError {
    /// Prints the error and exits the process with clap's codes (2 for a usage error).
    pub fn exit(self) -> ! {
        match self {
            LoadError::Clap(e) => e.exit(),
            LoadError::Env {
                var,
                flag,
                value,
                reason,
            } => {
                eprintln!(
                    "error: invalid value '{value}' in the environment variable {var} \
                     (read as {flag}): {reason}\n\nFor more information, try '--help'."
                );
                std::process::exit(2)
            }
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Clap(e) => write!(f, "{}", e.render()),
            LoadError::Env {
                var,
                flag,
                value,
                reason,
            } => write!(
                f,
                "invalid value '{value}' in the environment variable {var} (read as {flag}): {reason}"
            ),
        }
    }
}

impl Config {
    /// Parses `args` (the first is the program name) and the `VICI_MOCK_*` environment.
    pub fn load_from<I, T>(args: I) -> Result<Config, LoadError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let matches = match Config::command().try_get_matches_from(&args) {
            Ok(m) => m,
            Err(e) => return Err(reword_env_error(e, &args)),
        };
        let mut config = Config::from_arg_matches(&matches).map_err(LoadError::Clap)?;
        let cmd = Config::command();
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(matches.value_source(id), Some(ValueSource::EnvVariable)) {
                config.origins.from_env.insert(id.to_owned());
            }
        }
        config.tidy();
        Ok(config)
    }

    /// [`Config::load_from`] on the process's own arguments.
    pub fn load() -> Result<Config, LoadError> {
        Config::load_from(std::env::args_os())
    }

    /// Trims the list values and drops their empty items.
    fn tidy(&mut self) {
        super::values::tidy_list(&mut self.api_keys);
        super::values::tidy_list(&mut self.webhooks);
        super::values::tidy_list(&mut self.chaos_error_rates);
    }
}

/// Clap names the flag even when the bad value came from its environment variable. When the
/// flag is not on the command line, says the variable instead.
fn reword_env_error(e: clap::Error, args: &[std::ffi::OsString]) -> LoadError {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return LoadError::Clap(e);
    }
    let Some(ContextValue::String(shown)) = e.get(ContextKind::InvalidArg) else {
        return LoadError::Clap(e);
    };
    let value = match e.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => v.clone(),
        _ => String::new(),
    };
    let cmd = Config::command();
    let Some(arg) = cmd.get_arguments().find(|a| {
        a.get_long()
            .is_some_and(|l| shown.split_whitespace().next() == Some(&format!("--{l}")))
    }) else {
        return LoadError::Clap(e);
    };
    let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) else {
        return LoadError::Clap(e);
    };
    let flag = format!("--{long}");
    let on_command_line = args.iter().skip(1).any(|a| {
        let a = a.to_string_lossy();
        a == flag || a.starts_with(&format!("{flag}="))
    });
    if on_command_line || std::env::var_os(env).is_none() {
        return LoadError::Clap(e);
    }
    let reason = match std::error::Error::source(&e) {
        Some(s) => s.to_string(),
        None => match e.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(v)) => format!("use one of {}", v.join(", ")),
            _ => "see --help".to_owned(),
        },
    };
    LoadError::Env {
        var: env.to_string_lossy().into_owned(),
        flag,
        value,
        reason,
    }
}
