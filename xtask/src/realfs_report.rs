//! `cargo xtask realfs-report`: tune and bench the local disk, MooseFS and
//! GlusterFS (plus simfs from `cargo xtask demo`, when its results exist),
//! and write one `preload report` comparing them into `reports/`.
//!
//! Every filesystem gets the same 2 GiB model (`bench-data/realfs-model.toml`)
//! written onto it, a 30 s tune and a 3-run bench. The loopback servers share
//! this machine's two cores with their FUSE clients and with preload, so
//! their curves describe this machine, not those filesystems at scale.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use crate::bench::cache::Preload;
use crate::demo::story;
use crate::gendata::{self, target_dir, workspace_root};
use crate::realfs;

const FILESYSTEMS: [&str; 2] = ["moosefs", "glusterfs"];

pub fn main(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask realfs-report (no arguments)");
    }
    let preload = Preload::build()?;
    let work = target_dir().join("realfs-report");
    std::fs::create_dir_all(&work)?;
    let spec = gendata::spec_path("realfs-model");
    // Each result file with the label the report names it by.
    let mut results: Vec<(PathBuf, &'static str)> = Vec::new();

    let local = gendata::ensure(&spec, &gendata::default_out())?;
    measure(
        &preload,
        ("local", "local ext4"),
        &local,
        &work,
        &mut results,
    )?;
    for fs in FILESYSTEMS {
        realfs::main(&["up".to_owned(), fs.to_owned()])?;
        let mnt = target_dir().join("realfs").join(fs).join("mnt");
        let dir = gendata::ensure(&spec, &mnt)?;
        let shown = if fs == "moosefs" {
            "MooseFS"
        } else {
            "GlusterFS"
        };
        let measured = measure(&preload, (fs, shown), &dir, &work, &mut results);
        realfs::main(&["down".to_owned(), fs.to_owned()])?;
        measured?;
    }
    for name in ["tune-simfs.json", "bench-simfs.json"] {
        let demo = story::demo_dir().join(name);
        if demo.exists() {
            results.push((demo, "simfs"));
        } else {
            println!("(no {} from `cargo xtask demo`: simfs left out)", name);
        }
    }
    let out = workspace_root().join("reports").join(report_name());
    let mut args: Vec<String> = vec!["report".into()];
    for (path, label) in &results {
        args.push(path.to_string_lossy().into_owned());
        args.extend(["--label".into(), (*label).to_owned()]);
    }
    // Published in the repository: no host name, no absolute paths.
    args.push("--redact".into());
    args.extend(["-o".into(), out.to_string_lossy().into_owned()]);
    args.extend([
        "--title".into(),
        "preload on local disk, simfs, MooseFS and GlusterFS (loopback, 2 cores)".into(),
    ]);
    let status = preload
        .cmd(&args)
        .status()
        .context("cannot run preload report")?;
    if !status.success() {
        bail!("preload report failed ({status})");
    }
    println!("report written to {}", out.display());
    Ok(())
}

/// Tunes and benches `dir`, saving both result files under `work`;
/// `(label, shown)`: the file-name label and the report's label.
fn measure(
    preload: &Preload,
    (label, shown): (&str, &'static str),
    dir: &Path,
    work: &Path,
    results: &mut Vec<(PathBuf, &'static str)>,
) -> Result<()> {
    println!("== {label}: {}", dir.display());
    let tune = work.join(format!("tune-{label}.json"));
    let path = dir.to_string_lossy().into_owned();
    let output = preload
        .cmd([
            "tune",
            &path,
            "--time-budget",
            "30s",
            "--byte-budget",
            "2GiB",
            "--json",
            "--no-save",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run preload tune")?;
    if !output.status.success() {
        bail!("preload tune {label} failed ({})", output.status);
    }
    std::fs::write(&tune, &output.stdout)?;
    results.push((tune, shown));
    let bench = work.join(format!("bench-{label}.json"));
    let status = preload
        .cmd([
            "bench",
            &path,
            "--runs",
            "3",
            "--levels",
            "4,16",
            "-o",
            &bench.to_string_lossy(),
        ])
        .status()
        .context("cannot run preload bench")?;
    if !status.success() {
        bail!("preload bench {label} failed ({status})");
    }
    results.push((bench, shown));
    Ok(())
}

/// `2026-11-26-realfs`: the date and what was measured, not the host (the
/// report is published).
fn report_name() -> String {
    let date = std::process::Command::new("date")
        .arg("+%F")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{date}-realfs")
}
