//! Metadata latency: many small files are bound by it, at
//! `P x len / (meta_ops x meta_latency)` when reads cost nothing else.
//!
//! Metadata latency 10 ms, no other cost; files of 64 KiB never looked up
//! before (a fresh directory per measurement), so each costs a lookup and an
//! open: 20 ms per file, 3.125 MiB/s per reader. P = 1, 4, 16 readers, 20
//! files each (about 0.4 s a level). The reads, flushes and releases add
//! about 1-3 ms per file here, more under load, hence a latency long enough
//! to keep that within the tolerance (+-25 %, re-measured as in
//! tests/model.rs). Run with `--nocapture` to see the table.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Sample, check_level, header, make_files, read_all};
use preload_simfs::testing::{TestMount, require_fuse};
use preload_simfs::{Access, Model};

const LEVELS: [usize; 3] = [1, 4, 16];
const FILES_PER_READER: usize = 20;
const LEN: u64 = 64 * 1024;
const TOLERANCE: f64 = 0.25;

/// `readers` threads, each reading its own share of `files` one after another.
fn read_shares(files: &[PathBuf], readers: usize) -> u64 {
    let threads: Vec<_> = files
        .chunks(files.len() / readers)
        .map(|share| {
            let share = share.to_vec();
            std::thread::spawn(move || share.iter().map(|f| read_all(f)).sum::<u64>())
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

#[test]
fn small_files_are_bound_by_metadata_latency() {
    if !require_fuse() {
        return;
    }
    let meta = Duration::from_millis(10);
    let model = Model::new().meta_latency(meta);
    let m = TestMount::new(model.clone()).unwrap();
    let files = Access::SmallFiles {
        len: LEN,
        meta_ops: 2,
    };
    let attempt = AtomicUsize::new(0);

    header("metadata check: meta-latency 10ms, 64 KiB files, cold entries (lookup + open each)");
    let mut misses = Vec::new();
    let (mut meta_ops, mut files_read) = (0, 0);
    for p in LEVELS {
        let expected = model.expected_throughput_for(p, files).unwrap() as f64;
        misses.extend(check_level(&format!("P={p}"), expected, TOLERANCE, || {
            // Fresh names each time: a cached entry would cost one round trip, not two.
            let dir = format!("a{}", attempt.fetch_add(1, Ordering::Relaxed));
            let paths = make_files(&m, &dir, p * FILES_PER_READER, LEN);
            // The directory's own lookup, outside the measurement.
            std::fs::metadata(m.path().join(&dir)).unwrap();
            let before = m.mounted().stats();
            let sample = Sample::of(&m, || read_shares(&paths, p));
            meta_ops += m.mounted().stats().meta_requests - before.meta_requests;
            files_read += paths.len() as u64;
            sample
        }));
    }
    let per_file = meta_ops as f64 / files_read as f64;
    eprintln!("{per_file:.2} metadata requests per file");
    assert!(
        (1.9..2.2).contains(&per_file),
        "a cold file should cost a lookup and an open, not {per_file:.2} requests"
    );
    assert!(misses.is_empty(), "throughput off the model: {misses:?}");
}

#[test]
fn metadata_replies_wait_concurrently() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::new().meta_latency(Duration::from_millis(200))).unwrap();
    let paths = make_files(&m, "d", 8, 10);
    let in_series = make_files(&m, "s", 4, 10);
    std::fs::metadata(m.path().join("d")).unwrap();
    std::fs::metadata(m.path().join("s")).unwrap();
    // The yardstick, measured on the same mount: four lookups one after the
    // other (at least 800 ms), so a busy machine slows both sides.
    let start = Instant::now();
    for p in in_series {
        std::fs::metadata(p).unwrap();
    }
    let series = start.elapsed();
    let start = Instant::now();
    let threads: Vec<_> = paths
        .into_iter()
        .map(|p| std::thread::spawn(move || std::fs::metadata(p).unwrap()))
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let took = start.elapsed();
    // Eight lookups of 200 ms: 1.6 s in series, one latency when concurrent;
    // twice as many as the yardstick, and still faster.
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(series >= Duration::from_millis(800), "{series:?}");
    assert!(
        took < series,
        "8 at once took {took:?}, 4 in series {series:?}"
    );
}
