//! Heavy-tailed latency: a fraction of requests take a multiple of the
//! latency, which raises the mean to `latency x (1 + fraction x (factor - 1))`
//! and shows in the per-request times of a reader with one request in flight.
//!
//! Latency 10 ms, tail 10 % x6 (mean 15 ms), stream 50 MiB/s; direct I/O, so
//! each 1 MiB `read` is one request of 20 ms transfer + latency: 35 ms on
//! average, 28.6 MiB/s per reader. P = 1 and 4 readers, 40 reads each (about
//! 1.4 s a level); the rate is the sum of each reader's own rate, so the
//! unluckiest reader does not stand for all. Tolerance +-20 % (the number of
//! slow requests among 40-160 varies by itself by about 5-8 %); the share of
//! reads slower than 55 ms (normal 30 ms, slow 80 ms) must be 10 % give or
//! take sampling noise and load. Re-measured as in tests/model.rs;
//! `--nocapture` shows it.

mod common;

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{MIB, Sample, check_level, header, make_files};
use preload_simfs::Access;
use preload_simfs::testing::{TestMount, require_fuse};

const LEVELS: [usize; 2] = [1, 4];
const READS: u64 = 40;
const PAGE: u64 = 4096;
const TOLERANCE: f64 = 0.20;
/// Between a normal read (30 ms) and a slow one (80 ms).
const SLOW: Duration = Duration::from_millis(55);

/// Reads `files` concurrently, 1 MiB per `read`, recording each read's time;
/// returns the sum of the readers' rates (so that the unluckiest reader,
/// still busy after the others, does not stand for all of them).
fn read_timed(files: &[PathBuf], times: &Arc<Mutex<Vec<Duration>>>) -> f64 {
    let threads: Vec<_> = files
        .iter()
        .cloned()
        .map(|path| {
            let times = Arc::clone(times);
            std::thread::spawn(move || {
                let mut f = File::open(path).unwrap();
                // Page-aligned: an unaligned 1 MiB buffer spans 257 pages, one
                // more than a FUSE request carries, and each read would be two.
                let mut raw = vec![0u8; (MIB + PAGE) as usize];
                let skip = raw.as_ptr().align_offset(PAGE as usize);
                let buf = &mut raw[skip..skip + MIB as usize];
                let mut total = 0u64;
                let began = Instant::now();
                loop {
                    let start = Instant::now();
                    let n = f.read(buf).unwrap();
                    if n == 0 {
                        return total as f64 / began.elapsed().as_secs_f64();
                    }
                    times.lock().unwrap().push(start.elapsed());
                    total += n as u64;
                }
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

#[test]
fn a_tail_fraction_of_requests_is_slow_and_the_mean_follows() {
    if !require_fuse() {
        return;
    }
    let model = preload_simfs::testing::streams(10, 50)
        .tail(0.1, 6.0)
        .no_cache(true);
    let m = TestMount::new(model.clone()).unwrap();
    let files = make_files(&m, "d", 4, READS * MIB);
    let one = Access::OneAtATime { request: MIB };

    header("tail check: latency 10ms, tail 10% x6, stream 50 MiB/s, direct I/O, 1 MiB reads");
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut misses = Vec::new();
    for p in LEVELS {
        let expected = model.expected_throughput_for(p, one).unwrap() as f64;
        misses.extend(check_level(&format!("P={p}"), expected, TOLERANCE, || {
            times.lock().unwrap().clear();
            Sample::rated(&m, || read_timed(&files[..p], &times))
        }));
    }
    eprintln!("{}", m.mounted().stats());
    // The reads of the last measurement of the last level.
    let times = times.lock().unwrap();
    let slow = times.iter().filter(|&&t| t > SLOW).count() as f64 / times.len() as f64;
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    eprintln!(
        "{} reads: {:.1}% slower than {SLOW:?}, mean {mean:?} (model: 10%, 35ms)",
        times.len(),
        slow * 100.0
    );
    // 160 reads: the slow share's standard deviation is 2.4 points.
    assert!(
        (0.03..=0.2).contains(&slow),
        "{:.1}% of reads were slow, the tail says 10%",
        slow * 100.0
    );
    assert!(misses.is_empty(), "throughput off the model: {misses:?}");
}
