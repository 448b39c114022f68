//! Typed errors of the core crate.

use std::path::PathBuf;

use preload_schema::name::escaped;

/// Errors that stop a whole operation. A file that fails during a warm is not
/// one of these: it is recorded as a [`preload_schema::Failure`] and the run
/// goes on.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// An input path given by the user does not exist.
    #[error("{}: no such file or directory", escaped(path))]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// An I/O error on a path that the operation cannot do without.
    #[error("{}: {source}", escaped(path))]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An `--include`/`--exclude` pattern that is not a valid glob.
    #[error("invalid glob {pattern:?}: {source}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// What globset said.
        source: globset::Error,
    },
    /// The planned bytes exceed the limit the caller set (`--max-bytes`).
    #[error(
        "refusing to read {}: more than the limit of {}",
        crate::warnings::human_bytes(*planned),
        crate::warnings::human_bytes(*limit)
    )]
    TooLarge {
        /// Bytes planned.
        planned: u64,
        /// The limit.
        limit: u64,
    },
    /// A configuration value out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// Stopped by the caller's cancel token before reading began.
    #[error("interrupted before reading began")]
    Cancelled,
}
