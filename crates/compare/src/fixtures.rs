//! Test fixtures: tune and bench results built from synthetic samples.

use preload_schema::testing::{bench_run, recommendation};
use preload_schema::{
    BenchConfig, BenchResult, Bucket, Budget, Dataset, Diagnostics, FsInfo, LatencySummary,
    LevelSummary, Probe, ProbePhase, ResultFile, RunContext, SCHEMA_VERSION, TuneResult,
};
use preload_stats::{Draw, seeded};

use crate::stats::median;

/// `n` throughputs spread uniformly over `center * (1 +- spread)`.
pub fn noisy(center: f64, spread: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = seeded(seed);
    (0..n)
        .map(|_| center * (1.0 + spread * (2.0 * rng.unit() - 1.0)))
        .collect()
}

fn context(fs_type: &str) -> RunContext {
    RunContext {
        host: "ci-host".into(),
        kernel: "6.1.0".into(),
        cpus: 8,
        memory_bytes: 16 << 30,
        preload_version: "0.1.0".into(),
        date: "2025-01-02T03:04:05Z".into(),
        filesystem: FsInfo {
            fs_type: fs_type.into(),
            mount_point: "/data".into(),
            ..Default::default()
        },
    }
}

fn dataset() -> Dataset {
    Dataset {
        path: "/data/models/x".into(),
        files: 4,
        bytes: 4 << 30,
    }
}

/// A tune on `fs_type` with one probe per level whose buckets have the given
/// throughputs, recommending `knee` with bootstrap knee set `knee_set`.
pub fn tune(
    fs_type: &str,
    levels: &[(usize, Vec<f64>)],
    knee: usize,
    knee_set: &[usize],
) -> ResultFile {
    let probes = levels
        .iter()
        .map(|(level, samples)| Probe {
            level: *level,
            phase: ProbePhase::Sweep,
            bytes: 0,
            elapsed_s: samples.len() as f64 * 0.25,
            resident_before: 0.0,
            buckets: samples
                .iter()
                .enumerate()
                .map(|(i, &mib_s)| Bucket {
                    start_s: i as f64 * 0.25,
                    length_s: 0.25,
                    bytes: (mib_s * 0.25 * preload_schema::MIB) as u64,
                    mib_s,
                })
                .collect(),
            steady_mib_s: median(samples),
            latency: LatencySummary::default(),
            served_bytes: 0,
            reads_per_reader: 0.0,
        })
        .collect();
    let summaries: Vec<LevelSummary> = levels
        .iter()
        .map(|(level, s)| LevelSummary {
            level: *level,
            probes: 1,
            median_mib_s: median(s),
            min_mib_s: s.iter().copied().fold(f64::INFINITY, f64::min),
            max_mib_s: s.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            cv: 0.0,
            latency_p50_ms: 1.0,
        })
        .collect();
    let at = |p: usize| {
        summaries
            .iter()
            .find(|l| l.level == p)
            .map(|l| l.median_mib_s)
    };
    let best = summaries
        .iter()
        .max_by(|a, b| a.median_mib_s.total_cmp(&b.median_mib_s))
        .cloned();
    ResultFile::Tune(TuneResult {
        schema_version: SCHEMA_VERSION,
        context: context(fs_type),
        dataset: dataset(),
        method: "read".into(),
        probes,
        comparison_probes: Vec::new(),
        recommendation: recommendation(
            knee,
            knee_set.to_vec(),
            best.map_or((knee, 0.0), |b| (b.level, b.median_mib_s)),
            at(knee).unwrap_or(0.0),
            at(1),
        ),
        levels: summaries,
        diagnostics: Diagnostics::default(),
        budget: Budget {
            time_limit_s: 60.0,
            byte_limit: 8 << 30,
            time_spent_s: 30.0,
            bytes_spent: 1 << 30,
            bytes_served: 1 << 30,
            bytes_served_late: 0,
        },
        reused_data: false,
        interrupted: false,
        warnings: vec![],
    })
}

/// A bench on `fs_type` whose strategies had runs of the given throughputs.
/// The `preload` strategy runs at level 16.
pub fn bench(fs_type: &str, strategies: &[(&str, Vec<f64>)]) -> ResultFile {
    let runs = strategies
        .iter()
        .flat_map(|(name, samples)| {
            let level = (*name == "preload").then_some(16);
            (samples.iter().enumerate())
                .map(move |(i, &mib_s)| bench_run(name, level, i, 4 << 30, mib_s))
        })
        .collect();
    ResultFile::Bench(BenchResult {
        schema_version: SCHEMA_VERSION,
        context: context(fs_type),
        dataset: dataset(),
        config: BenchConfig {
            runs: strategies.iter().map(|(_, s)| s.len()).max().unwrap_or(0),
            warmup: 0,
            then: None,
            cold_method: "drop_caches".into(),
            strategies: strategies.iter().map(|(n, _)| (*n).to_string()).collect(),
        },
        summary: Vec::new(),
        runs,
        interrupted: false,
        warnings: vec![],
    })
}
