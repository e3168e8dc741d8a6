//! What a call carries, derived from its record and seed rather than stored: its transcript,
//! its cost, its recording's audio, and the signed URL of that recording.
//!
//! Nothing here reads the store: `store` uses `cost` when it seeds calls, and `render` turns the
//! store's records and these derivations into JSON.

pub(crate) mod audio;
pub(crate) mod cost;
pub(crate) mod signing;
pub(crate) mod transcript;
mod transcript_scripts;
