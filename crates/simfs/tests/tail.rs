//! Heavy-tailed latency: a fraction of requests take a multiple of the
//! latency, which raises the mean to `latency x (1 + fraction x (factor - 1))`
//! and shows in the per-request times of a reader with one request in flight.
//!
//! Latency 40 ms, tail 10 % x6 (mean 60 ms), stream 25 MiB/s; direct I/O, so
//! each 1 MiB `read` is one request of 40 ms transfer + latency: 100 ms on
//! average, 10 MiB/s per reader. P = 1 and 4 readers, 40 reads each (about
//! 4 s a level); the rate is the sum of each reader's own rate, so the
//! unluckiest reader does not stand for all. The share of reads slower than
//! 180 ms (normal 80 ms, slow 280 ms) must be 10 % give or take sampling noise
//! and load.
//!
//! How many of 40 requests the tail slows is itself random (4 on average,
//! 1.9 standard deviation: +-7 % of the level's time), so each sample's
//! rate is judged against the model for the slow share it drew, and the
//! draw itself by the share check.
//!
//! On top of the model, a single stream's requests take this VM's own
//! time, and more the longer they wait: 1 MiB direct requests with 10, 40
//! and 80 ms of latency took 13.5, 50.6 and 96.3 ms (medians of 40, the
//! release simfs, nothing else running); 4 KiB ones 0.7 ms more than the
//! latency. The cause is not found (the timer thread is late by 0.3-0.7 ms
//! on average). With the storage daemons up in CI, P=1 read 0.77 of the
//! model. So the tolerance is the upper bound, +-25 %, and P=4
//! (0.86-0.94) shows the rest of the curve. Re-measured as in
//! tests/model.rs; `--nocapture` shows it.

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
const TOLERANCE: f64 = 0.25;
/// Between a normal read (80 ms) and a slow one (280 ms).
const SLOW: Duration = Duration::from_millis(180);
/// The model's tail: the share of requests slowed, and by how much.
const TAIL_FRACTION: f64 = 0.1;
const TAIL_FACTOR: f64 = 6.0;
const LATENCY_S: f64 = 0.040;
/// 1 MiB at 25 MiB/s.
const TRANSFER_S: f64 = 0.040;

/// The model's mean time of a request when a share `slow` of them is slow.
fn model_read_time(slow: f64) -> f64 {
    TRANSFER_S + LATENCY_S * (1.0 + slow * (TAIL_FACTOR - 1.0))
}

/// The share of `times` slower than [`SLOW`].
fn slow_share(times: &[Duration]) -> f64 {
    times.iter().filter(|&&t| t > SLOW).count() as f64 / times.len() as f64
}

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
    let model = preload_simfs::testing::streams(40, 25)
        .tail(TAIL_FRACTION, TAIL_FACTOR)
        .no_cache(true);
    let m = TestMount::new(model.clone()).unwrap();
    let files = make_files(&m, "d", 4, READS * MIB);
    let one = Access::OneAtATime { request: MIB };

    header("tail check: latency 40ms, tail 10% x6, stream 25 MiB/s, direct I/O, 1 MiB reads");
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut misses = Vec::new();
    for p in LEVELS {
        let expected = model.expected_throughput_for(p, one).unwrap() as f64;
        let unlucky =
            (p as f64 * MIB as f64 / model_read_time(TAIL_FRACTION) / expected - 1.0).abs();
        assert!(
            unlucky < 0.01,
            "the model's mean request time is {unlucky} off"
        );
        misses.extend(check_level(&format!("P={p}"), expected, TOLERANCE, || {
            times.lock().unwrap().clear();
            let mut sample = Sample::rated(&m, || read_timed(&files[..p], &times));
            // As if this sample had drawn the model's share of slow requests.
            let drawn = slow_share(&times.lock().unwrap());
            eprintln!("P={p}: {:.1}% of reads slow", drawn * 100.0);
            sample.rate *= model_read_time(drawn) / model_read_time(TAIL_FRACTION);
            sample
        }));
    }
    eprintln!("{}", m.mounted().stats());
    // The reads of the last measurement of the last level.
    let times = times.lock().unwrap();
    let slow = slow_share(&times);
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    eprintln!(
        "{} reads: {:.1}% slower than {SLOW:?}, mean {mean:?} (model: 10%, 100ms)",
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
