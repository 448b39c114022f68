//! Result fixtures built as Rust values: a tune with levels 1..16 and its
//! knee at 8, a bench with sequential, xargs and preload runs and a loader
//! (`--then`), and a history with a regression.

#![allow(dead_code)]

use std::path::PathBuf;

use preload_report::ReportInput;
use preload_schema::testing::recommendation;
use preload_schema::{
    BenchConfig, BenchResult, BenchRun, Bucket, Budget, Dataset, Diagnostics, FsInfo, HistoryRow,
    LatencySummary, LevelSummary, Probe, ProbePhase, Residency, ResultFile, RunContext,
    SCHEMA_VERSION, TuneResult, UslFit,
};

pub fn context(fs_type: &str, mount_point: &str, date: &str) -> RunContext {
    RunContext {
        host: "testhost".into(),
        kernel: "6.1.0-test".into(),
        cpus: 16,
        memory_bytes: 64 * 1024 * 1024 * 1024,
        preload_version: "0.1.0".into(),
        date: date.into(),
        filesystem: FsInfo {
            fs_type: fs_type.into(),
            mount_point: mount_point.into(),
            source: "/dev/nvme0n1p2".into(),
            options: "rw,relatime,errors=remount-ro".into(),
            device: "259:2".into(),
            read_ahead_kb: Some(128),
            fuse_queue: None,
        },
    }
}

fn dataset() -> Dataset {
    Dataset {
        path: "/data/models/x".into(),
        files: 120,
        bytes: 8 * 1024 * 1024 * 1024,
    }
}

/// A tune whose throughput rises to a plateau at P=8 (`scale` MiB/s at P=1).
pub fn tune(fs_type: &str, mount_point: &str, scale: f64) -> TuneResult {
    let curve = |p: usize| -> f64 {
        // Saturating at 8, slightly lower at 16.
        let p = p as f64;
        let x = if p <= 8.0 { p } else { 8.0 - (p - 8.0) * 0.05 };
        scale * x * (1.0 - 0.04 * (x - 1.0))
    };
    let mut probes = Vec::new();
    let mut levels = Vec::new();
    for (i, level) in [1usize, 2, 4, 8, 16].into_iter().enumerate() {
        let median = curve(level);
        let buckets: Vec<Bucket> = (0..5)
            .map(|b| {
                let wiggle =
                    1.0 + 0.06 * ((b as f64) - 2.0) / 2.0 * if i % 2 == 0 { 1.0 } else { -1.0 };
                let mib_s = median * wiggle;
                Bucket {
                    start_s: 0.5 + b as f64 * 0.25,
                    length_s: 0.25,
                    bytes: (mib_s * 0.25 * 1048576.0) as u64,
                    mib_s,
                }
            })
            .collect();
        let bytes = buckets.iter().map(|b| b.bytes).sum();
        probes.push(Probe {
            level,
            phase: ProbePhase::Sweep,
            bytes,
            elapsed_s: 2.0,
            resident_before: 0.0,
            steady_mib_s: median,
            latency: LatencySummary {
                reads: 100,
                mean_ms: 1.0,
                p50_ms: 0.9,
                p99_ms: 4.0,
            },
            buckets,
            served_bytes: bytes,
            reads_per_reader: 8.0,
        });
        levels.push(LevelSummary {
            level,
            probes: 1,
            median_mib_s: median,
            min_mib_s: median * 0.94,
            max_mib_s: median * 1.06,
            cv: 0.03,
            latency_p50_ms: 0.9 + level as f64 * 0.1,
        });
    }
    let at = |p: usize| {
        levels
            .iter()
            .find(|l| l.level == p)
            .map(|l| l.median_mib_s)
            .unwrap_or(0.0)
    };
    let rec = recommendation(8, vec![4, 8], (8, at(8)), at(8), Some(at(1)));
    TuneResult {
        schema_version: SCHEMA_VERSION,
        context: context(fs_type, mount_point, "2025-06-01T10:00:00Z"),
        dataset: dataset(),
        method: "read".into(),
        probes,
        comparison_probes: Vec::new(),
        levels,
        recommendation: rec,
        diagnostics: Diagnostics {
            usl: Some(UslFit {
                lambda: scale,
                sigma: 0.02,
                kappa: 0.006,
                peak_level: Some(12.8),
                r_squared: 0.97,
            }),
            kneedle: Some(4),
            littles_law: Vec::new(),
        },
        budget: Budget {
            time_limit_s: 60.0,
            byte_limit: 4 << 30,
            time_spent_s: 21.5,
            bytes_spent: 3 << 30,
            bytes_served: 3 << 30,
            bytes_served_late: 0,
        },
        reused_data: false,
        interrupted: false,
        warnings: vec!["a test warning".into()],
    }
}

/// A bench with sequential, xargs and preload, 3 runs each, with a loader.
pub fn bench() -> BenchResult {
    let mut runs = Vec::new();
    let strategies: [(&str, Option<usize>, f64); 3] = [
        ("sequential", Some(1), 40.0),
        ("xargs", Some(8), 12.0),
        ("preload", Some(8), 7.0),
    ];
    let bytes: u64 = 8 * 1024 * 1024 * 1024;
    for (strategy, level, warm) in strategies {
        for iteration in 0..3 {
            let warm_s = warm * (1.0 + 0.05 * (iteration as f64 - 1.0));
            let load_s = 3.0 + 0.2 * iteration as f64;
            runs.push(BenchRun {
                strategy: strategy.into(),
                level,
                iteration,
                bytes,
                warm_s,
                load_s: Some(load_s),
                total_s: warm_s + load_s,
                mib_s: preload_schema::mib_per_s(bytes, warm_s),
                residency_before: Residency {
                    resident_bytes: 0,
                    total_bytes: bytes,
                    ..Default::default()
                },
                residency_after: Residency {
                    resident_bytes: bytes,
                    total_bytes: bytes,
                    ..Default::default()
                },
                exit_status: 0,
                peak_rss_kib: Some(20_000),
                user_s: None,
                system_s: None,
                read_latency: None,
            });
        }
    }
    BenchResult {
        schema_version: SCHEMA_VERSION,
        context: context("fuse.mfs", "/mnt/mfs", "2025-06-02T08:30:00Z"),
        dataset: dataset(),
        config: BenchConfig {
            runs: 3,
            warmup: 1,
            then: Some("python load_model.py".into()),
            cold_method: "drop_caches".into(),
            strategies: vec!["sequential".into(), "xargs".into(), "preload".into()],
        },
        summary: Vec::new(),
        runs,
        interrupted: false,
        warnings: Vec::new(),
    }
}

pub fn input(label: &str, source: &str, result: ResultFile) -> ReportInput {
    ReportInput {
        label: label.into(),
        source: PathBuf::from(source),
        result,
    }
}

/// Ten daily rows; the 7th regressed (throughput dropped, knee moved).
pub fn history() -> Vec<HistoryRow> {
    (0..10)
        .map(|day| {
            let regressed = day == 6;
            let knee_mib_s = if regressed {
                520.0
            } else {
                800.0 + 15.0 * f64::from(day % 3)
            };
            HistoryRow {
                date: format!("2025-06-{:02}T06:00:00Z", day + 1),
                host: "ci-runner".into(),
                fs_type: "fuse.mfs".into(),
                kind: "tune".into(),
                dataset: "/mnt/mfs/models".into(),
                knee: Some(if regressed { 16 } else { 8 }),
                knee_mib_s: Some(knee_mib_s),
                single_mib_s: Some(110.0 + 3.0 * f64::from(day % 2)),
                verdict: match day {
                    0 => "NO BASELINE".into(),
                    6 => "REGRESSED".into(),
                    _ => "WITHIN NOISE".into(),
                },
            }
        })
        .collect()
}
