//! Reporters: everything that turns the run's [`RunEvent`] stream into something a person or a
//! CI system reads.
//!
//! The runner emits events and knows nothing about formats; each reporter only consumes them
//! (the nextest design). Six reporters exist:
//!
//! - [`TerminalReporter`]: the human summary (tables, findings with `curl` commands, verdict),
//!   written to any [`std::io::Write`] when the run finishes;
//! - [`ProgressReporter`]: an `indicatif` bar while the run goes on;
//! - [`JsonReporter`]: a versioned machine-readable report file;
//! - [`JunitReporter`]: JUnit XML for CI test dashboards and gates;
//! - [`MarkdownReporter`]: a short Markdown summary for a pull request or a CI job;
//! - [`HtmlReporter`]: one self-contained HTML file for the person who reads a certification.
//!
//! File reporters write only on [`RunEvent::Finished`], atomically (a temporary file in the same
//! directory, then a rename), creating parent directories as needed: a run that dies midway
//! leaves no half-written report, and never overwrites the previous one with a truncated file.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::events::RunEvent;

pub mod dry_run;
mod html;
mod json;
mod junit;
mod markdown;
mod on_finish;
mod progress;
mod terminal;

#[cfg(test)]
mod fixtures;

pub use html::{HtmlReporter, Redactor, escape as html_escape, html};
pub use json::{JSON_REPORT_VERSION, JsonReport, JsonReporter, json_report};
pub use junit::JunitReporter;
pub use markdown::{MarkdownReporter, markdown};
pub use on_finish::FileReport;
pub use progress::ProgressReporter;
pub use terminal::{TerminalReporter, render_summary};

/// Consumes the run's events. Reporters are driven by the runner, one event at a time, in order.
pub trait Reporter: Send {
    /// Handles one event. An error is the reporter's own failure (a file that cannot be written),
    /// never a verdict on the run.
    fn on_event(&mut self, event: &RunEvent) -> Result<(), ReportError>;
}

impl<R: Reporter + ?Sized> Reporter for Box<R> {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), ReportError> {
        (**self).on_event(event)
    }
}

/// A reporter's failure.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A report file could not be written.
    #[error("write report {path}: {source}")]
    Write {
        /// The report's path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A report could not be serialised.
    #[error("serialise report: {0}")]
    Serialize(String),
    /// The terminal output (stdout, or whatever writer the terminal reporter was given) failed.
    #[error("write terminal output: {0}")]
    Output(#[source] std::io::Error),
}

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The versioned JSON report ([`JsonReporter`]).
    Json,
    /// JUnit XML ([`JunitReporter`]).
    Junit,
    /// Markdown for a pull request or a CI job summary ([`MarkdownReporter`]).
    Markdown,
    /// One self-contained HTML file ([`HtmlReporter`]).
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &[Format] = &[Format::Json, Format::Junit, Format::Markdown, Format::Html];

    /// The name used on the command line: `json`, `junit`, `markdown` or `html`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown report format `{s}` (expected one of: {})",
                    format_names()
                )
            })
    }
}

fn format_names() -> String {
    Format::ALL
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a `--report` argument, `FORMAT=PATH` (`json=out/report.json`, `junit=junit.xml`).
///
/// The error is a message fit for the command line.
pub fn parse_report_arg(arg: &str) -> Result<(Format, PathBuf), String> {
    let Some((format, path)) = arg.split_once('=') else {
        return Err(format!(
            "expected FORMAT=PATH (e.g. json=report.json, junit=junit.xml; formats: {}), got `{arg}`",
            format_names()
        ));
    };
    let format: Format = format.trim().parse()?;
    if path.is_empty() {
        return Err(format!(
            "missing path after `{format}=` (e.g. {format}=report.{})",
            extension(format)
        ));
    }
    Ok((format, PathBuf::from(path)))
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Junit => "xml",
        Format::Markdown => "md",
        Format::Html => "html",
    }
}

/// The reporter that writes `format` to `path` when the run finishes, taking `redactor`'s
/// secrets out of the text.
pub fn file_reporter(format: Format, path: PathBuf, redactor: &Redactor) -> Box<dyn Reporter> {
    match format {
        Format::Json => Box::new(JsonReporter::new(path).redacting(redactor.clone())),
        Format::Junit => Box::new(JunitReporter::new(path).redacting(redactor.clone())),
        Format::Markdown => Box::new(MarkdownReporter::new(path, redactor.clone())),
        Format::Html => Box::new(HtmlReporter::new(path, redactor.clone())),
    }
}

/// Writes a text file atomically (as the reporters do), for commands outside a run.
pub fn write_file(path: &Path, contents: &str) -> Result<(), ReportError> {
    write_atomically(path, contents.as_bytes())
}

/// Writes `contents` to `path` atomically: parent directories are created, the bytes go to a
/// temporary file in the same directory, and that file is renamed over `path`.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(err)?;
    let name = path.file_name().ok_or_else(|| {
        err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file",
        ))
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(contents)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_report_arg_accepts_json_and_junit() {
        assert_eq!(
            parse_report_arg("json=out/report.json").unwrap(),
            (Format::Json, PathBuf::from("out/report.json"))
        );
        assert_eq!(
            parse_report_arg("junit=junit.xml").unwrap(),
            (Format::Junit, PathBuf::from("junit.xml"))
        );
        // Only the first `=` separates: paths may contain more.
        assert_eq!(
            parse_report_arg("json=a=b.json").unwrap(),
            (Format::Json, PathBuf::from("a=b.json"))
        );
    }

    #[test]
    fn parse_report_arg_rejects_others_with_a_useful_message() {
        let e = parse_report_arg("pdf=report.pdf").unwrap_err();
        assert!(e.contains("unknown report format `pdf`"), "{e}");
        assert!(e.contains("json, junit, markdown, html"), "{e}");

        let e = parse_report_arg("report.json").unwrap_err();
        assert!(e.contains("expected FORMAT=PATH"), "{e}");
        assert!(e.contains("`report.json`"), "{e}");

        let e = parse_report_arg("junit=").unwrap_err();
        assert!(e.contains("missing path after `junit=`"), "{e}");

        let e = parse_report_arg("JSON=r.json").unwrap_err();
        assert!(e.contains("unknown report format `JSON`"), "{e}");
    }

    #[test]
    fn format_round_trips_through_its_name() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), *f);
            assert_eq!(f.to_string(), f.as_str());
        }
    }

    #[test]
    fn write_atomically_creates_directories_and_replaces_files() {
        let dir = fixtures::TempDir::new("atomic");
        let path = dir.path().join("a/b/report.txt");
        write_atomically(&path, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.txt")]);
    }

    #[test]
    fn write_atomically_reports_the_path_on_failure() {
        let dir = fixtures::TempDir::new("atomic-fail");
        // A file where a directory must be.
        fs::write(dir.path().join("file"), b"x").unwrap();
        let path = dir.path().join("file/report.json");
        let e = write_atomically(&path, b"{}").unwrap_err();
        assert!(
            matches!(&e, ReportError::Write { path: p, .. } if *p == path),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("write report "), "{e}");
    }
}
