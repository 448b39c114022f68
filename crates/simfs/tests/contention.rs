//! Contention: throughput declines past the concurrency limit as
//! `min(P x stream, total) / (1 + factor x max(0, P - limit))`.
//!
//! Latency 1 ms, stream 50 MiB/s, total 200 MiB/s, contention 4:0.25: the
//! curve rises to 200 MiB/s at P = 4, then falls to 100 at P = 8 and 50 at
//! P = 16. Sequential readers on distinct files on tmpfs, each level sized to
//! last about 0.6 s (at least 4 MiB per file). Tolerance +-25 %, as
//! tests/model.rs, with its re-measuring when the machine is overloaded. Run
//! with `--nocapture` to see the table.

mod common;

use common::{MIB, Sample, check_level, evict_all, header, make_files, read_concurrently};
use preload_simfs::testing::{TestMount, require_fuse};

const LEVELS: [usize; 4] = [1, 4, 8, 16];
const TOLERANCE: f64 = 0.25;

#[test]
fn throughput_declines_past_the_contention_limit() {
    if !require_fuse() {
        return;
    }
    let model = preload_simfs::testing::capped(1, 50, 200).contention(4, 0.25);
    let m = TestMount::new(model.clone()).unwrap();
    // Warm-up, not counted: first-use costs stay out of P = 1.
    let warm = make_files(&m, "warm", 1, 4 * MIB);
    evict_all(&warm);
    read_concurrently(&warm);

    header("contention check: latency 1ms, stream 50 MiB/s, total 200 MiB/s, contention 4:0.25");
    let mut misses = Vec::new();
    for p in LEVELS {
        let expected = model.expected_throughput(p).unwrap() as f64;
        let per_file = ((expected * 0.6 / p as f64) as u64).max(4 * MIB) / MIB * MIB;
        let files = make_files(&m, &format!("p{p}"), p, per_file);
        let before = m.mounted().stats();
        misses.extend(check_level(&format!("P={p}"), expected, TOLERANCE, || {
            evict_all(&files);
            Sample::of(&m, || read_concurrently(&files))
        }));
        let stats = m.mounted().stats();
        assert!(
            stats.max_active_streams >= p as u64,
            "P={p}: only {} streams seen active",
            stats.max_active_streams
        );
        assert!(stats.bytes_served > before.bytes_served);
    }
    let stats = m.mounted().stats();
    eprintln!("{stats}");
    assert_eq!(
        stats.max_active_streams, 16,
        "one active stream per reader at most"
    );
    assert!(misses.is_empty(), "throughput off the model: {misses:?}");
}
