//! Benchmark (a measurement, not a test): `-P auto` against fixed levels on
//! simfs curves whose knee is known, and on local files; minutes of I/O.
//!
//!     cargo run --release -p preload-tune --example auto_bench
//!
//! Every warm starts from an evicted cache and holds `/tmp/preload-measure.lock`
//! (the lock `flock(1)` users share), rounds interleave the configurations,
//! and the table shows medians of `AUTO_BENCH_ROUNDS` (default 5) rounds.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use preload_core::{Controller, FixedLevel, Warmer};
use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, evict, require_fuse};
use preload_tune::{AutoController, stats};

const MIB: u64 = 1 << 20;

/// One storage to warm, and the levels to compare `-P auto` with.
struct Case {
    name: &'static str,
    files: Vec<PathBuf>,
    fixed: &'static [usize],
}

fn backing(dir: &Path, files: usize) -> Vec<PathBuf> {
    (0..files)
        .map(|i| create_file(&dir.join(format!("f{i:02}.bin")), 64 * MIB, i as u64).unwrap())
        .collect()
}

fn model(stream: u64, total: u64) -> Model {
    Model::new()
        .latency(Duration::from_millis(2))
        .stream_bw(stream * MIB)
        .total_bw(total * MIB)
}

/// Warms `files` from cold with `controller`: (MiB/s, level used).
fn warm(files: &[PathBuf], controller: Box<dyn Controller>) -> (f64, usize) {
    let lock = File::create("/tmp/preload-measure.lock").unwrap();
    lock.lock().unwrap();
    for f in files {
        evict(f).unwrap();
    }
    let summary = Warmer::new(files).controller(controller).run().unwrap();
    (summary.throughput_mib_s, summary.parallelism)
}

fn main() {
    if !require_fuse() {
        std::process::exit(1);
    }
    let rounds: usize = std::env::var("AUTO_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let shm = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let all = backing(shm.path(), 32);
    let local_dir = tempfile::tempdir_in("/var/tmp").unwrap();
    let local = backing(local_dir.path(), 8);
    let mounts = [
        ("simfs 25/200 (knee 8)", model(25, 200), 32, &[4, 8, 16][..]),
        ("simfs 50/50 (flat)", model(50, 50), 8, &[1, 16][..]),
        ("simfs 10/320 (knee 32)", model(10, 320), 32, &[16, 32][..]),
    ]
    .map(|(name, m, n, fixed)| {
        (
            name,
            TestMount::with_backing(shm.path(), m).unwrap(),
            n,
            fixed,
        )
    });
    let mut cases: Vec<Case> = mounts
        .iter()
        .map(|(name, mount, n, fixed)| Case {
            name,
            files: all[..*n]
                .iter()
                .map(|f| mount.path().join(f.file_name().unwrap()))
                .collect(),
            fixed,
        })
        .collect();
    cases.push(Case {
        name: "local /var/tmp (flat)",
        files: local,
        fixed: &[16],
    });
    // results[case][0] is auto, then the fixed levels: (MiB/s, level) per round.
    let mut results: Vec<Vec<Vec<(f64, usize)>>> = cases
        .iter()
        .map(|c| vec![Vec::new(); c.fixed.len() + 1])
        .collect();
    for round in 0..rounds {
        for (c, case) in cases.iter().enumerate() {
            let r = warm(&case.files, Box::new(AutoController::for_warm(128, None)));
            eprintln!(
                "round {round} {} auto: {:.1} MiB/s at {}",
                case.name, r.0, r.1
            );
            results[c][0].push(r);
            for (i, &p) in case.fixed.iter().enumerate() {
                let r = warm(&case.files, Box::new(FixedLevel(p)));
                eprintln!("round {round} {} -P {p}: {:.1} MiB/s", case.name, r.0);
                results[c][i + 1].push(r);
            }
        }
    }
    println!("| storage | -P | median MiB/s | levels used |");
    println!("|---|---|---|---|");
    for (case, res) in cases.iter().zip(&results) {
        let labels =
            std::iter::once("auto".to_string()).chain(case.fixed.iter().map(|p| p.to_string()));
        for (label, runs) in labels.zip(res) {
            let mib: Vec<f64> = runs.iter().map(|r| r.0).collect();
            let levels: Vec<usize> = runs.iter().map(|r| r.1).collect();
            println!(
                "| {} | {label} | {:.1} | {levels:?} |",
                case.name,
                stats::median(&mib)
            );
        }
    }
}
