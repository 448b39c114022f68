//! Why a report could not be written.

use std::path::PathBuf;

/// An error of [`crate::write_report`] or [`crate::write_history_report`].
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Nothing was given to report on.
    #[error("nothing to report: {0}")]
    Empty(&'static str),
    /// A result file could not be read.
    #[error(transparent)]
    Schema(#[from] preload_schema::SchemaError),
    /// The output directory could not be created.
    #[error("cannot create output directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file could not be written or read back.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error("cannot draw chart {}: {message}", path.display())]
    Draw {
        /// The chart file.
        path: PathBuf,
        /// What plotters said.
        message: String,
    },
    /// The embedded font could not be loaded (a broken build).
    #[error("cannot load the embedded chart font")]
    Font,
}
