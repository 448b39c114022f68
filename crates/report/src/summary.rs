//! Bench results summarised per strategy: the numbers a report shows.

use preload_schema::{BenchResult, BenchRun};
pub use preload_stats::Spread;

/// The runs of one bench strategy, summarised (successful runs only).
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySummary {
    /// Strategy name (`sequential`, `xargs`, `preload`, ...).
    pub strategy: String,
    /// Its parallelism, when it has one.
    pub level: Option<usize>,
    /// Runs that succeeded (exit status 0).
    pub ok_runs: usize,
    /// Runs that failed.
    pub failed_runs: usize,
    /// Warm part, seconds.
    pub warm_s: Option<Spread>,
    /// Load part (`--then`), seconds, when every successful run has one.
    pub load_s: Option<Spread>,
    /// Warm + load, seconds.
    pub total_s: Option<Spread>,
    /// Throughput of the warm part, MiB/s.
    pub mib_s: Option<Spread>,
}

impl StrategySummary {
    /// Display name with the level: `preload (P=16)`.
    pub fn display_name(&self) -> String {
        match self.level {
            Some(p) if !self.strategy.contains(&format!("p{p}")) => {
                format!("{} (P={p})", self.strategy)
            }
            _ => self.strategy.clone(),
        }
    }
}

/// The strategy every speed-up is measured against. With `--then` it is
/// `load-only`, the loader alone from a cold cache: the cold start a user
/// has without warming. (`sequential` then means "read everything once,
/// then load": the data is read twice, so against it every strategy looked
/// faster than it is.) Without `--then`: `sequential`, one stream reading
/// as a loader would.
pub fn baseline_strategy(bench: &BenchResult) -> &'static str {
    if bench.config.then.is_some() {
        "load-only"
    } else {
        "sequential"
    }
}

/// The median total time of the [`baseline_strategy`], when it has one.
pub fn baseline_median(bench: &BenchResult, summaries: &[StrategySummary]) -> Option<f64> {
    let name = baseline_strategy(bench);
    summaries
        .iter()
        .find(|s| s.strategy == name)
        .and_then(|s| s.total_s)
        .map(|t| t.median)
}

/// One summary per strategy, in the order the strategies first ran.
pub fn summarize_bench(bench: &BenchResult) -> Vec<StrategySummary> {
    bench
        .strategies()
        .into_iter()
        .map(|name| {
            let runs: Vec<&BenchRun> = bench.runs.iter().filter(|r| r.strategy == name).collect();
            let ok: Vec<&BenchRun> = runs
                .iter()
                .copied()
                .filter(|r| r.exit_status == 0)
                .collect();
            let all_loaded = !ok.is_empty() && ok.iter().all(|r| r.load_s.is_some());
            StrategySummary {
                level: runs.iter().find_map(|r| r.level),
                ok_runs: ok.len(),
                failed_runs: runs.len() - ok.len(),
                warm_s: Spread::of(ok.iter().map(|r| r.warm_s)),
                load_s: if all_loaded {
                    Spread::of(ok.iter().filter_map(|r| r.load_s))
                } else {
                    None
                },
                total_s: Spread::of(ok.iter().map(|r| r.total_s)),
                mib_s: Spread::of(ok.iter().map(|r| r.mib_s)),
                strategy: name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_adds_the_level_once() {
        let mut s = StrategySummary {
            strategy: "preload".into(),
            level: Some(16),
            ok_runs: 1,
            failed_runs: 0,
            warm_s: None,
            load_s: None,
            total_s: None,
            mib_s: None,
        };
        assert_eq!(s.display_name(), "preload (P=16)");
        s.strategy = "preload-p16".into();
        assert_eq!(s.display_name(), "preload-p16");
    }
}
