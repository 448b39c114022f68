//! What the model checks share: reading files, measuring a level, and
//! measuring again when the machine is visibly overloaded (the pattern of
//! tests/model.rs: a level that misses is measured once more; while this
//! process is starved of CPU, i.e. the mount's timer is late by over 1 ms on
//! average, up to 5 times in all).

#![allow(dead_code)] // each test binary uses part of it

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use preload_simfs::testing::{TestMount, create_file, evict, resident_bytes};

pub const MIB: u64 = 1 << 20;
/// Mean timer lateness above which the machine counts as overloaded.
pub const OVERLOADED: Duration = Duration::from_millis(1);
/// Most measurements of one level (two, more only while overloaded).
pub const MAX_SAMPLES: usize = 5;

/// Reads `path` to the end with a 1 MiB buffer; returns the bytes read.
pub fn read_all(path: &Path) -> u64 {
    let mut f = File::open(path).unwrap();
    let mut buf = vec![0; MIB as usize];
    let mut total = 0;
    loop {
        match f.read(&mut buf).unwrap() {
            0 => return total,
            n => total += n as u64,
        }
    }
}

/// Creates `count` files of `len` bytes under `dir` of the backing directory
/// and returns their paths through the mount.
pub fn make_files(m: &TestMount, dir: &str, count: usize, len: u64) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let rel = format!("{dir}/f{i:04}.bin");
            create_file(&m.backing().join(&rel), len, i as u64).unwrap();
            m.path().join(rel)
        })
        .collect()
}

/// Drops `files` from the page cache and checks that nothing stayed.
pub fn evict_all(files: &[PathBuf]) {
    for f in files {
        evict(f).unwrap();
        assert_eq!(resident_bytes(f).unwrap(), 0, "{} not evicted", f.display());
    }
}

/// Reads each of `files` on its own thread, all at once; returns the bytes read.
pub fn read_concurrently(files: &[PathBuf]) -> u64 {
    let threads: Vec<_> = files
        .iter()
        .cloned()
        .map(|f| std::thread::spawn(move || read_all(&f)))
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

/// One measurement of a level.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Bytes per second of all readers together.
    pub rate: f64,
    /// Mean lateness of the mount's timer meanwhile (this process starved of CPU).
    pub late: Duration,
}

impl Sample {
    /// Times `run` (which returns the bytes it read) on mount `m`.
    pub fn of(m: &TestMount, run: impl FnOnce() -> u64) -> Self {
        let before = m.mounted().stats();
        let start = Instant::now();
        let bytes = run();
        Sample {
            rate: bytes as f64 / start.elapsed().as_secs_f64(),
            late: m.mounted().stats().mean_lateness_since(&before),
        }
    }
}

impl Sample {
    /// Runs `run`, which measures its own rate, on mount `m`.
    pub fn rated(m: &TestMount, run: impl FnOnce() -> f64) -> Self {
        let before = m.mounted().stats();
        let rate = run();
        Sample {
            rate,
            late: m.mounted().stats().mean_lateness_since(&before),
        }
    }
}

pub fn mib(rate: f64) -> f64 {
    rate / MIB as f64
}

/// Prints the header of the table [`check_level`] fills.
pub fn header(title: &str) {
    eprintln!("{title}");
    eprintln!(
        "{:>6} {:>9} {:>9} {:>6} {:>12} {:>9}",
        "level", "expected", "measured", "ratio", "retry", "late(us)"
    );
}

/// Measures a level until it is within `tolerance` of `expected` (bytes per
/// second): once more after a miss, and up to [`MAX_SAMPLES`] in all while
/// the machine is overloaded. Prints a table row; returns the miss, if any.
pub fn check_level(
    label: &str,
    expected: f64,
    tolerance: f64,
    mut measure: impl FnMut() -> Sample,
) -> Option<String> {
    let within = |s: &Sample| (s.rate / expected - 1.0).abs() <= tolerance;
    let mut samples = vec![measure()];
    if !within(&samples[0]) {
        samples.push(measure());
    }
    // A miss while this process is starved of CPU says nothing about the
    // model: wait for the machine and measure again, a bounded number of times.
    while let Some(last) = samples.last().copied()
        && !within(&last)
        && last.late > OVERLOADED
        && samples.len() < MAX_SAMPLES
    {
        eprintln!(
            "{label}: {:.1} MiB/s with the timer late by {:?} on average: machine overloaded, measuring again",
            mib(last.rate),
            last.late
        );
        std::thread::sleep(Duration::from_secs(1));
        samples.push(measure());
    }
    let (first, last) = (samples[0], samples[samples.len() - 1]);
    let retries: Vec<String> = samples[1..]
        .iter()
        .map(|s| format!("{:.1}", mib(s.rate)))
        .collect();
    eprintln!(
        "{label:>6} {:>9.1} {:>9.1} {:>6.2} {:>12} {:>9}",
        mib(expected),
        mib(first.rate),
        last.rate / expected,
        if retries.is_empty() {
            "-".to_owned()
        } else {
            retries.join("/")
        },
        last.late.as_micros(),
    );
    (!within(&last)).then(|| {
        format!(
            "{label}: {:.1} then {:.1} MiB/s, expected {:.1} +-{:.0}% (timer late by {:?} on average)",
            mib(first.rate),
            mib(last.rate),
            mib(expected),
            tolerance * 100.0,
            last.late,
        )
    })
}
