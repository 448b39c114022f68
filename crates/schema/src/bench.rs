//! The result of `preload bench` (`-o FILE`, `--export-csv`).

use serde::{Deserialize, Serialize};

use crate::{Dataset, Residency, RunContext};

/// A cold-start comparison: every run of every strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// [`crate::SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// Machine and filesystem.
    pub context: RunContext,
    /// The tree that was warmed.
    pub dataset: Dataset,
    /// How the bench was run.
    pub config: BenchConfig,
    /// One summary per strategy, in the order the strategies first ran
    /// (hyperfine's `results[]`): computed from `runs` when the bench ends.
    /// Absent in older files (empty).
    #[serde(default)]
    pub summary: Vec<StrategyStats>,
    /// Every run, in the order it ran.
    pub runs: Vec<BenchRun>,
    /// True when the bench was stopped by a signal before it finished: the
    /// run cut short is left out of `runs`, and strategies may have fewer
    /// runs than `config.runs`. `compare` and `--baseline` refuse such a
    /// result unless `--allow-interrupted` is given. Absent in older files
    /// (false).
    #[serde(default)]
    pub interrupted: bool,
    /// Warnings shown to the user.
    pub warnings: Vec<String>,
}

/// Settings of a bench.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchConfig {
    /// Measured repetitions per strategy.
    pub runs: usize,
    /// Unmeasured warm-up repetitions per strategy.
    pub warmup: usize,
    /// The loader command timed after each warm strategy (`--then`).
    pub then: Option<String>,
    /// How caches were made cold: `drop_caches` or `fadvise`.
    pub cold_method: String,
    /// Strategies in the order of the first round.
    pub strategies: Vec<String>,
}

/// One cold run of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    /// `sequential`, `xargs`, `preload`, `preload-p16`, or `load-only`.
    pub strategy: String,
    /// Parallelism of the strategy (the settled level for `-P auto`).
    pub level: Option<usize>,
    /// Repetition index (0-based, warm-ups excluded).
    pub iteration: usize,
    /// Bytes the strategy read.
    pub bytes: u64,
    /// Time of the warm part, seconds.
    pub warm_s: f64,
    /// Time of the `--then` command after it, seconds.
    pub load_s: Option<f64>,
    /// `warm_s + load_s`, seconds.
    pub total_s: f64,
    /// `bytes / warm_s`, MiB/s.
    pub mib_s: f64,
    /// Residency of the data before the run (should be ~0: cold).
    pub residency_before: Residency,
    /// Residency after the warm part.
    pub residency_after: Residency,
    /// Exit status of the strategy's command (0 = success).
    pub exit_status: i32,
    /// Peak resident memory, KiB: of the warm part's process (its own child
    /// process for `xargs` and the `preload` strategies; this process, its
    /// high-water mark reset before the run, for `sequential`), of the loader
    /// for `load-only` and `run`. Null in older files.
    pub peak_rss_kib: Option<u64>,
    /// User CPU time of the warm part and the loader together, seconds.
    /// Absent in older files.
    #[serde(default)]
    pub user_s: Option<f64>,
    /// System CPU time of the warm part and the loader together, seconds.
    /// Absent in older files.
    #[serde(default)]
    pub system_s: Option<f64>,
    /// Latency of the warm part's read calls, where it is measured (the
    /// `sequential` and `preload` strategies). Absent in older files.
    #[serde(default)]
    pub read_latency: Option<ReadLatency>,
}

/// Quantiles of per-read-call latency, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ReadLatency {
    /// Read calls measured (a bounded sample of them all).
    pub reads: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
}

/// The runs of one strategy summarised, as hyperfine's `results[]`: times
/// are the total (warm + load) of the successful runs, seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyStats {
    /// Strategy name.
    pub strategy: String,
    /// Its parallelism, when it has one.
    pub level: Option<usize>,
    /// Mean total time.
    pub mean_s: f64,
    /// Sample standard deviation of the total time; null with one run.
    pub stddev_s: Option<f64>,
    /// Median total time.
    pub median_s: f64,
    /// Shortest total time.
    pub min_s: f64,
    /// Longest total time.
    pub max_s: f64,
    /// Median time of the warm part.
    pub warm_median_s: f64,
    /// Median time of the loader, when every run has one.
    pub load_median_s: Option<f64>,
    /// Median throughput of the warm part, MiB/s.
    pub mib_s_median: f64,
    /// Mean user CPU time, when measured.
    pub user_mean_s: Option<f64>,
    /// Mean system CPU time, when measured.
    pub system_mean_s: Option<f64>,
    /// Largest peak RSS over the runs, KiB, when measured.
    pub peak_rss_kib_max: Option<u64>,
    /// Read latency quantiles, each the median over the runs.
    pub read_latency: Option<ReadLatency>,
    /// Total time of every successful run, in the order they ran.
    pub times: Vec<f64>,
    /// Exit status of every run (failed ones included), in order.
    pub exit_codes: Vec<i32>,
}

/// One row of `preload bench --export-csv`: one unit per quantity, named in
/// the column (seconds, bytes, MiB/s); empty cells where not measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvBenchRow {
    /// Strategy name.
    pub strategy: String,
    /// Parallelism, empty when not applicable.
    pub level: Option<usize>,
    /// Repetition index.
    pub iteration: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Warm time, seconds.
    pub warm_seconds: f64,
    /// Loader time, seconds (empty without `--then`).
    pub load_seconds: Option<f64>,
    /// Total, seconds.
    pub total_seconds: f64,
    /// Throughput, MiB/s.
    pub throughput_mib_per_s: f64,
    /// Resident bytes of the data set before the run.
    pub resident_before_bytes: u64,
    /// Resident bytes after the warm part.
    pub resident_after_bytes: u64,
    /// Size of the data set, bytes.
    pub dataset_bytes: u64,
    /// Exit status.
    pub exit_status: i32,
    /// User CPU, seconds.
    pub user_seconds: Option<f64>,
    /// System CPU, seconds.
    pub system_seconds: Option<f64>,
    /// Peak resident memory, bytes.
    pub peak_rss_bytes: Option<u64>,
    /// Median read latency, seconds.
    pub read_p50_seconds: Option<f64>,
    /// 90th percentile read latency, seconds.
    pub read_p90_seconds: Option<f64>,
    /// 99th percentile read latency, seconds.
    pub read_p99_seconds: Option<f64>,
}

impl From<&BenchRun> for CsvBenchRow {
    fn from(r: &BenchRun) -> Self {
        let latency = |q: fn(&ReadLatency) -> f64| r.read_latency.as_ref().map(|l| q(l) / 1e3);
        CsvBenchRow {
            strategy: r.strategy.clone(),
            level: r.level,
            iteration: r.iteration,
            bytes: r.bytes,
            warm_seconds: r.warm_s,
            load_seconds: r.load_s,
            total_seconds: r.total_s,
            throughput_mib_per_s: r.mib_s,
            resident_before_bytes: r.residency_before.resident_bytes,
            resident_after_bytes: r.residency_after.resident_bytes,
            dataset_bytes: r.residency_after.total_bytes,
            exit_status: r.exit_status,
            user_seconds: r.user_s,
            system_seconds: r.system_s,
            peak_rss_bytes: r.peak_rss_kib.map(|k| k * 1024),
            read_p50_seconds: latency(|l| l.p50_ms),
            read_p90_seconds: latency(|l| l.p90_ms),
            read_p99_seconds: latency(|l| l.p99_ms),
        }
    }
}

impl BenchResult {
    /// Strategy names in first-seen order.
    pub fn strategies(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.runs {
            if !names.contains(&r.strategy) {
                names.push(r.strategy.clone());
            }
        }
        names
    }

    /// Throughputs (MiB/s) of the successful runs of `strategy`.
    pub fn samples_of(&self, strategy: &str) -> Vec<f64> {
        self.runs
            .iter()
            .filter(|r| r.strategy == strategy && r.exit_status == 0)
            .map(|r| r.mib_s)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> BenchResult {
        BenchResult {
            schema_version: crate::SCHEMA_VERSION,
            context: RunContext {
                host: "h".into(),
                kernel: "6".into(),
                cpus: 2,
                memory_bytes: 1 << 30,
                preload_version: "0.1.0".into(),
                date: "2026-11-26T00:00:00Z".into(),
                filesystem: crate::FsInfo::default(),
            },
            dataset: Dataset {
                path: "m".into(),
                files: 1,
                bytes: 10,
            },
            config: BenchConfig {
                runs: 1,
                warmup: 0,
                then: None,
                cold_method: "fadvise".into(),
                strategies: vec!["sequential".into()],
            },
            summary: Vec::new(),
            runs: vec![BenchRun {
                strategy: "sequential".into(),
                level: Some(1),
                iteration: 0,
                bytes: 10,
                warm_s: 1.0,
                load_s: None,
                total_s: 1.0,
                mib_s: 1.0,
                residency_before: Residency::default(),
                residency_after: Residency::default(),
                exit_status: 0,
                peak_rss_kib: Some(1),
                user_s: Some(0.5),
                system_s: Some(0.25),
                read_latency: Some(ReadLatency::default()),
            }],
            interrupted: false,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn older_files_without_the_new_fields_still_load() {
        let json = crate::ResultFile::Bench(current()).to_json();
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v.as_object_mut().unwrap().remove("summary");
        let run = v["runs"][0].as_object_mut().unwrap();
        for key in ["user_s", "system_s", "read_latency"] {
            assert!(run.remove(key).is_some(), "{key} is written");
        }
        let older = serde_json::to_string(&v).unwrap();
        let parsed = crate::ResultFile::parse(&older, std::path::Path::new("old.json"));
        let Ok(crate::ResultFile::Bench(b)) = parsed else {
            panic!("{parsed:?}");
        };
        assert!(b.summary.is_empty());
        let r = &b.runs[0];
        assert_eq!((r.user_s, r.system_s, r.read_latency), (None, None, None));
    }
}
