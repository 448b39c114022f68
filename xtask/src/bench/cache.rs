//! The release `preload` binary as a subprocess, and cold caches: drop the
//! page cache (root) or evict the directory, then verify with `preload status`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::gendata::{target_dir, workspace_root};

/// Resident fraction under which a cache counts as cold.
pub const COLD_FRACTION: f64 = 0.01;

/// The release `preload` binary.
#[derive(Debug, Clone)]
pub struct Preload {
    /// Path to the executable.
    pub bin: PathBuf,
}

impl Preload {
    /// Builds `target/release/preload` (quietly; cargo prints only errors)
    /// and returns it.
    pub fn build() -> Result<Preload> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace_root())
            .args(["build", "--release", "--quiet", "-p", "preload-cli"])
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            bail!("cargo build --release -p preload-cli failed ({status})");
        }
        let bin = target_dir().join("release").join("preload");
        if !bin.is_file() {
            bail!("{} is missing after the build", bin.display());
        }
        Ok(Preload { bin })
    }

    /// A private copy of the binary in `dir`, so that a rebuild of
    /// `target/release/preload` (by someone else) cannot change it mid-run.
    pub fn private_copy(&self, dir: &Path) -> Result<Preload> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let bin = dir.join("preload");
        let tmp = dir.join(".preload.tmp");
        std::fs::copy(&self.bin, &tmp)
            .with_context(|| format!("cannot copy {} to {}", self.bin.display(), tmp.display()))?;
        std::fs::rename(&tmp, &bin)
            .with_context(|| format!("cannot rename to {}", bin.display()))?;
        Ok(Preload { bin })
    }

    /// A command running preload with `args`.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = Command::new(&self.bin);
        c.args(args);
        c
    }

    /// Runs preload with `args`, returns its stdout parsed as JSON.
    fn json(&self, args: &[&std::ffi::OsStr]) -> Result<Value> {
        let out = self
            .cmd(args)
            .output()
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        if !out.status.success() {
            bail!(
                "preload {:?} failed ({}): {}",
                args,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        serde_json::from_slice(&out.stdout).context("preload printed invalid JSON")
    }

    /// Resident fraction of everything under `dir` (`preload status --json`).
    pub fn resident_fraction(&self, dir: &Path) -> Result<f64> {
        let v = self.json(&[
            "status".as_ref(),
            dir.as_os_str(),
            "--json".as_ref(),
            "-s".as_ref(),
        ])?;
        fraction(&v["total"]).context("preload status --json: no total")
    }

    /// Evicts `dir` from the page cache (`preload evict`); returns the
    /// resident fraction after.
    pub fn evict(&self, dir: &Path) -> Result<f64> {
        let v = self.json(&[
            "evict".as_ref(),
            dir.as_os_str(),
            "--json".as_ref(),
            "-s".as_ref(),
        ])?;
        fraction(&v["after"]).context("preload evict --json: no after")
    }
}

/// `resident_bytes / total_bytes` of a JSON `Residency`.
pub fn fraction(r: &Value) -> Option<f64> {
    let resident = r["resident_bytes"].as_f64()?;
    let total = r["total_bytes"].as_f64()?;
    Some(if total == 0.0 { 1.0 } else { resident / total })
}

/// True when this process may write `/proc/sys/vm/drop_caches`.
pub fn can_drop_caches() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    root && std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/sys/vm/drop_caches")
        .is_ok()
}

/// `sync; echo 3 > /proc/sys/vm/drop_caches`.
pub fn drop_caches() -> Result<()> {
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    std::fs::write("/proc/sys/vm/drop_caches", "3\n")
        .context("cannot write /proc/sys/vm/drop_caches (needs root)")
}

/// How the cache was made cold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColdMethod {
    /// `/proc/sys/vm/drop_caches` (the whole page cache).
    DropCaches,
    /// `preload evict` (POSIX_FADV_DONTNEED on each file).
    Evict,
}

impl ColdMethod {
    /// The best method this process may use.
    pub fn detect() -> ColdMethod {
        if can_drop_caches() {
            ColdMethod::DropCaches
        } else {
            ColdMethod::Evict
        }
    }

    /// For messages.
    pub fn describe(self) -> &'static str {
        match self {
            ColdMethod::DropCaches => "sync + echo 3 > /proc/sys/vm/drop_caches",
            ColdMethod::Evict => "preload evict (POSIX_FADV_DONTNEED per file)",
        }
    }
}

/// Makes `dir` cold and checks it: resident fraction under
/// [`COLD_FRACTION`], with one retry. Returns the fraction measured last
/// (the caller marks the run when it is still not cold).
pub fn make_cold(preload: &Preload, dir: &Path, method: ColdMethod) -> Result<f64> {
    let mut frac = 1.0;
    for _ in 0..2 {
        match method {
            ColdMethod::DropCaches => drop_caches()?,
            ColdMethod::Evict => {
                preload.evict(dir)?;
            }
        }
        frac = preload.resident_fraction(dir)?;
        if frac < COLD_FRACTION {
            break;
        }
    }
    Ok(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_of_residency_json() {
        let v: Value =
            serde_json::from_str(r#"{"resident_bytes": 25, "total_bytes": 100}"#).unwrap();
        assert_eq!(fraction(&v), Some(0.25));
        let empty: Value =
            serde_json::from_str(r#"{"resident_bytes": 0, "total_bytes": 0}"#).unwrap();
        assert_eq!(fraction(&empty), Some(1.0));
        assert_eq!(fraction(&Value::Null), None);
    }
}
