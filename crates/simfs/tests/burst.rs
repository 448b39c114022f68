//! Burst credit: the total cap is the burst rate while credit lasts, then the
//! sustained `total-bw`; under a demand `D` the credit lasts
//! `bytes / (min(D, rate) - total)`.
//!
//! Stream 100 MiB/s, total 50 MiB/s, burst 64 MiB at 250 MiB/s, latency
//! 1 ms; 4 readers (demand 400 MiB/s) of 32 MiB files on tmpfs: 250 MiB/s for
//! 0.32 s (80 MiB), then 50 MiB/s for the remaining 48 MiB (about 1 s). The
//! bytes the mount served are sampled every 10 ms; the rate is checked in
//! each phase, away from its edges, and the whole read's duration against
//! the formula. Tolerance +-25 % as tests/model.rs; a miss is measured again
//! on a fresh mount (full credit), more often while the machine is
//! overloaded. Run with `--nocapture` to see the figures.

mod common;

use std::time::{Duration, Instant};

use common::{MAX_SAMPLES, MIB, OVERLOADED, make_files, mib, read_concurrently};
use preload_simfs::Model;
use preload_simfs::testing::{TestMount, require_fuse};

const READERS: usize = 4;
const FILE_LEN: u64 = 32 * MIB;
const TOLERANCE: f64 = 0.25;

/// One cold read of the files on a fresh mount: the bytes served over time.
struct Run {
    /// (time since start, bytes served) every 10 ms.
    trace: Vec<(Duration, u64)>,
    took: Duration,
    late: Duration,
}

impl Run {
    /// The rate served between `from` and `to`.
    fn rate(&self, from: Duration, to: Duration) -> f64 {
        let at = |t: Duration| {
            let i = self.trace.partition_point(|&(s, _)| s < t);
            self.trace[i.min(self.trace.len() - 1)]
        };
        let ((t0, b0), (t1, b1)) = (at(from), at(to));
        (b1 - b0) as f64 / (t1 - t0).as_secs_f64()
    }
}

fn run(backing: &std::path::Path, model: &Model) -> Run {
    let m = TestMount::with_backing(backing, model.clone()).unwrap();
    let files: Vec<_> = (0..READERS)
        .map(|i| m.path().join(format!("d/f{i:04}.bin")))
        .collect();
    let before = m.mounted().stats();
    let start = Instant::now();
    let reader = std::thread::spawn(move || read_concurrently(&files));
    let mut trace = Vec::new();
    while !reader.is_finished() {
        trace.push((start.elapsed(), m.mounted().stats().bytes_served));
        std::thread::sleep(Duration::from_millis(10));
    }
    let bytes = reader.join().unwrap();
    let took = start.elapsed();
    trace.push((took, m.mounted().stats().bytes_served));
    assert_eq!(bytes, READERS as u64 * FILE_LEN);
    Run {
        trace,
        took,
        late: m.mounted().stats().mean_lateness_since(&before),
    }
}

#[test]
fn burst_rate_until_the_credit_is_spent_then_the_sustained_rate() {
    if !require_fuse() {
        return;
    }
    let model = preload_simfs::testing::capped(1, 100, 50).burst(64 * MIB, 250 * MIB);
    // The files, made once; each run mounts them afresh (the credit is per mount).
    let files = TestMount::new(Model::default()).unwrap();
    make_files(&files, "d", READERS, FILE_LEN);
    let backing = files.backing().to_path_buf();

    let burst = model.expected_burst_throughput(READERS).unwrap() as f64;
    let sustained = model.expected_throughput(READERS).unwrap() as f64;
    let lasts = model.burst_duration(READERS).unwrap();
    let total = (READERS as u64 * FILE_LEN) as f64;
    let burst_bytes = burst * lasts.as_secs_f64();
    let whole = lasts.as_secs_f64() + (total - burst_bytes) / sustained;
    eprintln!(
        "burst check: {:.0} MiB/s for {lasts:?} ({:.0} MiB), then {:.0} MiB/s; whole read {whole:.2} s",
        mib(burst),
        mib(burst_bytes),
        mib(sustained)
    );

    let edge = Duration::from_millis(50);
    let expected = [burst, sustained, total / whole];
    let measured = |r: &Run| {
        [
            r.rate(edge, lasts - edge),
            r.rate(lasts + 3 * edge, r.took - edge),
            total / r.took.as_secs_f64(),
        ]
    };
    let within = |r: &Run| {
        measured(r)
            .iter()
            .zip(expected)
            .all(|(m, e)| (m / e - 1.0).abs() <= TOLERANCE)
    };
    eprintln!("{:>9} {:>9} {:>9} {:>9}", "", "burst", "after", "whole");
    let show = |label: &str, rates: [f64; 3]| {
        eprintln!(
            "{label:>9} {:>9.1} {:>9.1} {:>9.1}",
            mib(rates[0]),
            mib(rates[1]),
            mib(rates[2])
        );
    };
    show("expected", expected);
    // As check_level in common: once more after a miss, more while overloaded.
    let mut runs = vec![run(&backing, &model)];
    show("measured", measured(&runs[0]));
    while let Some(last) = runs.last()
        && !within(last)
        && (runs.len() < 2 || (last.late > OVERLOADED && runs.len() < MAX_SAMPLES))
    {
        eprintln!(
            "miss (timer late by {:?} on average), measuring again",
            last.late
        );
        std::thread::sleep(Duration::from_secs(1));
        runs.push(run(&backing, &model));
        show("again", measured(runs.last().unwrap()));
    }
    let last = runs.last().unwrap();
    assert!(
        within(last),
        "burst, sustained, whole: {:?} MiB/s, expected {:?} +-{:.0}%",
        measured(last).map(mib),
        expected.map(mib),
        TOLERANCE * 100.0
    );
}
