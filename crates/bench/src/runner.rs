//! One cold run of one strategy: the warm part, then the loader.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use preload_core::{CancelToken, Controller, FixedLevel, ReadMethod, Warmer};
use preload_schema::{BenchRun, Residency, mib_per_s};
use preload_tune::AutoLevel;

use crate::child::{ChildStdout, run_shell, xargs_script};
use crate::strategy::Strategy;
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
        Strategy::LoadOnly | Strategy::Run => Warm {
            bytes: 0,
            seconds: 0.0,
            level: None,
            exit_status: 0,
            peak_rss_kib: None,
        },
    };
    let after = residency();
    let mut exit_status = warm.exit_status;
    let mut peak_rss_kib = warm.peak_rss_kib;
    let load_s = match t.then {
        Some(cmd) => {
            let load = run_shell(cmd, ChildStdout::Stderr).map_err(|source| BenchError::Spawn {
                what: format!("the --then command {cmd:?}"),
                source,
            })?;
            if exit_status == 0 {
                exit_status = load.exit_status;
            }
            if strategy == Strategy::LoadOnly {
                peak_rss_kib = Some(load.peak_rss_kib);
            }
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
            let load = run_shell(cmd, ChildStdout::Stderr);
            stop.cancel();
            load
        });
        let warm = preload_with(t, t.preload, &stop);
        (loader.join().expect("the loader thread"), warm)
    });
    let load = load.map_err(|source| BenchError::Spawn {
        what: format!("the --then command {cmd:?}"),
        source,
    })?;
    let warm = warm?;
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
    })
}

/// One stream, file after file, 1 MiB reads: what a loader does.
fn sequential(files: &[PathBuf], cancel: &CancelToken) -> Warm {
    let start = Instant::now();
    let mut buf = vec![0u8; SEQUENTIAL_BUFFER];
    let mut bytes = 0;
    let mut failed = false;
    for f in files {
        if cancel.is_cancelled() {
            failed = true;
            break;
        }
        match read_to_end(f, &mut buf, cancel) {
            Ok(n) => bytes += n,
            Err(_) => failed = true,
        }
    }
    Warm {
        bytes,
        seconds: start.elapsed().as_secs_f64(),
        level: Some(1),
        exit_status: i32::from(failed),
        peak_rss_kib: None,
    }
}

fn read_to_end(path: &Path, buf: &mut [u8], cancel: &CancelToken) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut total = 0;
    loop {
        if cancel.is_cancelled() {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match file.read(buf) {
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
    })
}

/// preload's engine in this process, timed from walk to verified residency.
fn preload(t: &Target<'_>, level: PreloadLevel) -> Result<Warm, BenchError> {
    preload_with(t, level, t.cancel)
}

fn preload_with(
    t: &Target<'_>,
    level: PreloadLevel,
    cancel: &CancelToken,
) -> Result<Warm, BenchError> {
    let controller: Box<dyn Controller> = match level {
        PreloadLevel::Fixed(n) => Box::new(FixedLevel(n)),
        PreloadLevel::Auto { max_level } => Box::new(AutoLevel::new(max_level)),
    };
    let start = Instant::now();
    let summary = Warmer::new([t.path])
        .controller(controller)
        .method(ReadMethod::Read)
        .cancel_token(cancel.clone())
        .run()
        .map_err(BenchError::Core)?;
    let failed = !summary.failed.is_empty() || summary.interrupted;
    Ok(Warm {
        bytes: summary.bytes,
        seconds: start.elapsed().as_secs_f64(),
        level: Some(summary.parallelism),
        exit_status: i32::from(failed),
        peak_rss_kib: None,
    })
}
