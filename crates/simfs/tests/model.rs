//! The model check: P readers on distinct files get min(P x stream, total).
//!
//! Latency 2 ms, stream 50 MiB/s, total 400 MiB/s; 16 files of 32 MiB on
//! tmpfs; one plain std thread per file; caches evicted before each level.
//! Tolerance +-25 % around the formula: measured here, the ratio to the
//! formula is 0.96-1.00 with the machine otherwise idle, and mostly 0.90-1.00
//! with compilers running beside it (load average 6-13 on 2 cores), with
//! single dips to 0.61-0.8. A level that misses is measured once more before
//! the test fails; while this process is visibly starved of CPU (the mount's
//! timer late by over 1 ms on average), up to 5 times in all. Run with
//! `--nocapture` to see the table.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, evict, require_fuse, resident_bytes};

const MIB: u64 = 1 << 20;
const FILE_LEN: u64 = 32 * MIB;
const LEVELS: [usize; 5] = [1, 2, 4, 8, 16];
const TOLERANCE: f64 = 0.25;
/// Mean timer lateness above which the machine counts as overloaded.
const OVERLOADED: Duration = Duration::from_millis(1);
/// Most measurements of one level (two, more only while overloaded).
const MAX_SAMPLES: usize = 5;

fn read_all(path: &Path) -> u64 {
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

/// One measurement of a level.
#[derive(Clone, Copy)]
struct Sample {
    /// Bytes per second of all readers together.
    rate: f64,
    /// Mean lateness of the mount's timer meanwhile (this process starved of CPU).
    late: Duration,
}

/// Reads `files` concurrently, one thread each, from cold.
fn measure(m: &TestMount, files: &[PathBuf]) -> Sample {
    for f in files {
        evict(f).unwrap();
        assert_eq!(resident_bytes(f).unwrap(), 0, "{} not evicted", f.display());
    }
    let before = m.mounted().stats();
    let start = Instant::now();
    let threads: Vec<_> = files
        .iter()
        .cloned()
        .map(|f| std::thread::spawn(move || read_all(&f)))
        .collect();
    let bytes: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(bytes, FILE_LEN * files.len() as u64);
    Sample {
        rate: bytes as f64 / start.elapsed().as_secs_f64(),
        late: m.mounted().stats().mean_lateness_since(&before),
    }
}

fn mib(rate: f64) -> f64 {
    rate / MIB as f64
}

#[test]
fn throughput_follows_min_of_streams_and_total() {
    if !require_fuse() {
        return;
    }
    let model = Model::new()
        .latency(Duration::from_millis(2))
        .stream_bw(50 * MIB)
        .total_bw(400 * MIB);
    let m = TestMount::new(model.clone()).unwrap();
    let files: Vec<PathBuf> = (0..16)
        .map(|i| {
            let name = format!("shard-{i:02}.bin");
            create_file(&m.backing().join(&name), FILE_LEN, i).unwrap();
            m.path().join(name)
        })
        .collect();

    // Warm-up, not counted: first-use costs (threads, buffers) stay out of P = 1.
    measure(&m, &files[15..]);

    eprintln!(
        "model check: latency 2ms, stream 50 MiB/s, total 400 MiB/s, {} x 32 MiB files",
        files.len()
    );
    eprintln!(
        "{:>3} {:>9} {:>9} {:>6} {:>9} {:>9}",
        "P", "expected", "measured", "ratio", "retry", "late(us)"
    );
    let mut misses = Vec::new();
    for p in LEVELS {
        let expected = model.expected_throughput(p).unwrap() as f64;
        let within = |s: &Sample| (s.rate / expected - 1.0).abs() <= TOLERANCE;
        let mut samples = vec![measure(&m, &files[..p])];
        if !within(&samples[0]) {
            samples.push(measure(&m, &files[..p]));
        }
        // A miss while this process is starved of CPU (its timer late by more
        // than OVERLOADED on average) says nothing about the model: wait for
        // the machine and measure again, a bounded number of times.
        while let Some(last) = samples.last().copied()
            && !within(&last)
            && last.late > OVERLOADED
            && samples.len() < MAX_SAMPLES
        {
            eprintln!(
                "P={p}: {:.1} MiB/s with the timer late by {:?} on average: machine overloaded, measuring again",
                mib(last.rate),
                last.late
            );
            std::thread::sleep(Duration::from_secs(1));
            samples.push(measure(&m, &files[..p]));
        }
        let (first, last) = (samples[0], samples[samples.len() - 1]);
        let retries: Vec<String> = samples[1..]
            .iter()
            .map(|s| format!("{:.1}", mib(s.rate)))
            .collect();
        eprintln!(
            "{p:>3} {:>9.1} {:>9.1} {:>6.2} {:>9} {:>9}",
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
        if !within(&last) {
            misses.push(format!(
                "P={p}: {:.1} then {:.1} MiB/s, expected {:.1} +-{:.0}% (timer late by {:?} on average)",
                mib(samples[0].rate),
                mib(last.rate),
                mib(expected),
                TOLERANCE * 100.0,
                last.late,
            ));
        }
    }
    let stats = m.mounted().stats();
    eprintln!(
        "{} requests, largest {} KiB, at most {} in flight, worst timer lateness {:?}, read_ahead_kb {:?}",
        stats.read_requests,
        stats.largest_request >> 10,
        stats.max_inflight_seen,
        stats.max_lateness,
        m.mounted().read_ahead_kb()
    );
    assert!(misses.is_empty(), "throughput off the model: {misses:?}");
}
