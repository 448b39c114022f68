//! `cargo xtask realfs-bench`: issue 11's real-filesystem check. On the
//! local disk, MooseFS and GlusterFS (loopback, `cargo xtask realfs up`),
//! with the 2 GiB model of `bench-data/realfs-model.toml`: `preload tune`
//! into a private profile store, then rounds of cold runs of the seed
//! one-liner, a default `preload warm` (which reads the profile) and a grid
//! of fixed (method, -P, chunk size) warms, interleaved (each round starts
//! one strategy later), and the medians as Markdown and JSON.
//!
//! Cold without drop_caches (other people's tests rely on the page cache):
//! `preload evict` on the tree through the mount and on the servers'
//! backing files (the MooseFS chunkservers' folders, the GlusterFS brick),
//! both checked with `preload status` before every run. Each run is timed
//! as the wall time of its process; `preload status` of the tree after it
//! is the independent check that the bytes are resident.

mod cold;
mod cpu;
mod report;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;

use crate::bench::cache::Preload;
use crate::gendata::{self, target_dir};
use crate::realfs;
use cold::make_cold;

const USAGE: &str = "\
usage: cargo xtask realfs-bench [--fs local,moosefs,glusterfs] [--runs N] [--grid M:P:CHUNK[:SCHEDULE],...]
                                [--model NAME] [--tune-args ARGS] [--no-tune] [--baseline BIN] [--debug]
                                [--out DIR]

Tunes each filesystem (30 s, a private profile store), then runs --runs
(default 5) interleaved cold rounds of: the seed one-liner, `preload warm`
with no flags (the profile), and each grid point (default
read:4:32MiB,read:16:32MiB,read:8:256MiB,read:4:8MiB,willneed:4:32MiB).
--baseline BIN (another build of preload, e.g. main's) is tuned too, into
its own profile store, and its default warm runs in every round beside
this build's. Writes realfs-bench.json and realfs-bench.md to --out
(default target/realfs-bench). --model names the tree's spec in
bench-data/ (default realfs-model, 2 GiB; realfs-model-8g: 16 x 512 MiB).
--debug uses target/debug/preload (no release build).";

const DEFAULT_GRID: &str = "read:4:32MiB,read:16:32MiB,read:8:256MiB,read:4:8MiB,willneed:4:32MiB";
/// The seed's one-liner, on `{dir}`.
const ONE_LINER: &str = "find {dir} -type f | xargs -P 32 -I{} cat {} >/dev/null";

struct Opts {
    fs: Vec<String>,
    runs: usize,
    grid: Vec<String>,
    tune_args: Vec<String>,
    tune: bool,
    baseline: Option<PathBuf>,
    debug: bool,
    out: PathBuf,
    /// The spec in bench-data/ the tree is generated from.
    model: String,
}

/// One way of reading the tree.
#[derive(Debug, Clone, Serialize)]
pub struct Strategy {
    /// Short name in the tables.
    pub name: String,
    /// The command, as run (after `{dir}` is filled in).
    pub command: String,
    /// True for `preload warm` (its --json summary is parsed).
    pub preload: bool,
}

/// One cold run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub strategy: String,
    pub round: usize,
    pub seconds: f64,
    /// Resident fraction of the tree before the run (client page cache).
    pub cold_client: f64,
    /// Highest resident fraction of a backing folder before the run.
    pub cold_server: f64,
    /// Resident fraction of the tree after the run (`preload status`).
    pub resident_after: f64,
    /// What `preload warm --json` said it used: (method, -P, chunk size,
    /// schedule).
    pub used: Option<(String, u64, u64, String)>,
    /// What `preload warm --json` measured itself (elapsed_s: reading
    /// only, without the walk before and the residency check after).
    pub reading_s: Option<f64>,
    /// CPU seconds (user + system) of the reading command.
    pub reader_cpu_s: f64,
    /// CPU seconds of the storage daemons (servers and FUSE client) during
    /// the run; 0 on the local disk.
    pub storage_cpu_s: f64,
}

/// Everything measured on one filesystem.
#[derive(Debug, Clone, Serialize)]
pub struct FsResult {
    pub fs: String,
    pub dir: String,
    pub bytes: u64,
    pub backing: Vec<String>,
    /// `preload tune --json` (None with --no-tune).
    pub tune: Option<Value>,
    /// The baseline build's `preload tune --json` (--baseline).
    pub baseline_tune: Option<Value>,
    pub strategies: Vec<Strategy>,
    pub runs: Vec<Run>,
}

pub fn main(args: &[String]) -> Result<()> {
    let opts = parse(args)?;
    let preload = if opts.debug {
        Preload {
            bin: target_dir().join("debug").join("preload"),
        }
    } else {
        Preload::build()?
    };
    std::fs::create_dir_all(&opts.out)?;
    let preload = preload.private_copy(&opts.out.join("bin"))?;
    let cache = opts.out.join("cache");
    let baseline = match &opts.baseline {
        Some(bin) => Some(Preload { bin: bin.clone() }.private_copy(&opts.out.join("baseline"))?),
        None => None,
    };
    let baseline_cache = opts.out.join("cache-baseline");
    let spec = gendata::spec_path(&opts.model);
    let mut results = Vec::new();
    for fs in &opts.fs {
        let (dir, backing) = place(fs, &spec)?;
        println!("== {fs}: {}", dir.display());
        let tune = if opts.tune {
            Some(tune(&preload, &dir, &cache, &backing, &opts.tune_args)?)
        } else {
            None
        };
        let mut strategies = strategies(&preload, &dir, &opts.grid);
        let mut baseline_tune = None;
        if let Some(base) = &baseline {
            if opts.tune {
                println!("baseline {}", base.bin.display());
                baseline_tune = Some(self::tune(
                    base,
                    &dir,
                    &baseline_cache,
                    &backing,
                    &opts.tune_args,
                )?);
            }
            // Its own profile store: the variable set in the command wins
            // over the one every run gets.
            strategies.insert(
                2,
                Strategy {
                    name: "baseline warm (its tuned profile)".into(),
                    command: format!(
                        "PRELOAD_CACHE_DIR={} {} warm {} --json",
                        baseline_cache.display(),
                        base.bin.display(),
                        dir.display()
                    ),
                    preload: true,
                },
            );
        }
        let mut runs = Vec::new();
        for round in 0..opts.runs {
            for k in 0..strategies.len() {
                let s = &strategies[(k + round) % strategies.len()];
                let run = run_cold(&preload, s, round, &dir, &backing, &cache)?;
                println!("{}", report::run_line(&run));
                runs.push(run);
            }
        }
        results.push(FsResult {
            fs: fs.clone(),
            dir: dir.display().to_string(),
            bytes: tree_bytes(&dir)?,
            backing: backing.iter().map(|p| p.display().to_string()).collect(),
            tune,
            baseline_tune,
            strategies,
            runs,
        });
        // Written after each filesystem, so a later failure keeps the rest.
        report::write(&opts.out, &results, opts.runs)?;
    }
    println!("written to {}", opts.out.display());
    Ok(())
}

fn parse(args: &[String]) -> Result<Opts> {
    let mut o = Opts {
        fs: vec!["local".into(), "moosefs".into(), "glusterfs".into()],
        runs: 5,
        grid: DEFAULT_GRID.split(',').map(String::from).collect(),
        tune_args: Vec::new(),
        tune: true,
        baseline: None,
        debug: false,
        out: target_dir().join("realfs-bench"),
        model: "realfs-model".into(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--fs" => o.fs = value()?.split(',').map(String::from).collect(),
            "--runs" => o.runs = value()?.parse().context("--runs")?,
            "--grid" => o.grid = value()?.split(',').map(String::from).collect(),
            "--tune-args" => o.tune_args = value()?.split_whitespace().map(String::from).collect(),
            "--no-tune" => o.tune = false,
            "--baseline" => o.baseline = Some(PathBuf::from(value()?)),
            "--debug" => o.debug = true,
            "--model" => o.model = value()?.clone(),
            "--out" => o.out = PathBuf::from(value()?),
            _ => bail!("unknown argument {a}\n{USAGE}"),
        }
    }
    Ok(o)
}

/// The tree on `fs` (generated when missing) and the folders holding its
/// bytes on the server side.
fn place(fs: &str, spec: &Path) -> Result<(PathBuf, Vec<PathBuf>)> {
    if fs == "local" {
        let dir = gendata::ensure(spec, &gendata::default_out())?;
        return Ok((dir, Vec::new()));
    }
    realfs::main(&["up".to_owned(), fs.to_owned()])?;
    let state = target_dir().join("realfs").join(fs);
    let dir = gendata::ensure(spec, &state.join("mnt"))?;
    let backing = match fs {
        "moosefs" => vec![state.join("cs1"), state.join("cs2")],
        "glusterfs" => vec![state.join("brick")],
        _ => bail!("unknown filesystem {fs} (expected local, moosefs or glusterfs)"),
    };
    Ok((dir, backing))
}

fn strategies(preload: &Preload, dir: &Path, grid: &[String]) -> Vec<Strategy> {
    let bin = preload.bin.display();
    let d = dir.display();
    let mut out = vec![
        Strategy {
            name: "xargs -P 32 cat".into(),
            command: ONE_LINER.replace("{dir}", &d.to_string()),
            preload: false,
        },
        Strategy {
            name: "warm (tuned profile)".into(),
            command: format!("{bin} warm {d} --json"),
            preload: true,
        },
    ];
    for point in grid {
        let mut parts = point.splitn(4, ':');
        let (m, p, c) = (
            parts.next().unwrap_or("read"),
            parts.next().unwrap_or("4"),
            parts.next().unwrap_or("32MiB"),
        );
        // An optional fourth field: the schedule (`front` or `spread`).
        let (name, flag) = match parts.next() {
            Some(s) => (format!(" {s}"), format!(" --schedule {s}")),
            None => (String::new(), String::new()),
        };
        out.push(Strategy {
            name: format!("{m} -P {p} chunk {c}{name}"),
            command: format!("{bin} warm {d} --json --method {m} -P {p} --chunk-size {c}{flag}"),
            preload: true,
        });
    }
    out
}

/// Evicts the tree and its backing folders, checks both are cold, times
/// the strategy, and measures what is resident after.
fn run_cold(
    preload: &Preload,
    s: &Strategy,
    round: usize,
    dir: &Path,
    backing: &[PathBuf],
    cache: &Path,
) -> Result<Run> {
    let (cold_client, cold_server) = make_cold(preload, dir, backing)?;
    let state = backing.first().and_then(|b| b.parent());
    let storage_before = state.map_or(0.0, cpu::storage);
    let reader_before = cpu::children();
    let t = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(&s.command)
        .env("PRELOAD_CACHE_DIR", cache)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", s.command))?;
    let seconds = t.elapsed().as_secs_f64();
    let reader_cpu_s = cpu::children() - reader_before;
    let storage_cpu_s = state.map_or(0.0, cpu::storage) - storage_before;
    if !out.status.success() {
        bail!("{} failed ({})", s.command, out.status);
    }
    let summary = s
        .preload
        .then(|| serde_json::from_slice::<Value>(&out.stdout).ok())
        .flatten();
    let used = summary.as_ref().map(|v| {
        (
            v["method"].as_str().unwrap_or_default().to_owned(),
            v["parallelism"].as_u64().unwrap_or_default(),
            v["chunk_size"].as_u64().unwrap_or_default(),
            v["schedule"].as_str().unwrap_or_default().to_owned(),
        )
    });
    let reading_s = summary.as_ref().and_then(|v| v["elapsed_s"].as_f64());
    Ok(Run {
        strategy: s.name.clone(),
        round,
        seconds,
        cold_client,
        cold_server,
        resident_after: preload.resident_fraction(dir)?,
        used,
        reading_s,
        reader_cpu_s,
        storage_cpu_s,
    })
}

/// `preload tune DIR` (30 s unless `extra` says otherwise) saving into the
/// private store, from a cold tree and cold backing folders.
fn tune(
    preload: &Preload,
    dir: &Path,
    cache: &Path,
    backing: &[PathBuf],
    extra: &[String],
) -> Result<Value> {
    make_cold(preload, dir, backing)?;
    let mut args: Vec<String> = vec!["tune".into(), dir.display().to_string(), "--json".into()];
    args.extend(extra.iter().cloned());
    let out = preload
        .cmd(&args)
        .env("PRELOAD_CACHE_DIR", cache)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run preload tune")?;
    if !out.status.success() {
        bail!("preload tune {} failed ({})", dir.display(), out.status);
    }
    let v: Value =
        serde_json::from_slice(&out.stdout).context("preload tune printed invalid JSON")?;
    let rec = &v["recommendation"];
    println!(
        "tune: -P {} method {} chunk {} schedule {} (confidence {:.2}, saved {})",
        rec["parallelism"],
        rec["read_method"],
        rec["chunk_size"],
        rec["schedule"],
        rec["confidence"].as_f64().unwrap_or_default(),
        rec["profile_worthy"]
    );
    Ok(v)
}

fn tree_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        let md = e.metadata()?;
        total += if md.is_dir() {
            tree_bytes(&e.path())?
        } else {
            md.len()
        };
    }
    Ok(total)
}
