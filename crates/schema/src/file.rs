//! Reading and writing result files, with the version check.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{BenchResult, SCHEMA_VERSION, TuneResult};

/// A result file: a tune or a bench, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
// A handful of result files are loaded at a time: boxing the larger variant
// would only add noise to every match.
#[allow(clippy::large_enum_variant)]
pub enum ResultFile {
    /// Output of `preload tune --json`.
    Tune(TuneResult),
    /// Output of `preload bench -o`.
    Bench(BenchResult),
}

/// Why a result file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file could not be read.
    #[error("cannot read result file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a result file of any version.
    #[error("{} is not a preload result file: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// The file is a result file of another schema version.
    #[error(
        "{} has schema version {found}, this preload reads version {expected}; re-run the measurement with this version",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Version this build reads.
        expected: u32,
    },
}

impl ResultFile {
    /// Reads and checks a result file.
    pub fn load(path: &Path) -> Result<ResultFile, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses result-file text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ResultFile, SchemaError> {
        let parse_err = |source| SchemaError::Parse {
            path: path.to_owned(),
            source,
        };
        // Check the version before the shape, so an old file gets the version
        // message rather than a confusing "missing field".
        let value: serde_json::Value = serde_json::from_str(text).map_err(parse_err)?;
        if let Some(found) = value.get("schema_version").and_then(|v| v.as_u64())
            && found != u64::from(SCHEMA_VERSION)
        {
            return Err(SchemaError::Version {
                path: path.to_owned(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        serde_json::from_value(value).map_err(parse_err)
    }

    /// Pretty JSON text of the file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("result types always serialize")
    }

    /// True when the run was stopped by a signal before it finished.
    pub fn interrupted(&self) -> bool {
        match self {
            ResultFile::Tune(t) => t.interrupted,
            ResultFile::Bench(b) => b.interrupted,
        }
    }

    /// The run context of either kind.
    pub fn context(&self) -> &crate::RunContext {
        match self {
            ResultFile::Tune(t) => &t.context,
            ResultFile::Bench(b) => &b.context,
        }
    }
}
