//! Fleet citizenship on simfs: `--max-rate` holds, a fleet budget is shared
//! fairly by concurrent processes, `--backoff` halves the readers when the
//! storage collapses under someone else's load.
//!
//! Rates are judged by simfs's served-bytes counter (what the storage sent),
//! sampled every 50 ms: an instrument the warm's own figures do not come from.

mod util;

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use preload_simfs::testing::{TestMount, capped, create_file, require_fuse};

use util::{json, success_json};

const MIB: u64 = 1 << 20;

/// One test at a time: each measures rates, and two at once share the CPU.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn spawn_warm(args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("preload"));
    cmd.arg("warm")
        .args(args)
        .args(["--json", "--quiet"])
        .env_remove("PRELOAD_FLEET_SIZE")
        .env_remove("SLURM_JOB_NUM_NODES")
        .env_remove("SLURM_NNODES")
        .env(
            "PRELOAD_CACHE_DIR",
            std::env::temp_dir().join("preload-fleet-test-cache"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawning preload")
}

fn finish(child: Child) -> serde_json::Value {
    success_json(&child.wait_with_output().unwrap())
}

/// Samples the mount's served bytes every 50 ms while `body` runs.
fn sampled<T>(mnt: &TestMount, body: impl FnOnce() -> T) -> (T, Vec<(Duration, u64)>) {
    let done = AtomicBool::new(false);
    let t0 = Instant::now();
    std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut v = Vec::new();
            while !done.load(Ordering::SeqCst) {
                v.push((t0.elapsed(), mnt.mounted().stats().bytes_served));
                std::thread::sleep(Duration::from_millis(50));
            }
            v.push((t0.elapsed(), mnt.mounted().stats().bytes_served));
            v
        });
        let out = body();
        done.store(true, Ordering::SeqCst);
        (out, sampler.join().unwrap())
    })
}

/// MiB/s of every 1 s window between samples, from 1 s after the first
/// served byte to 1 s before the last one (the ramp and the drain aside).
fn windows(samples: &[(Duration, u64)]) -> Vec<(f64, f64)> {
    let total = samples.last().unwrap().1;
    let first = samples.iter().find(|s| s.1 > 0).unwrap().0;
    let last = samples.iter().find(|s| s.1 == total).unwrap().0;
    let mut out = Vec::new();
    for (i, &(t, b)) in samples.iter().enumerate() {
        if t < first + Duration::from_secs(1) {
            continue;
        }
        let Some(&(t1, b1)) = samples[i..]
            .iter()
            .find(|s| s.0 >= t + Duration::from_secs(1))
        else {
            break;
        };
        if t1 + Duration::from_secs(1) > last {
            break;
        }
        let mib_s = (b1 - b) as f64 / MIB as f64 / (t1 - t).as_secs_f64();
        out.push(((t - first).as_secs_f64(), mib_s));
    }
    out
}

fn tree(root: &Path, name: &str, files: u64, size: u64, seed: u64) -> String {
    for i in 0..files {
        create_file(&root.join(name).join(format!("shard-{i}")), size, seed + i).unwrap();
    }
    name.to_string()
}

/// The cap's promise (`preload_core::rate`): the rate holds over the run,
/// and over any window the storage serves at most `rate x window` plus one
/// read call per reader, never a burst of idle credit. A stall in the FUSE
/// path (a 70 ms one was seen in CI) delays granted reads into the next
/// window, within that bound, so 1 s windows are judged by the bound and
/// their median by the 5%.
#[test]
fn max_rate_holds_within_5_percent_and_no_window_runs_ahead_by_more_than_a_call_per_reader() {
    let _serial = serial();
    if !require_fuse() {
        return;
    }
    // The storage could give 200 MiB/s; the cap is 40.
    let mnt = TestMount::new(capped(2, 25, 200)).unwrap();
    tree(mnt.backing(), "m", 4, 50 * MIB, 1);
    let dir = mnt.path().join("m");
    let readers = 8;
    let (summary, samples) = sampled(&mnt, || {
        finish(spawn_warm(
            &[
                "-P",
                &readers.to_string(),
                "--chunk-size",
                "4MiB",
                "--buffer-size",
                "1MiB",
                "--max-rate",
                "40MiB/s",
                dir.to_str().unwrap(),
            ],
            &[],
        ))
    });
    assert_eq!(summary["bytes"], 200 * MIB);
    assert_eq!(summary["pacing"]["max_rate_bytes_s"], 40 * MIB);
    let w = windows(&samples);
    eprintln!("1 s windows (start s, MiB/s): {w:.2?}");
    assert!(w.len() >= 5, "too few windows: {w:?}");
    // One 1 MiB call per reader, over a window of about 1 s.
    let call_per_reader = readers as f64;
    for &(at, mib_s) in &w {
        assert!(
            (40.0 - call_per_reader..=40.0 + call_per_reader).contains(&mib_s),
            "window at {at:.2} s: {mib_s:.2} MiB/s, more than a call per reader from 40"
        );
    }
    let mut rates: Vec<f64> = w.iter().map(|w| w.1).collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    assert!(
        (38.0..=42.0).contains(&median),
        "median window {median:.2} MiB/s, not within 5% of 40"
    );
    let whole = summary["throughput_mib_s"].as_f64().unwrap();
    assert!((38.0..=42.0).contains(&whole), "whole run {whole:.1} MiB/s");
}

#[test]
fn a_fleet_budget_is_shared_fairly_by_four_clients() {
    let _serial = serial();
    if !require_fuse() {
        return;
    }
    // 200 MiB/s of storage; a fleet budget of 100 MiB/s for 4 clients.
    let mnt = TestMount::new(capped(2, 25, 200)).unwrap();
    let dirs: Vec<String> = (0..4u64)
        .map(|c| {
            let name = tree(mnt.backing(), &format!("client-{c}"), 2, 48 * MIB, 10 * c);
            mnt.path().join(name).to_str().unwrap().to_string()
        })
        .collect();
    let ((summaries, wall), samples) = sampled(&mnt, || {
        let t = Instant::now();
        let children: Vec<Child> = dirs
            .iter()
            .map(|d| {
                spawn_warm(
                    &[
                        "-P",
                        "8",
                        "--chunk-size",
                        "4MiB",
                        "--max-rate",
                        "100MiB/s/fleet",
                        d,
                    ],
                    &[("PRELOAD_FLEET_SIZE", "4")],
                )
            })
            .collect();
        let s: Vec<serde_json::Value> = children.into_iter().map(finish).collect();
        (s, t.elapsed())
    });
    let rates: Vec<f64> = summaries
        .iter()
        .map(|s| s["throughput_mib_s"].as_f64().unwrap())
        .collect();
    for s in &summaries {
        assert_eq!(s["pacing"]["max_rate_bytes_s"], 25 * MIB);
        assert_eq!(s["pacing"]["fleet_size"], 4);
        assert_eq!(s["pacing"]["fleet_size_from"], "PRELOAD_FLEET_SIZE");
    }
    let (lo, hi) = (
        rates.iter().copied().fold(f64::MAX, f64::min),
        rates.iter().copied().fold(0.0, f64::max),
    );
    let w = windows(&samples);
    let served = samples.last().unwrap().1;
    let aggregate = w.iter().map(|w| w.1).sum::<f64>() / w.len().max(1) as f64;
    eprintln!(
        "per client MiB/s {rates:.2?}; aggregate of 1 s windows {aggregate:.2} MiB/s; \
         served {served} bytes in {wall:.2?}; windows {w:.2?}"
    );
    assert!(
        hi / lo <= 1.15,
        "clients differ by more than 15%: {rates:?}"
    );
    assert!(
        (90.0..=110.0).contains(&aggregate),
        "aggregate {aggregate:.1} MiB/s, not within 10% of the 100 MiB/s budget"
    );
}

#[test]
fn backoff_halves_the_readers_when_another_client_collapses_the_storage() {
    let _serial = serial();
    if !require_fuse() {
        return;
    }
    // Knee at 8 streams (8 x 5 = 40 MiB/s); past 8 active streams every
    // request costs 1 + 0.5 x (streams - 8) times more: 32 streams read
    // at 40 / 13 = 3 MiB/s in all (measured: about 6).
    let mnt = TestMount::new(capped(2, 5, 40).contention(8, 0.5)).unwrap();
    // Neither can finish in the test: both are stopped (SIGINT) and their
    // partial summaries say what they did.
    let a = mnt.path().join(tree(mnt.backing(), "a", 8, 32 * MIB, 1));
    let b = mnt.path().join(tree(mnt.backing(), "b", 24, 4 * MIB, 100));
    // Chunks of 8 MiB: readers above the new level stop at their next read
    // call, within the chunk (see the next test).
    let a_args = [
        "-P",
        "8",
        "--chunk-size",
        "8MiB",
        "--backoff",
        a.to_str().unwrap(),
    ];
    let child_a = spawn_warm(&a_args, &[]);
    // B starts once A has read alone for over 2 s (its peak is known).
    let t = Instant::now();
    while mnt.mounted().stats().bytes_served < 90 * MIB && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // B in path order: the loader order would first open each of its
    // extensionless files for a safetensors header (0.7 s each on this
    // storage under A's load, a few at a time), and B would still be
    // setting up when stopped: A would then collapse only under its own
    // handles (a new one per chunk, the last one's readahead still in
    // service), not under a second client.
    let child_b = spawn_warm(&["-P", "24", "--order", "path", b.to_str().unwrap()], &[]);
    // A collapse is judged over 1 s windows: 4 s of it is plenty.
    std::thread::sleep(Duration::from_secs(4));
    let (sa, sb) = (interrupt(child_a), interrupt(child_b));
    eprintln!("A: {}\nB: {}", sa["pacing"], sb["pacing"]);
    let backoffs = sa["pacing"]["backoffs"].as_array().unwrap();
    assert!(!backoffs.is_empty(), "A never backed off: {}", sa["pacing"]);
    assert_eq!(backoffs[0]["from"], 8);
    assert_eq!(backoffs[0]["to"], 4);
    let (peak, fell) = (
        backoffs[0]["peak_mib_s"].as_f64().unwrap(),
        backoffs[0]["collapsed_mib_s"].as_f64().unwrap(),
    );
    assert!(fell < peak / 3.0, "{peak} -> {fell}");
    assert!(backoffs[0]["at_s"].as_f64().unwrap() > 2.0);
    assert!(sa["parallelism"].as_u64().unwrap() <= 4);
    assert!(
        sa["warnings"][0]
            .as_str()
            .unwrap()
            .contains("backed off from -P 8 to -P 4"),
        "{}",
        sa["warnings"]
    );
    assert_eq!(sb["pacing"]["backoff"], false);
    assert!(sb["pacing"]["backoffs"].as_array().unwrap().is_empty());
}

#[test]
fn backoff_takes_effect_within_a_chunk_when_the_burst_credit_runs_out() {
    let _serial = serial();
    if !require_fuse() {
        return;
    }
    // A throttling volume: 80 MiB/s on burst credit (8 readers of 10), then
    // 16 MiB/s once 240 MiB of credit is spent (it drains at 80 - 16 = 64
    // MiB/s: after about 3.75 s). Collapsed, a reader's 16 MiB chunk takes
    // about 8 s; a read call, with the readahead queued before it, about 1 s.
    let mnt = TestMount::new(capped(2, 10, 16).burst(240 * MIB, 80 * MIB)).unwrap();
    let dir = mnt.path().join(tree(mnt.backing(), "m", 8, 48 * MIB, 7));
    let (summary, samples) = sampled(&mnt, || {
        let child = spawn_warm(
            &[
                "-P",
                "8",
                "--chunk-size",
                "16MiB",
                "--backoff",
                dir.to_str().unwrap(),
            ],
            &[],
        );
        // The credit runs out at 240 MiB; 5 s later the back-off (about
        // 1 s after) has had 4 s, the chunks in progress need about 8.
        let t = Instant::now();
        while mnt.mounted().stats().bytes_served < 240 * MIB
            && t.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_secs(5));
        interrupt(child)
    });
    let first = samples.iter().find(|s| s.1 > 0).unwrap().0;
    let collapse = samples.iter().find(|s| s.1 >= 240 * MIB).unwrap().0;
    eprintln!(
        "credit spent {:.2} s after the first byte served; A: {}",
        (collapse - first).as_secs_f64(),
        summary["pacing"]
    );
    let backoffs = summary["pacing"]["backoffs"].as_array().unwrap();
    assert!(
        !backoffs.is_empty(),
        "never backed off: {}",
        summary["pacing"]
    );
    let b = &backoffs[0];
    assert_eq!((b["from"].as_u64(), b["to"].as_u64()), (Some(8), Some(4)));
    // The readers came down to 4 before the run was stopped, some of them
    // held in the middle of a chunk: at chunk boundaries they would have
    // read on for seconds.
    assert!(b["settled_s"].as_f64().is_some(), "not settled: {b}");
    assert!(b["paused_in_chunk"].as_u64().unwrap() >= 1, "{b}");
    let warning = summary["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("backed off from -P 8 to -P 4") && warning.contains("within a chunk"),
        "{warning}"
    );
}

/// SIGINT, then the partial summary (exit 130).
fn interrupt(child: Child) -> serde_json::Value {
    // SAFETY: kill only sends a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}
