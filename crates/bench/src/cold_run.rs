//! One cold run of one strategy: the warm part, then the loader.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use preload_core::{CancelToken, Controller, CoreError, FixedLevel, Warmer};
use preload_schema::{BenchRun, ReadLatency, Residency, WarmSummary, mib_per_s};
use preload_tune::{AutoController, Beside, LevelRequest, Request};

use crate::child::{ChildRun, ChildStdout, run_measured, run_shell, xargs_script};
use crate::strategy::Strategy;
use crate::usage::InProcess;
use crate::{BenchError, PreloadLevel};

/// Bytes per read of the sequential strategy.
pub const SEQUENTIAL_BUFFER: usize = 1 << 20;

/// What a run needs to know about the bench.
#[derive(Debug)]
pub struct Target<'a> {
    /// The measured path.
    pub path: &'a Path,
    /// Its files in loader order (for `sequential`).
    pub loader_order: &'a [PathBuf],
    /// Regular files `find -type f` sees, total bytes (what `xargs` reads).
    pub find_bytes: u64,
    /// How the `preload` strategy picks its level.
    pub preload: PreloadLevel,
    /// The loader command.
    pub then: Option<&'a str>,
    /// The `preload` binary: when given, the `preload` strategies run as
    /// `preload warm` child processes, so their CPU and peak RSS are their
    /// own; else in this process.
    pub warm_exe: Option<&'a Path>,
    /// Stops in-process strategies early.
    pub cancel: &'a CancelToken,
}

/// The warm part of a run.
struct Warm {
    bytes: u64,
    seconds: f64,
    level: Option<usize>,
    exit_status: i32,
    peak_rss_kib: Option<u64>,
    user_s: Option<f64>,
    system_s: Option<f64>,
    read_latency: Option<ReadLatency>,
}

impl Warm {
    /// Nothing warmed (`load-only`).
    fn none() -> Warm {
        Warm {
            bytes: 0,
            seconds: 0.0,
            level: None,
            exit_status: 0,
            peak_rss_kib: None,
            user_s: Some(0.0),
            system_s: Some(0.0),
            read_latency: None,
        }
    }
}

/// A sum of CPU times, None when either part is unmeasured.
fn add(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? + b?)
}

/// Runs `strategy` once from the residency `before`, then the loader.
/// `residency` measures the data set after the warm part.
pub fn run_once(
    t: &Target<'_>,
    strategy: Strategy,
    iteration: usize,
    before: Residency,
    residency: impl Fn() -> Residency,
) -> Result<BenchRun, BenchError> {
    if strategy == Strategy::Run {
        return overlapped(t, iteration, before, residency);
    }
    let warm = match strategy {
        Strategy::Sequential => sequential(t.loader_order, t.cancel),
        Strategy::Xargs => xargs(t)?,
        Strategy::Preload => preload(t, t.preload)?,
        Strategy::PreloadFixed(n) => preload(t, PreloadLevel::Fixed(n))?,
        Strategy::LoadOnly | Strategy::Run => Warm::none(),
    };
    let after = residency();
    let mut exit_status = warm.exit_status;
    let mut peak_rss_kib = warm.peak_rss_kib;
    let (mut user_s, mut system_s) = (warm.user_s, warm.system_s);
    let load_s = match t.then {
        Some(cmd) => {
            let load = loader(cmd)?;
            if exit_status == 0 {
                exit_status = load.exit_status;
            }
            if strategy == Strategy::LoadOnly {
                peak_rss_kib = Some(load.peak_rss_kib);
            }
            user_s = add(user_s, Some(load.user_s));
            system_s = add(system_s, Some(load.system_s));
            Some(load.elapsed_s)
        }
        None => None,
    };
    Ok(BenchRun {
        strategy: strategy.to_string(),
        level: warm.level,
        iteration,
        bytes: warm.bytes,
        warm_s: warm.seconds,
        load_s,
        total_s: warm.seconds + load_s.unwrap_or(0.0),
        mib_s: mib_per_s(warm.bytes, warm.seconds),
        residency_before: before,
        residency_after: after,
        exit_status,
        peak_rss_kib,
        user_s,
        system_s,
        read_latency: warm.read_latency,
    })
}

/// The `--then` command, its output on our stderr.
fn loader(cmd: &str) -> Result<ChildRun, BenchError> {
    run_shell(cmd, ChildStdout::Stderr).map_err(|source| BenchError::Spawn {
        what: format!("the --then command {cmd:?}"),
        source,
    })
}

/// `preload run`: the loader and the warm start together; the warm stops
/// when the loader exits. The cold start is the loader's time (`total_s`);
/// `warm_s` is how long the warm ran beside it.
fn overlapped(
    t: &Target<'_>,
    iteration: usize,
    before: Residency,
    residency: impl Fn() -> Residency,
) -> Result<BenchRun, BenchError> {
    let Some(cmd) = t.then else {
        return Err(BenchError::Settings("the run strategy needs --then".into()));
    };
    let stop = CancelToken::new();
    let (load, warm) = std::thread::scope(|s| {
        let loader = s.spawn(|| {
            let load = loader(cmd);
            stop.cancel();
            load
        });
        let warm = preload_in_process(t, t.preload, &stop);
        (loader.join().expect("the loader thread"), warm)
    });
    let load = load?;
    let warm = match warm {
        // The loader ended while the files were still being found (a
        // loader faster than the walk): no warm was wanted any more, as
        // `preload run` itself treats it.
        Err(BenchError::Core(CoreError::Cancelled)) => Warm::none(),
        other => other?,
    };
    let after = residency();
    Ok(BenchRun {
        strategy: Strategy::Run.to_string(),
        level: warm.level,
        iteration,
        bytes: warm.bytes,
        warm_s: warm.seconds,
        load_s: Some(load.elapsed_s),
        total_s: load.elapsed_s.max(warm.seconds),
        mib_s: mib_per_s(warm.bytes, warm.seconds),
        residency_before: before,
        residency_after: after,
        // A warm stopped by the loader's exit is not a failure.
        exit_status: load.exit_status,
        peak_rss_kib: Some(load.peak_rss_kib),
        user_s: add(warm.user_s, Some(load.user_s)),
        system_s: add(warm.system_s, Some(load.system_s)),
        read_latency: warm.read_latency,
    })
}

/// One stream, file after file, 1 MiB reads: what a loader does.
fn sequential(files: &[PathBuf], cancel: &CancelToken) -> Warm {
    let usage = InProcess::start();
    let start = Instant::now();
    let mut buf = vec![0u8; SEQUENTIAL_BUFFER];
    let mut latencies = Vec::new();
    let mut bytes = 0;
    let mut failed = false;
    for f in files {
        if cancel.is_cancelled() {
            failed = true;
            break;
        }
        match read_to_end(f, &mut buf, &mut latencies, cancel) {
            Ok(n) => bytes += n,
            Err(_) => failed = true,
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let used = usage.finish();
    Warm {
        bytes,
        seconds,
        level: Some(1),
        exit_status: i32::from(failed),
        peak_rss_kib: used.peak_rss_kib,
        user_s: Some(used.user_s),
        system_s: Some(used.system_s),
        read_latency: preload_core::latency::read_latency(&latencies),
    }
}

/// Most read latencies the sequential strategy keeps (as the engine's
/// per-reader bound): 1.6 MB of samples, enough for p99.9.
const LATENCY_SAMPLES: usize = 200_000;

fn read_to_end(
    path: &Path,
    buf: &mut [u8],
    latencies: &mut Vec<Duration>,
    cancel: &CancelToken,
) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut total = 0;
    loop {
        if cancel.is_cancelled() {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let call = Instant::now();
        let read = file.read(buf);
        if latencies.len() < LATENCY_SAMPLES {
            latencies.push(call.elapsed());
        }
        match read {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The real `find | xargs -P 32 cat` pipeline.
fn xargs(t: &Target<'_>) -> Result<Warm, BenchError> {
    let script = xargs_script(&t.path.to_string_lossy(), Strategy::XARGS_PARALLELISM);
    let run = run_shell(&script, ChildStdout::Null).map_err(|source| BenchError::Spawn {
        what: "the xargs pipeline".into(),
        source,
    })?;
    Ok(Warm {
        bytes: t.find_bytes,
        seconds: run.elapsed_s,
        level: Some(Strategy::XARGS_PARALLELISM),
        exit_status: run.exit_status,
        peak_rss_kib: Some(run.peak_rss_kib),
        user_s: Some(run.user_s),
        system_s: Some(run.system_s),
        read_latency: None,
    })
}

/// preload's engine, timed from walk to verified residency: a `preload
/// warm` child when the binary is known and the level fixed, else in this
/// process.
fn preload(t: &Target<'_>, level: PreloadLevel) -> Result<Warm, BenchError> {
    match (t.warm_exe, level) {
        (Some(exe), PreloadLevel::Fixed(n)) => preload_child(t, exe, n),
        _ => preload_in_process(t, level, t.cancel),
    }
}

/// `preload warm PATH -P N --method read --json --quiet` as a child process.
fn preload_child(t: &Target<'_>, exe: &Path, level: usize) -> Result<Warm, BenchError> {
    let mut cmd = Command::new(exe);
    cmd.arg("warm").arg(t.path).args([
        "-P",
        &level.to_string(),
        "--method",
        "read",
        "--json",
        "--quiet",
    ]);
    let run = run_measured(&mut cmd, ChildStdout::Capture).map_err(|source| BenchError::Spawn {
        what: format!("{} warm", exe.display()),
        source,
    })?;
    let summary: Option<WarmSummary> = serde_json::from_slice(&run.stdout).ok();
    // As in this process: failed files or an interruption fail the run;
    // a pages-not-kept exit (3) does not, run_warnings says it.
    let exit_status = match &summary {
        Some(s) => i32::from(!s.failed.is_empty() || s.interrupted),
        None if run.exit_status != 0 => run.exit_status,
        None => 1,
    };
    Ok(Warm {
        bytes: summary.as_ref().map_or(0, |s| s.bytes),
        seconds: run.elapsed_s,
        level: Some(summary.as_ref().map_or(level, |s| s.parallelism)),
        exit_status,
        peak_rss_kib: Some(run.peak_rss_kib),
        user_s: Some(run.user_s),
        system_s: Some(run.system_s),
        read_latency: summary.and_then(|s| s.read_latency),
    })
}

fn preload_in_process(
    t: &Target<'_>,
    level: PreloadLevel,
    cancel: &CancelToken,
) -> Result<Warm, BenchError> {
    let controller: Box<dyn Controller> = match level {
        PreloadLevel::Fixed(n) => Box::new(FixedLevel(n)),
        PreloadLevel::Auto { max_level } => Box::new(AutoController::for_warm(max_level, None)),
    };
    // Method, chunk size and schedule as `preload run -P N` takes them.
    let level_only = Request {
        level: match level {
            PreloadLevel::Fixed(n) => LevelRequest::Fixed(n),
            PreloadLevel::Auto { .. } => LevelRequest::Auto,
        },
        method: None,
        chunk_size: None,
        schedule: None,
    };
    let choice = preload_tune::choose(t.path, &level_only, Beside::Loader);
    let usage = InProcess::start();
    let start = Instant::now();
    let summary = Warmer::new([t.path])
        .controller(controller)
        .method(choice.method)
        .chunk_size(choice.chunk_size)
        .scheduling(choice.schedule)
        .cancel_token(cancel.clone())
        .run()
        .map_err(BenchError::Core)?;
    let seconds = start.elapsed().as_secs_f64();
    let used = usage.finish();
    let failed = !summary.failed.is_empty() || summary.interrupted;
    Ok(Warm {
        bytes: summary.bytes,
        seconds,
        level: Some(summary.parallelism),
        exit_status: i32::from(failed),
        peak_rss_kib: used.peak_rss_kib,
        user_s: Some(used.user_s),
        system_s: Some(used.system_s),
        read_latency: summary.read_latency,
    })
}
