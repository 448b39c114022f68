//! The bench loop: rounds of every strategy, each run from a cold cache.

use std::path::{Path, PathBuf};
use std::time::Instant;

use preload_core::CancelToken;
use preload_core::context::run_context;
use preload_core::walk::{Filter, walk};
use preload_schema::{BenchConfig, BenchResult, BenchRun, Dataset, FsInfo, SCHEMA_VERSION};

use crate::cold::{COLD_FRACTION, Cooler};
use crate::cold_run::{Target, run_once};
use crate::order::loader_order;
use crate::strategy::{Strategy, round_order};
use crate::{BenchError, HarnessConfig, PreloadLevel};

/// Resident fraction after a warm part below which the filesystem is taken
/// not to keep pages.
use preload_core::verify::RETAINED_FRACTION;

/// Runs the bench; see the crate documentation.
pub fn run_bench(cfg: &HarnessConfig, cancel: &CancelToken) -> Result<BenchResult, BenchError> {
    run_bench_with(cfg, cancel, &mut |_, _| {})
}

/// [`run_bench`], calling `on_run(run, warmup)` after every run (warm-ups
/// included, with `warmup` true), e.g. for a progress line.
pub fn run_bench_with(
    cfg: &HarnessConfig,
    cancel: &CancelToken,
    on_run: &mut dyn FnMut(&BenchRun, bool),
) -> Result<BenchResult, BenchError> {
    if cfg.runs == 0 {
        return Err(BenchError::Settings("runs must be at least 1".into()));
    }
    if let Some(bad) = cfg.levels.iter().find(|&&n| !(1..=1024).contains(&n)) {
        return Err(BenchError::Settings(format!(
            "level {bad} is not in 1..=1024"
        )));
    }
    let started = Instant::now();
    let context = run_context(&cfg.path);
    let walked = walk(std::slice::from_ref(&cfg.path), &Filter::default())?;
    if walked.files.is_empty() {
        return Err(BenchError::Empty {
            path: cfg.path.clone(),
        });
    }
    let dataset = Dataset {
        path: cfg.path.display().to_string(),
        files: walked.files.len() as u64,
        bytes: walked.files.iter().map(|f| f.size).sum(),
    };
    let files: Vec<PathBuf> = walked.files.into_iter().map(|f| f.path).collect();
    let ordered = loader_order(&cfg.path, files.clone());
    let mut warnings = Vec::new();
    let preload = cfg
        .preload
        .unwrap_or_else(|| saved_level(&context.filesystem, &mut warnings));
    let target = Target {
        path: &cfg.path,
        loader_order: &ordered,
        find_bytes: find_bytes(&cfg.path),
        preload,
        then: cfg.then.as_deref(),
        warm_exe: cfg.warm_exe.as_deref(),
        cancel,
    };
    let strategies = Strategy::list(&cfg.levels, cfg.then.is_some());
    let mut cooler = Cooler::new(files, cfg.drop_caches);
    let mut runs = Vec::new();
    let rounds = cfg.warmup + cfg.runs;
    let mut interrupted = false;
    'rounds: for round in 0..rounds {
        let warmup = round < cfg.warmup;
        for strategy in round_order(&strategies, round) {
            if cancel.is_cancelled() {
                interrupted = true;
                warnings.push("interrupted: the result holds the runs finished so far".into());
                break 'rounds;
            }
            if started.elapsed() > cfg.time_limit {
                warnings.push(format!(
                    "the time limit ({:.0} s) ran out after {} of {} rounds; raise --time-limit or lower --runs",
                    cfg.time_limit.as_secs_f64(),
                    round.saturating_sub(cfg.warmup),
                    cfg.runs
                ));
                break 'rounds;
            }
            let before = cooler.cool();
            let iteration = round.saturating_sub(cfg.warmup);
            let run = run_once(&target, strategy, iteration, before, || cooler.residency())?;
            if cancel.is_cancelled() {
                // Cut short by the signal: not a measurement (nor a failed
                // run), so it is left out and the result says interrupted.
                interrupted = true;
                warnings.push("interrupted: the result holds the runs finished so far".into());
                break 'rounds;
            }
            on_run(&run, warmup);
            if !warmup {
                runs.push(run);
            }
        }
    }
    warnings.extend(cooler.warnings.iter().cloned());
    warnings.extend(run_warnings(&runs));
    let summary = crate::summary::summarize(&runs);
    warnings.extend(crate::summary::spread_warnings(&summary));
    Ok(BenchResult {
        schema_version: SCHEMA_VERSION,
        context,
        dataset,
        config: BenchConfig {
            runs: cfg.runs,
            warmup: cfg.warmup,
            then: cfg.then.clone(),
            cold_method: cooler.method().as_str().into(),
            strategies: strategies.iter().map(ToString::to_string).collect(),
        },
        summary,
        runs,
        interrupted,
        warnings,
    })
}

/// The saved profile's level for `fs`, else what `preload warm` uses
/// without `-P` (the fixed default: `-P auto` measured slower, see README).
fn saved_level(fs: &FsInfo, warnings: &mut Vec<String>) -> PreloadLevel {
    let saved = preload_tune::saved_level(fs);
    warnings.extend(saved.warning);
    PreloadLevel::Fixed(saved.level)
}

/// Bytes of the regular files `find PATH -type f` lists (symlinks not
/// followed): what the xargs pipeline reads.
fn find_bytes(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Warnings about what the runs show: not cold, failed, pages not kept.
fn run_warnings(runs: &[BenchRun]) -> Vec<String> {
    let mut out = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for r in runs {
        if !names.contains(&r.strategy.as_str()) {
            names.push(&r.strategy);
        }
    }
    for name in names {
        let of: Vec<&BenchRun> = runs.iter().filter(|r| r.strategy == name).collect();
        let warm = of
            .iter()
            .filter(|r| {
                r.residency_before.fraction() > COLD_FRACTION && r.residency_before.total_bytes > 0
            })
            .count();
        if warm > 0 {
            out.push(format!(
                "{name}: {warm} of {} runs did not start from a cold cache (more than {:.0}% resident); its times are optimistic",
                of.len(),
                COLD_FRACTION * 100.0
            ));
        }
        let failed: Vec<i32> = of
            .iter()
            .map(|r| r.exit_status)
            .filter(|&s| s != 0)
            .collect();
        if let Some(first) = failed.first() {
            out.push(format!(
                "{name}: {} of {} runs failed (exit status {first}); failed runs are left out of medians",
                failed.len(),
                of.len()
            ));
        }
        if name.starts_with("preload")
            && of
                .iter()
                .all(|r| r.bytes > 0 && r.residency_after.fraction() < RETAINED_FRACTION)
        {
            out.push(format!(
                "{name}: the data was read but not kept in the page cache; warming cannot help a loader on this filesystem"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use preload_schema::Residency;

    use super::*;

    fn run(strategy: &str, before: u64, after: u64, exit_status: i32) -> BenchRun {
        BenchRun {
            strategy: strategy.into(),
            level: None,
            iteration: 0,
            bytes: 100,
            warm_s: 1.0,
            load_s: None,
            total_s: 1.0,
            mib_s: 1.0,
            residency_before: Residency {
                resident_bytes: before,
                total_bytes: 100,
                ..Default::default()
            },
            residency_after: Residency {
                resident_bytes: after,
                total_bytes: 100,
                ..Default::default()
            },
            exit_status,
            peak_rss_kib: None,
            user_s: None,
            system_s: None,
            read_latency: None,
        }
    }

    #[test]
    fn warnings_name_warm_starts_failures_and_lost_pages() {
        let w = run_warnings(&[
            run("sequential", 0, 100, 0),
            run("xargs", 50, 100, 0),
            run("xargs", 0, 100, 123),
            run("preload", 0, 10, 0),
        ]);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(w[0].starts_with("xargs: 1 of 2 runs did not start from a cold cache"));
        assert!(w[1].contains("1 of 2 runs failed (exit status 123)"));
        assert!(w[2].starts_with("preload: the data was read but not kept"));
        assert!(run_warnings(&[run("preload", 0, 100, 0)]).is_empty());
    }
}
