//! Stored baselines: named result files under a baselines directory.
//!
//! `--save-baseline NAME` writes the result to `DIR/NAME.json`;
//! `--baseline NAME|FILE` reads a file when the argument names one, else
//! `DIR/NAME.json`. The default directory is `.preload/baselines` under the
//! directory the command runs in (the project), so a CI job can keep its
//! baselines next to the code; `--baseline-dir` overrides it.

use std::path::{Path, PathBuf};

use preload_schema::{ResultFile, SchemaError};

/// Why a baseline could not be saved or found.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The name is not usable as a file name.
    #[error(
        "invalid baseline name {name:?}: use letters, digits, '.', '_' and '-', not starting with '.'"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// Reading or writing failed.
    #[error("cannot write baseline {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Neither a file nor a stored baseline of that name exists.
    #[error("no baseline {name:?}: not a file, and {} does not exist{available}", path.display())]
    NotFound {
        /// The name or path given.
        name: String,
        /// Where the named baseline would be.
        path: PathBuf,
        /// `" (stored baselines: a, b)"`, or that there are none.
        available: String,
    },
    /// The baseline file is not a usable result file.
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// The default baselines directory, `.preload/baselines` (relative to the
/// current directory).
pub fn default_dir() -> PathBuf {
    PathBuf::from(".preload").join("baselines")
}

/// `name` without a trailing `.json`, when it is a valid baseline name.
fn clean_name(name: &str) -> Result<&str, BaselineError> {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    let ok = !stem.is_empty()
        && !stem.starts_with('.')
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(stem)
    } else {
        Err(BaselineError::InvalidName {
            name: name.to_string(),
        })
    }
}

/// Stores `result` as baseline `name` in `dir` (created when missing),
/// replacing any baseline of that name atomically. Returns the file written.
pub fn save(dir: &Path, name: &str, result: &ResultFile) -> Result<PathBuf, BaselineError> {
    let stem = clean_name(name)?;
    std::fs::create_dir_all(dir).map_err(|source| BaselineError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let path = dir.join(format!("{stem}.json"));
    let tmp = dir.join(format!(".{stem}.json.tmp"));
    let io = |source| BaselineError::Io {
        path: path.clone(),
        source,
    };
    std::fs::write(&tmp, result.to_json() + "\n").map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}

/// The file `name_or_file` refers to: itself when such a file exists or it
/// cannot be a name (`runs/new.json`), else the stored baseline
/// `dir/NAME.json`.
pub fn resolve(dir: &Path, name_or_file: &str) -> Result<PathBuf, BaselineError> {
    let as_path = Path::new(name_or_file);
    if as_path.is_file() {
        return Ok(as_path.to_owned());
    }
    // Not a name (a path with a directory, say): a file that is missing, so
    // loading it says so with the OS's reason.
    let Ok(stem) = clean_name(name_or_file) else {
        return Ok(as_path.to_owned());
    };
    let path = dir.join(format!("{stem}.json"));
    if path.is_file() {
        return Ok(path);
    }
    let names = list(dir);
    Err(BaselineError::NotFound {
        name: name_or_file.to_string(),
        path,
        available: if names.is_empty() {
            " (no baselines are stored there)".to_string()
        } else {
            format!(" (stored baselines: {})", names.join(", "))
        },
    })
}

/// Resolves `name_or_file` like [`resolve`] and loads the result file.
pub fn load(dir: &Path, name_or_file: &str) -> Result<(PathBuf, ResultFile), BaselineError> {
    let path = resolve(dir, name_or_file)?;
    let result = ResultFile::load(&path)?;
    Ok((path, result))
}

/// Names of the baselines stored in `dir`, sorted (empty when it does not
/// exist).
pub fn list(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".json")?;
            (!stem.starts_with('.')).then(|| stem.to_string())
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::bench;

    #[test]
    fn save_then_resolve_by_name_and_by_path() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("baselines");
        let r = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        let path = save(&dir, "nightly", &r).unwrap();
        assert_eq!(path, dir.join("nightly.json"));
        assert_eq!(resolve(&dir, "nightly").unwrap(), path);
        assert_eq!(resolve(&dir, "nightly.json").unwrap(), path);
        let as_file = path.to_str().unwrap();
        assert_eq!(resolve(Path::new("/nonexistent"), as_file).unwrap(), path);
        let (_, loaded) = load(&dir, "nightly").unwrap();
        assert_eq!(loaded, r);
        assert_eq!(list(&dir), vec!["nightly".to_string()]);
    }

    #[test]
    fn save_replaces_an_existing_baseline() {
        let tmp = tempfile::tempdir().unwrap();
        let a = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        let b = bench("ext4", &[("sequential", vec![3.0, 4.0])]);
        save(tmp.path(), "x", &a).unwrap();
        let p = save(tmp.path(), "x", &b).unwrap();
        assert_eq!(ResultFile::load(&p).unwrap(), b);
        assert_eq!(list(tmp.path()), vec!["x".to_string()]);
    }

    #[test]
    fn bad_names_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let r = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        for name in ["", "../x", "a/b", ".hidden", "with space"] {
            assert!(
                matches!(
                    save(tmp.path(), name, &r),
                    Err(BaselineError::InvalidName { .. })
                ),
                "{name:?}"
            );
        }
    }

    #[test]
    fn a_missing_baseline_names_the_stored_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let r = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        save(tmp.path(), "monday", &r).unwrap();
        let e = resolve(tmp.path(), "tuesday").unwrap_err().to_string();
        assert!(e.contains("no baseline \"tuesday\""), "{e}");
        assert!(e.contains("stored baselines: monday"), "{e}");
    }

    #[test]
    fn default_dir_is_under_the_project() {
        assert_eq!(default_dir(), Path::new(".preload/baselines"));
    }
}
