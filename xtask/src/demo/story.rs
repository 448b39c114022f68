//! The demo's second half: the sample model on storage with a knee.
//!
//! The model directory is served through `preload-simfs` (2 ms latency,
//! 25 MiB/s per stream, 200 MiB/s in total: throughput min(P x 25, 200),
//! so the knee is at P = 8), then `preload tune`, `preload bench` and
//! `preload report` run on it and on the local disk, and the report's path
//! is printed. Profiles and results stay under `target/demo/`, so the demo
//! never touches the user's own profile store.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::cache::Preload;
use crate::gendata::target_dir;

/// The storage model of the demo mount.
pub const SIMFS_ARGS: [&str; 6] = [
    "--latency",
    "2ms",
    "--stream-bw",
    "25MiB/s",
    "--total-bw",
    "200MiB/s",
];

/// A running `preload-simfs`, unmounted (SIGINT) and reaped on drop.
#[derive(Debug)]
pub struct SimfsMount {
    child: Child,
    /// The mount point.
    pub path: PathBuf,
}

impl SimfsMount {
    /// Builds and starts `preload-simfs BACKING MNT` with [`SIMFS_ARGS`] and
    /// waits for its `ready` line.
    pub fn start(backing: &Path, mnt: &Path) -> Result<SimfsMount> {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--release", "-p", "preload-simfs"])
            .status()
            .context("cannot run cargo build for preload-simfs")?;
        if !status.success() {
            bail!("building preload-simfs failed ({status})");
        }
        std::fs::create_dir_all(mnt).with_context(|| format!("cannot create {}", mnt.display()))?;
        let bin = target_dir().join("release/preload-simfs");
        let mut child = Command::new(&bin)
            .arg(backing)
            .arg(mnt)
            .args(SIMFS_ARGS)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let stdout = child.stdout.take().context("simfs stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        if !line.starts_with("ready") {
            let _ = child.kill();
            bail!(
                "preload-simfs did not mount {} (is /dev/fuse there? needs root or fuse3)",
                mnt.display()
            );
        }
        Ok(SimfsMount {
            child,
            path: mnt.to_owned(),
        })
    }
}

impl Drop for SimfsMount {
    fn drop(&mut self) {
        // SAFETY: signalling our own child by pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the demo keeps its results and profiles.
pub fn demo_dir() -> PathBuf {
    target_dir().join("demo")
}

/// Runs `preload ARGS` with the demo's private profile store, echoing the
/// command; fails on exit codes other than 0 (and 3 where allowed).
pub fn run_preload(preload: &Preload, args: &[&str]) -> Result<()> {
    println!("      $ preload {}", args.join(" "));
    let status = preload
        .cmd(args)
        .env("PRELOAD_CACHE_DIR", demo_dir().join("cache"))
        .status()
        .context("cannot run preload")?;
    if !status.success() {
        bail!(
            "preload {} failed ({status})",
            args.first().copied().unwrap_or("")
        );
    }
    Ok(())
}

/// `preload tune` on `dir` with extra `flags`, result saved as JSON at `out`.
pub fn tune(preload: &Preload, dir: &Path, flags: &[&str], out: &Path) -> Result<()> {
    let mut args = vec![
        "tune".to_owned(),
        dir.to_string_lossy().into_owned(),
        "--json".to_owned(),
    ];
    args.extend(flags.iter().map(|f| (*f).to_owned()));
    println!("      $ preload {} > {}", args.join(" "), out.display());
    let output = preload
        .cmd(&args)
        .env("PRELOAD_CACHE_DIR", demo_dir().join("cache"))
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run preload tune")?;
    if !output.status.success() {
        bail!("preload tune failed ({})", output.status);
    }
    std::fs::write(out, &output.stdout)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let v: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("tune printed no JSON")?;
    println!(
        "      -> {}",
        v["recommendation"]["verdict"].as_str().unwrap_or("?")
    );
    Ok(())
}

/// `preload bench` on `dir` with `runs` runs, result at `out`.
pub fn bench(preload: &Preload, dir: &Path, runs: usize, out: &Path) -> Result<()> {
    let runs = runs.to_string();
    run_preload(
        preload,
        &[
            "bench",
            &dir.to_string_lossy(),
            "--runs",
            &runs,
            "--levels",
            "4,16",
            "-o",
            &out.to_string_lossy(),
        ],
    )
}
