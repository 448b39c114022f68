//! `cargo xtask pyenv`: the Python venv of the real-loader benchmarks.
//!
//! `target/pyvenv` with `safetensors`, `numpy`, `pytest` and `maturin` from
//! PyPI and the `preload` package built from crates/python, by the same
//! script CI runs (.ci/python.sh), here with a release build so that the
//! package's overhead is measured as users get it. Loader:
//! `target/pyvenv/bin/python crates/python/examples/load.py DIR`.

use std::process::Command;

use anyhow::{Context, Result, ensure};

pub fn main(args: &[String]) -> Result<()> {
    ensure!(args.is_empty(), "usage: cargo xtask pyenv");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has a parent directory")?;
    let status = Command::new("bash")
        .arg(root.join(".ci/python.sh"))
        .arg("setup")
        .env("PRELOAD_PY_PROFILE", "release")
        .status()
        .context("running .ci/python.sh")?;
    ensure!(status.success(), ".ci/python.sh setup failed: {status}");
    println!("{}", root.join("target/pyvenv/bin/python").display());
    Ok(())
}
