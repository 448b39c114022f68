//! Acceptance: `preload tune` finds the knee of storage whose knee is known.
//!
//! simfs with stream-bw S and total-bw T has throughput min(P x S, T): with
//! S = 25 MiB/s and T = 200 MiB/s the knee is at P = 8. Backing files live on
//! tmpfs so the local disk stays out of the measurement.
//!
//! Whether repeated default tunes agree, on this shape and 17 others, is a
//! measurement, not a test: `cargo xtask tune-matrix --shapes knee8 --runs 5`
//! (the tune's picks, confidence, budgets and the storage's served bytes).

use std::path::Path;
use std::time::Duration;

use preload_core::CancelToken;
use preload_schema::ProbePhase;
use preload_simfs::Model;
use preload_simfs::testing::{TestMount, capped, create_file, require_fuse};
use preload_tune::{ProbeConfig, SamplePool, TuneConfig, run_probe, tune};

const MIB: u64 = 1 << 20;

fn backing(files: usize, size: u64) -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    for i in 0..files {
        create_file(
            &dir.path().join(format!("model-{i:05}.safetensors")),
            size,
            i as u64,
        )
        .unwrap();
    }
    dir
}

fn model(stream: u64, total: u64) -> Model {
    capped(2, stream, total)
}

fn quick_tune(path: &Path, budget: u64) -> preload_schema::TuneResult {
    let mut cfg = TuneConfig::new(path);
    cfg.time_budget = Duration::from_secs(budget);
    cfg.max_level = 32;
    tune(&cfg, &CancelToken::new(), &mut |p| {
        eprintln!(
            "  probe -P {:<3} {:?} {:.1} MiB/s",
            p.level, p.phase, p.steady_mib_s
        )
    })
    .unwrap()
}

#[test]
fn knee_at_eight_is_found_and_is_near_the_best_of_a_full_sweep() {
    if !require_fuse() {
        return;
    }
    // 4 GiB: enough fresh data that byte-bound probes are long enough to be quiet.
    let data = backing(64, 64 * MIB);
    let mnt = TestMount::with_backing(data.path(), model(25, 200)).unwrap();
    let r = quick_tune(mnt.path(), 20);
    let rec = &r.recommendation;
    eprintln!(
        "recommended -P {} (confidence {:.2}, set {:?})",
        rec.parallelism, rec.confidence, rec.knee_set
    );
    assert!((6..=12).contains(&rec.parallelism), "{}", rec.verdict);
    // A pick below warm's default that would be saved is measured against
    // the default side by side: on this plateau -P 16 reads no more, so the
    // pick holds; or the tune says why it could not check.
    match &rec.default_check {
        Some(c) => assert!(
            c.holds && c.level == rec.parallelism && c.default_level == 16,
            "{c:?}"
        ),
        None => assert!(
            !rec.profile_worthy || r.warnings.iter().any(|w| w.contains("was not checked")),
            "{:?}",
            r.warnings
        ),
    }
    assert!(
        r.budget.time_spent_s <= r.budget.time_limit_s + 2.0,
        "{:?}",
        r.budget
    );
    // Every byte of the budget line is in a listed probe: the curve's, and
    // after it one probe per window of the check, per other read method and
    // per shape measured.
    let all = || r.probes.iter().chain(&r.comparison_probes);
    assert_eq!(r.budget.bytes_spent, all().map(|p| p.bytes).sum::<u64>());
    assert_eq!(
        r.budget.bytes_served,
        all().map(|p| p.served_bytes.max(p.bytes)).sum::<u64>() + r.budget.bytes_served_late
    );
    let phases = |phase| {
        r.comparison_probes
            .iter()
            .filter(|p| p.phase == phase)
            .count()
    };
    assert_eq!(
        phases(ProbePhase::Method),
        rec.methods.len().saturating_sub(1)
    );
    assert_eq!(
        phases(ProbePhase::Shape),
        rec.chunks.len().saturating_sub(1)
    );
    assert_eq!(
        phases(ProbePhase::Check) > 0,
        rec.default_check.is_some(),
        "{:?}",
        r.comparison_probes
    );
    assert_eq!(
        phases(ProbePhase::Check) + phases(ProbePhase::Method) + phases(ProbePhase::Shape),
        r.comparison_probes.len()
    );

    // A full sweep in the same test, each level on its own fresh data.
    let walked = preload_core::walk::walk(&[mnt.path().to_owned()], &Default::default()).unwrap();
    let mut pool = SamplePool::new(walked.files, 8 * MIB, 99);
    let probe_cfg = ProbeConfig {
        method: preload_core::ReadMethod::Read,
        buffer_size: 1 << 20,
        duration: Duration::from_millis(1500),
        byte_limit: 400 * MIB,
        guard: 2 * MIB,
    };
    let mut measure = |level: usize| {
        if pool.remaining_units() < 4 * level {
            pool.refill();
        }
        let p = run_probe(
            &mut pool,
            level,
            ProbePhase::Sweep,
            &probe_cfg,
            &CancelToken::new(),
        );
        eprintln!("  sweep -P {level:<3} {:.1} MiB/s", p.steady_mib_s);
        p.steady_mib_s
    };
    let sweep: Vec<(usize, f64)> = [1, 2, 4, 8, 16, 32, rec.parallelism]
        .into_iter()
        .map(|level| (level, measure(level)))
        .collect();
    let (best_level, best) = sweep[..6]
        .iter()
        .copied()
        .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let at_rec = sweep[6].1;
    eprintln!(
        "throughput at -P {}: {at_rec:.1} MiB/s, best {best:.1} MiB/s at -P {best_level}",
        rec.parallelism
    );
    if at_rec >= 0.9 * best {
        return;
    }
    // One probe of a level on this 2-core machine can differ from the next
    // of the same level by 20% (CI measured -P 8 at 182.5 then 147.6), and
    // the best of six single probes is biased high. After a miss, both
    // levels are measured twice more, alternately, and judged by their
    // medians: a pick that is truly short of the plateau still fails.
    let mut rec_runs = vec![at_rec];
    let mut best_runs = vec![best];
    for _ in 0..2 {
        rec_runs.push(measure(rec.parallelism));
        best_runs.push(measure(best_level));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[1]
    };
    let (rec_median, best_median) = (median(&mut rec_runs), median(&mut best_runs));
    assert!(
        rec_median >= 0.9 * best_median,
        "-P {}: median {rec_median:.1} < 90% of -P {best_level}'s {best_median:.1} MiB/s \
         ({rec_runs:.1?} vs {best_runs:.1?}): {sweep:?}",
        rec.parallelism
    );
}

#[test]
fn storage_without_parallel_gain_gets_one_or_two_readers() {
    if !require_fuse() {
        return;
    }
    let data = backing(16, 32 * MIB);
    let mnt = TestMount::with_backing(data.path(), model(40, 40)).unwrap();
    let r = quick_tune(mnt.path(), 10);
    assert!(
        (1..=2).contains(&r.recommendation.parallelism),
        "{}",
        r.recommendation.verdict
    );
}

/// Readahead in flight when a probe stops lands after it: simfs serves it,
/// the page cache shows it only once it has landed. The pool finds it one
/// probe later and after the last one (`SamplePool::settle`), so what the
/// probes report comes to what the storage served. Measured at the stops
/// alone, slow streams like these missed 7-30% per probe.
#[test]
fn readahead_landing_after_a_stop_is_counted() {
    if !require_fuse() {
        return;
    }
    // 6 MiB/s streams: a 1 MiB read-ahead request takes ~170 ms to serve.
    let data = backing(8, 64 * MIB);
    let mnt = TestMount::with_backing(data.path(), model(6, 48)).unwrap();
    let walked = preload_core::walk::walk(&[mnt.path().to_owned()], &Default::default()).unwrap();
    let mut pool = SamplePool::new(walked.files, 8 * MIB, 1);
    let probe_cfg = ProbeConfig {
        method: preload_core::ReadMethod::Read,
        buffer_size: 1 << 20,
        duration: Duration::from_secs(2),
        byte_limit: 40 * MIB,
        guard: 2 * MIB,
    };
    let before = mnt.mounted().stats().bytes_served;
    let mut reported = 0;
    for _ in 0..3 {
        let p = run_probe(
            &mut pool,
            8,
            ProbePhase::Sweep,
            &probe_cfg,
            &CancelToken::new(),
        );
        reported += p.served_bytes.max(p.bytes);
    }
    pool.settle(Duration::from_secs(1));
    let storage = mnt.mounted().stats().bytes_served - before;
    let total = reported + pool.landed_late;
    eprintln!(
        "storage served {} MiB; probes at their stops {} MiB, landed after {} MiB",
        storage >> 20,
        reported >> 20,
        pool.landed_late >> 20
    );
    assert!(pool.landed_late > 0, "nothing landed after a stop");
    assert!(
        total as f64 >= 0.95 * storage as f64 && total <= storage,
        "reported {total} of {storage} bytes served"
    );
}
