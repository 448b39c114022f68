//! Ctrl-C during a warm: a prompt, clean stop with a partial summary.

mod util;

use std::time::Duration;

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse, streams};

/// Read call of each reader: `--buffer-size`.
const CALL: u64 = 8 << 20;
/// Readers: `-P`.
const READERS: u64 = 4;
/// How long after SIGINT preload may take to exit before a test fails.
const STOP_LIMIT: Duration = Duration::from_secs(15);

/// Regression (issue 10, item 9): the run used to wait for every reader to
/// finish its current read call, so the stop took as long as one call on
/// slow storage. Readers blocked in the kernel are no longer waited for:
/// the summary is printed and the process exits.
///
/// The evidence is the storage's own count, not a clock: 8 MiB calls at
/// 5 MiB/s per stream take ~1.6 s each, and the signal comes half-way
/// through the second round of calls, so a run that waits for its readers
/// cannot exit before simfs has served both rounds; one that does not wait
/// exits with the second round still being served.
#[test]
fn sigint_stops_before_the_calls_in_flight_are_served_with_a_partial_summary() {
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
    // signal once half of the second round has been asked of simfs (4 x
    // 8 MiB, then half of that again), not at the end of a call.
    let first_round = READERS * CALL;
    util::wait_until("half of the second read calls", || {
        mnt.mounted().stats().bytes_read >= first_round + first_round / 2
    });
    let (status, stopped_after) = util::signal_and_wait(&mut child, libc::SIGINT, STOP_LIMIT);
    // Sampled as soon as the exit is seen (within the 2 ms poll).
    let served_at_exit = mnt.mounted().stats().bytes_served;
    let out = child.wait_with_output().unwrap();
    eprintln!(
        "stopped {stopped_after:?} after SIGINT, simfs had served {} MiB",
        served_at_exit >> 20
    );
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
    // The process was gone before the calls in flight at the signal (the
    // second round) were all served: it did not wait for its readers.
    assert!(
        served_at_exit < 2 * first_round,
        "simfs had served {served_at_exit} B by the exit: the second round of \
         read calls ({} B in all) was waited for",
        2 * first_round
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
    let (status, stopped_after) = util::signal_and_wait(&mut child, libc::SIGINT, STOP_LIMIT);
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
