//! The shape every file report shares: remember the run's facts when it starts, render the
//! whole document when it finishes, take the secrets out, and write it atomically.

use std::path::PathBuf;

use super::{Redactor, ReportError, Reporter, write_atomically};
use crate::events::{RunEvent, RunInfo, Summary};

/// Renders a document from the run's facts (if a `Started` event came) and its summary.
pub type Render = fn(Option<&RunInfo>, &Summary) -> Result<String, ReportError>;

/// A reporter that writes one file when the run finishes.
#[derive(Debug)]
pub struct FileReport {
    path: PathBuf,
    run: Option<RunInfo>,
    redactor: Redactor,
    render: Render,
}

impl FileReport {
    /// A report of `render` at `path` (parent directories are created when it writes).
    pub fn new(path: PathBuf, render: Render) -> FileReport {
        FileReport {
            path,
            run: None,
            redactor: Redactor::default(),
            render,
        }
    }

    /// The same, taking `redactor`'s secrets out of the text.
    pub fn redacting(mut self, redactor: Redactor) -> FileReport {
        self.redactor = redactor;
        self
    }
}

impl Reporter for FileReport {
    fn on_event(&mut self, event: &RunEvent) -> Result<(), ReportError> {
        match event {
            RunEvent::Started(info) => self.run = Some(info.clone()),
            RunEvent::Finished(summary) => {
                let text = (self.render)(self.run.as_ref(), summary)?;
                write_atomically(&self.path, self.redactor.redact(&text).as_bytes())?;
            }
            RunEvent::Planned(_)
            | RunEvent::PhaseStarted { .. }
            | RunEvent::CaseFinished(_)
            | RunEvent::ScenarioFinished(_) => {}
        }
        Ok(())
    }
}
