//! `-o FILE` of the measuring commands: the result file for `report` and
//! `compare`, created before the work so a bad path fails first; `-` is
//! stdout.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use preload_schema::name::escaped;

/// Where the result file goes.
#[derive(Debug)]
pub enum ResultFile {
    /// `-o -`: the JSON on stdout, in place of the human table.
    Stdout,
    /// A file, created (emptied) when the command starts.
    File { path: PathBuf, file: File },
}

impl ResultFile {
    /// Creates the file up front; None when no `-o` was given.
    pub fn create(path: Option<&Path>) -> Result<Option<ResultFile>> {
        let Some(path) = path else {
            return Ok(None);
        };
        if path.as_os_str() == "-" {
            return Ok(Some(ResultFile::Stdout));
        }
        let file = File::create(path).with_context(|| format!("creating {}", escaped(path)))?;
        Ok(Some(ResultFile::File {
            path: path.to_owned(),
            file,
        }))
    }

    /// Whether the JSON goes to stdout (so the table must not).
    pub fn is_stdout(&self) -> bool {
        matches!(self, ResultFile::Stdout)
    }

    /// Writes `json` (one line) and returns what to tell the user on stderr,
    /// None for stdout.
    pub fn write(&mut self, json: &str) -> Result<Option<String>> {
        match self {
            ResultFile::Stdout => {
                super::stdout(&format!("{json}\n"))?;
                Ok(None)
            }
            ResultFile::File { path, file } => {
                file.write_all(format!("{json}\n").as_bytes())
                    .with_context(|| format!("writing {}", escaped(path.as_path())))?;
                Ok(Some(format!("wrote {}", escaped(path.as_path()))))
            }
        }
    }
}
