//! Ctrl-C during a warm: a prompt, clean stop with a partial summary.

mod util;

use std::time::{Duration, Instant};

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse, streams};

/// Regression (issue 10, item 9): the run used to wait for every reader to
/// finish its current read call, so the stop took as long as one call on
/// slow storage. Readers blocked in the kernel are no longer waited for:
/// the summary is printed and the process exits.
///
/// 8 MiB read calls at 5 MiB/s per stream take ~1.6 s each, so a run that
/// waits for its four readers almost never stops within the bound below
/// (with 1 MiB calls, ~200 ms each, it stopped after 0.13-0.21 s: too close
/// to the target to tell the designs apart).
#[test]
fn sigint_stops_within_a_fraction_of_a_second_with_a_partial_summary() {
    if !require_fuse() {
        return;
    }
    // 5 MiB/s per stream: the 256 MiB would take ~13 s at -P 4.
    let mnt = TestMount::new(streams(2, 5)).unwrap();
    for i in 0..4 {
        create_file(&mnt.backing().join(format!("shard-{i}")), 64 << 20, i).unwrap();
    }
    let mut child = util::spawn_piped(
        &["warm", "--json", "-P", "4", "--buffer-size", "8MiB"],
        mnt.path(),
    );
    // Readers start together, so their calls end together, every ~1.6 s:
    // signal half-way through the second call (4 x 8 MiB, then half of
    // that again), not at the end of one.
    util::wait_until("half of the second read calls", || {
        mnt.mounted().stats().bytes_read >= 48 << 20
    });
    let (status, stopped_after) = interrupt(&mut child);
    let out = child.wait_with_output().unwrap();
    eprintln!("stopped {stopped_after:?} after SIGINT");
    assert_eq!(
        status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = util::json(&out.stdout);
    assert_eq!(s["interrupted"], true);
    let bytes = s["bytes"].as_u64().unwrap();
    assert!(bytes > 0 && bytes < 256 << 20, "partial: {bytes} bytes");
    // Only bytes whose read call returned are counted: never more than the
    // storage itself says it sent (an instrument the figure did not come from).
    let served = mnt.mounted().stats().bytes_read;
    assert!(
        bytes <= served,
        "counted {bytes} B, simfs served {served} B"
    );
    // The target is 200 ms; the margin above it is for a loaded
    // machine. A run that waits for its readers needs up to 1.6 s here.
    assert!(
        stopped_after < Duration::from_millis(500),
        "took {stopped_after:?}"
    );
}

#[test]
fn sigint_during_a_slow_walk_stops_at_once() {
    if !require_fuse() {
        return;
    }
    // 2000 files behind 5 ms metadata round trips: the walk alone takes
    // about 20 s; reading has not begun when the signal comes.
    let mnt = TestMount::new(Model::new().meta_latency(Duration::from_millis(5))).unwrap();
    for i in 0..2000 {
        create_file(&mnt.backing().join(format!("d/f{i:04}")), 4096, i).unwrap();
    }
    let mut child = util::spawn_piped(&["warm", "--json"], mnt.path());
    util::wait_until("the walk to begin", || {
        mnt.mounted().stats().meta_requests > 10
    });
    let (status, stopped_after) = interrupt(&mut child);
    let out = child.wait_with_output().unwrap();
    eprintln!("stopped {stopped_after:?} after SIGINT during the walk");
    assert_eq!(status.code(), Some(130), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted while finding the files"),
        "{out:?}"
    );
    // The walk checks between entries and stops within a round trip or
    // two; before, it ran on for the whole walk (a lookup per file).
    let lookups = mnt.mounted().stats().meta_requests;
    assert!(
        lookups < 2000,
        "walked on after SIGINT: {lookups} metadata requests"
    );
}

/// Sends SIGINT and waits for the exit (at most 15 s): the status and the
/// time from the signal to the exit.
fn interrupt(child: &mut std::process::Child) -> (std::process::ExitStatus, Duration) {
    let sent = Instant::now();
    // SAFETY: signalling our own child by pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = sent + Duration::from_secs(15);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return (s, sent.elapsed());
        }
        assert!(
            Instant::now() < deadline,
            "preload did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}
