//! `cargo xtask tune-matrix`: judges `preload tune` and `preload warm -P
//! auto` on simfs storage shapes neither was built on (bench-data/
//! tune-matrix.toml), against each shape's true curve measured by fixed -P
//! warms of equal length.
//!
//! Per shape: sparse backing files on /dev/shm (simfs emulates the timing;
//! the bytes do not matter), a fresh `preload-simfs` mount per measurement
//! (so its exit line counts what the storage served to that one run), every
//! run from an evicted tree. Writes `matrix.csv`, `matrix.md` and
//! `picks.svg` to the output directory.

mod chart;
mod report;
mod shapes;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::bench::cache::Preload;
use crate::gendata::{target_dir, workspace_root};
use report::{row_line, write_reports};
use shapes::Shape;

/// Levels of the true curve.
const LEVELS: [usize; 12] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
/// Within this of the best fixed throughput counts as the plateau.
const PLATEAU: f64 = 0.95;

const USAGE: &str = "\
usage: cargo xtask tune-matrix [--shapes a,b,...] [--runs N] [--window SECS]
                               [--auto-window SECS] [--out DIR]

Measures each shape's true curve (fixed -P warms of --window seconds, default 4),
runs `preload tune` --runs times (default 2, default budgets) and `warm -P auto`
once over --window, then, side by side over --auto-window seconds (default 12;
0 skips it), a warm at the best fixed level and one at `-P auto`: a warm of a
model of a few GiB lasts that long, and 4 s over-weights auto's climb. Writes
matrix.csv, matrix.md and picks.svg to --out (default target/tune-matrix).";

struct Opts {
    shapes: Option<Vec<String>>,
    runs: usize,
    window: Duration,
    auto_window: Duration,
    out: PathBuf,
}

/// One tune of one shape.
#[derive(Debug, Clone)]
pub struct TuneRun {
    pick: usize,
    confidence: f64,
    saved: bool,
    counted: u64,
    reported_served: u64,
    storage_served: u64,
    seconds: f64,
}

/// What the matrix found for one shape.
#[derive(Debug, Clone)]
pub struct Row {
    shape: Shape,
    curve: Vec<(usize, f64)>,
    true_knee: usize,
    best: f64,
    tunes: Vec<TuneRun>,
    auto_mib_s: f64,
    auto_level: usize,
    /// Over --auto-window: MiB/s of the best fixed level, then of `-P auto`.
    long: Option<(f64, f64)>,
}

pub fn main(args: &[String]) -> Result<()> {
    let opts = parse(args)?;
    let preload = Preload::build()?.private_copy(&target_dir().join("tune-matrix").join("bin"))?;
    let simfs = build_simfs()?;
    let mut shapes = shapes::load(&workspace_root().join("bench-data/tune-matrix.toml"))?;
    if let Some(only) = &opts.shapes {
        shapes.retain(|s| only.contains(&s.name));
    }
    std::fs::create_dir_all(&opts.out)?;
    let mut rows = Vec::new();
    for shape in shapes {
        eprintln!("matrix: {} ({})", shape.name, shape.note);
        let row = measure_shape(&preload, &simfs, &shape, &opts)?;
        eprintln!("matrix: {}", row_line(&row));
        rows.push(row);
        // Rewritten after every shape, so a long run leaves its results.
        write_reports(&rows, &opts.out)?;
    }
    print!("{}", std::fs::read_to_string(opts.out.join("matrix.md"))?);
    Ok(())
}

fn parse(args: &[String]) -> Result<Opts> {
    let mut o = Opts {
        shapes: None,
        runs: 2,
        window: Duration::from_secs(4),
        auto_window: Duration::from_secs(12),
        out: target_dir().join("tune-matrix"),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().context(USAGE);
        match a.as_str() {
            "--shapes" => o.shapes = Some(val()?.split(',').map(String::from).collect()),
            "--runs" => o.runs = val()?.parse().context("--runs")?,
            "--window" => o.window = Duration::from_secs_f64(val()?.parse().context("--window")?),
            "--auto-window" => {
                o.auto_window = Duration::from_secs_f64(val()?.parse().context("--auto-window")?)
            }
            "--out" => o.out = PathBuf::from(val()?),
            _ => bail!("{USAGE}"),
        }
    }
    Ok(o)
}

fn build_simfs() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let ok = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "--release", "--quiet", "-p", "preload-simfs"])
        .status()?
        .success();
    if !ok {
        bail!("cargo build --release -p preload-simfs failed");
    }
    Ok(target_dir().join("release").join("preload-simfs"))
}

fn measure_shape(preload: &Preload, simfs: &Path, shape: &Shape, opts: &Opts) -> Result<Row> {
    let backing = Path::new("/dev/shm/preload-tune-matrix").join(&shape.name);
    shape.create_backing(&backing)?;
    let mnt = target_dir().join("tune-matrix").join("mnt");
    std::fs::create_dir_all(&mnt)?;
    let mut curve = Vec::new();
    for level in LEVELS {
        let (mib_s, _, _) = with_mount(simfs, shape, &backing, &mnt, || {
            timed_warm(preload, &mnt, &level.to_string(), opts.window)
        })?;
        eprintln!("matrix:   -P {level:<3} {:>7.1} MiB/s", mib_s.0);
        curve.push((level, mib_s.0));
    }
    let best = curve.iter().map(|c| c.1).fold(0.0, f64::max);
    let true_knee = curve
        .iter()
        .find(|c| c.1 >= PLATEAU * best)
        .map_or(1, |c| c.0);
    let mut tunes = Vec::new();
    for run in 0..opts.runs {
        let json = opts
            .out
            .join("tunes")
            .join(format!("{}-{}.json", shape.name, run + 1));
        let (mut t, served, _) =
            with_mount(simfs, shape, &backing, &mnt, || tune(preload, &mnt, &json))?;
        t.storage_served = served;
        eprintln!(
            "matrix:   tune {}: -P {} (confidence {:.2}, saved {}), counted {} MiB, reported served {} MiB, storage served {} MiB, {:.1} s",
            run + 1,
            t.pick,
            t.confidence,
            t.saved,
            t.counted >> 20,
            t.reported_served >> 20,
            t.storage_served >> 20,
            t.seconds
        );
        tunes.push(t);
    }
    let ((auto_mib_s, auto_level), _, _) = with_mount(simfs, shape, &backing, &mnt, || {
        timed_warm(preload, &mnt, "auto", opts.window)
    })?;
    eprintln!("matrix:   -P auto {auto_mib_s:.1} MiB/s (settled at {auto_level})");
    let best_level = curve
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(1, |c| c.0);
    let long = if opts.auto_window.is_zero() {
        None
    } else {
        let long_warm = |level: &str| -> Result<f64> {
            let ((mib_s, _), _, _) = with_mount(simfs, shape, &backing, &mnt, || {
                timed_warm(preload, &mnt, level, opts.auto_window)
            })?;
            Ok(mib_s)
        };
        let fixed = long_warm(&best_level.to_string())?;
        let auto = long_warm("auto")?;
        eprintln!(
            "matrix:   over {:.0} s: -P {best_level} {fixed:.1} MiB/s, -P auto {auto:.1} MiB/s ({:.2})",
            opts.auto_window.as_secs_f64(),
            auto / fixed.max(1e-9)
        );
        Some((fixed, auto))
    };
    std::fs::remove_dir_all(&backing).ok();
    Ok(Row {
        shape: shape.clone(),
        curve,
        true_knee,
        best,
        tunes,
        auto_mib_s,
        auto_level,
        long,
    })
}

/// Mounts `shape`, runs `f`, unmounts; returns f's value, the bytes the
/// storage served meanwhile (simfs's exit line) and its peak in flight.
fn with_mount<T>(
    simfs: &Path,
    shape: &Shape,
    backing: &Path,
    mnt: &Path,
    f: impl FnOnce() -> Result<T>,
) -> Result<(T, u64, u64)> {
    let ready = mnt.with_extension("ready");
    let _ = std::fs::remove_file(&ready);
    let mut child = Command::new(simfs)
        .arg(backing)
        .arg(mnt)
        .args(&shape.flags)
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start preload-simfs")?;
    let started = Instant::now();
    while !ready.exists() {
        if started.elapsed() > Duration::from_secs(20) || child.try_wait()?.is_some() {
            let _ = child.kill();
            bail!("preload-simfs did not come up for {}", shape.name);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let value = f();
    let (served, peak) = stop(&mut child)?;
    Ok((value?, served, peak))
}

/// SIGINT, wait, and parse `N bytes served` and `peak N requests in flight`
/// from simfs's exit line.
fn stop(child: &mut Child) -> Result<(u64, u64)> {
    use std::io::Read;
    // SAFETY: signalling our own child by pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let mut out = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut out)?;
    }
    child.wait()?;
    let number_before = |marker: &str| {
        out.find(marker).and_then(|i| {
            out[..i]
                .split_whitespace()
                .last()
                .and_then(|n| n.parse::<u64>().ok())
        })
    };
    Ok((
        number_before(" bytes served").unwrap_or(0),
        number_before(" requests in flight").unwrap_or(0),
    ))
}

/// `preload warm -P level` for `window`, stopped by SIGINT: MiB/s over the
/// time it read, and the level it used.
fn timed_warm(
    preload: &Preload,
    mnt: &Path,
    level: &str,
    window: Duration,
) -> Result<(f64, usize)> {
    evict(preload, mnt)?;
    // No saved profile: -P auto would start from one (and a fixed -P take
    // its read method), and the mount point is the same for every shape.
    let no_profiles = target_dir().join("tune-matrix").join("no-profiles");
    let mut child = preload
        .cmd(["warm", "--json", "-q", "-P", level])
        .arg(mnt)
        .env("PRELOAD_CACHE_DIR", &no_profiles)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Instant::now();
    while started.elapsed() < window {
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signalling our own child by pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output()?;
    let v: Value = serde_json::from_slice(&out.stdout).context("warm printed no JSON")?;
    let bytes = v["bytes"].as_f64().unwrap_or(0.0);
    let secs = v["elapsed_s"].as_f64().unwrap_or(0.0).max(1e-3);
    Ok((
        bytes / secs / (1 << 20) as f64,
        v["parallelism"].as_u64().unwrap_or(0) as usize,
    ))
}

fn evict(preload: &Preload, mnt: &Path) -> Result<()> {
    let out = preload.cmd(["evict", "-s"]).arg(mnt).output()?;
    if !out.status.success() {
        bail!(
            "preload evict failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// One default tune of `mnt`, its result file kept at `json`.
fn tune(preload: &Preload, mnt: &Path, json: &Path) -> Result<TuneRun> {
    evict(preload, mnt)?;
    let cache = target_dir().join("tune-matrix").join("profiles");
    let _ = std::fs::remove_dir_all(&cache);
    let started = Instant::now();
    let out = preload
        .cmd(["tune", "--json"])
        .arg(mnt)
        .env("PRELOAD_CACHE_DIR", &cache)
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    let v: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "tune printed no JSON: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if let Some(dir) = json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(json, &out.stdout)?;
    let rec = &v["recommendation"];
    for c in rec["caveats"].as_array().into_iter().flatten() {
        eprintln!("matrix:     caveat: {}", c.as_str().unwrap_or_default());
    }
    Ok(TuneRun {
        pick: rec["parallelism"].as_u64().unwrap_or(0) as usize,
        confidence: rec["confidence"].as_f64().unwrap_or(0.0),
        saved: cache.join("profiles.json").exists(),
        counted: v["budget"]["bytes_spent"].as_u64().unwrap_or(0),
        reported_served: v["budget"]["bytes_served"].as_u64().unwrap_or(0),
        storage_served: 0,
        seconds,
    })
}
