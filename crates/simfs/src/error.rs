//! Errors of this crate.

use std::path::PathBuf;

/// What can go wrong setting up or tearing down a mount.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimfsError {
    /// The backing directory or the mount point is missing or not a directory.
    #[error("{path}: not a directory")]
    NotADirectory {
        /// The offending path.
        path: PathBuf,
    },
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// FUSE is not usable here (no `/dev/fuse`, no permission, no kernel support).
    #[error(
        "cannot mount {path}: {source} (is /dev/fuse present and usable? non-root mounts need fusermount3 from the fuse3 package)"
    )]
    Mount {
        /// The mount point.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A fault-injection glob does not parse.
    #[error("invalid glob {glob:?}: {source}")]
    Glob {
        /// The glob as given.
        glob: String,
        /// The parse error.
        #[source]
        source: globset::Error,
    },
    /// The model cannot be served (see [`crate::Model::validate`]).
    #[error("invalid storage model: {reason}")]
    InvalidModel {
        /// What is wrong with it.
        reason: String,
    },
    /// Unmounting failed.
    #[error("cannot unmount {path}: {reason}")]
    Unmount {
        /// The mount point.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl SimfsError {
    /// An [`SimfsError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
