//! Many warms of one tree on one node: later ones join the first
//! (`preload_core::join`), judged by what simfs served and the most
//! requests it had outstanding at once.

mod util;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse};
use util::{json, preload};

const MIB: u64 = 1 << 20;
const TREE: u64 = 64 * MIB;
/// The first warm's flags: slowed down (4 s for the tree), so that it is
/// still reading when the second starts, or is killed, on a busy machine.
const LEADER: &[&str] = &["--max-rate", "16MiB/s"];

/// 4 x 16 MiB at 12 MiB/s per stream: over a second at -P 4, long
/// enough for a second warm to start while the first reads.
fn mount() -> TestMount {
    let m = TestMount::new(
        Model::new()
            .latency(Duration::from_millis(2))
            .stream_bw(12 * MIB),
    )
    .unwrap();
    for i in 0..4 {
        create_file(&m.backing().join(format!("shard-{i}")), TREE / 4, i).unwrap();
    }
    m
}

/// A `preload warm -P 4 --json` of the mount, started in the background.
fn start_warm(m: &TestMount, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_preload"))
        .args(["warm", "-P", "4", "--json"])
        .args(extra)
        .arg(m.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Returns once the storage has served a chunk's worth: the first warm
/// reads (planning reads a few bytes of each file for safetensors headers).
fn until_reading(m: &TestMount) {
    while m.mounted().stats().bytes_served < 2 * MIB {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Reads `child`'s stderr until a line says it joins; returns that line.
/// The rest is drained by a thread: a warm that writes a warning later
/// (this host's reclaim makes it say "evicted under memory pressure") must
/// not find its stderr closed.
fn until_joining(child: &mut Child) -> String {
    let stderr = child.stderr.take().unwrap();
    let mut said = String::new();
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("joining the warm") {
            std::thread::spawn(move || lines.for_each(drop));
            return line;
        }
        said += &line;
    }
    panic!("the second warm never said it joins: {said}");
}

/// The peak of requests outstanding when one warm reads the tree alone, at
/// full speed like the follower's pass (the paced leader keeps fewer).
fn one_warm_peak() -> u64 {
    let m = mount();
    preload()
        .args(["warm", "-q", "-P", "4"])
        .arg(m.path())
        .assert()
        .success();
    m.mounted().stats().max_outstanding
}

#[test]
fn a_second_warm_of_the_tree_joins_the_first() {
    if !require_fuse() {
        return;
    }
    let alone = one_warm_peak();
    let m = mount();
    let first = start_warm(&m, LEADER);
    until_reading(&m);
    let mut second = start_warm(&m, &[]);
    let said = until_joining(&mut second);
    assert!(said.contains(&format!("(pid {})", first.id())), "{said}");
    let first_pid = first.id();
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    assert!(first.status.success() && second.status.success());
    let (leader, follower) = (json(&first.stdout), json(&second.stdout));
    assert!(leader["joined"].is_null(), "{leader:#}");
    assert_eq!(follower["joined"]["leader_pid"], first_pid);
    let resident = follower["residency"]["resident_bytes"].as_u64().unwrap();
    assert!(util::nearly_all(resident, TREE), "{follower:#}");
    // Not all of TREE: on a busy machine reclaim takes a few pages between
    // the leader's end and the follower's check, and their chunks are read.
    assert!(follower["resident_skipped_bytes"].as_u64().unwrap() <= TREE);
    let stats = m.mounted().stats();
    assert!(
        stats.bytes_served <= TREE * 11 / 10,
        "the storage served {} B for a {TREE} B tree",
        stats.bytes_served
    );
    // The follower started no reader while the leader read: one warm's
    // requests at once, give or take readahead's variation (a second warm
    // reading alongside doubles the peak: 16-17 against 6-8 measured).
    assert!(
        stats.max_outstanding <= alone * 5 / 4 + 1,
        "peak {} requests outstanding, one warm alone {alone}",
        stats.max_outstanding
    );
}

#[test]
fn a_follower_finishes_the_tree_when_the_leader_dies() {
    if !require_fuse() {
        return;
    }
    let m = mount();
    let mut first = start_warm(&m, LEADER);
    until_reading(&m);
    let mut second = start_warm(&m, &[]);
    until_joining(&mut second);
    let leader_pid = first.id();
    first.kill().unwrap();
    first.wait().unwrap();
    let second = second.wait_with_output().unwrap();
    assert!(second.status.success(), "{second:?}");
    let s = json(&second.stdout);
    assert_eq!(s["joined"]["leader_pid"], leader_pid, "{s:#}");
    let resident = s["residency"]["resident_bytes"].as_u64().unwrap();
    assert!(util::nearly_all(resident, TREE), "{s:#}");
    let served = m.mounted().stats().bytes_served;
    assert!(
        (TREE..=TREE * 11 / 10).contains(&served),
        "the storage served {served} B for a {TREE} B tree"
    );
}

#[test]
fn no_join_reads_alongside() {
    if !require_fuse() {
        return;
    }
    let m = mount();
    let first = start_warm(&m, &[]);
    until_reading(&m);
    let second = start_warm(&m, &["--no-join"]).wait_with_output().unwrap();
    first.wait_with_output().unwrap();
    assert!(second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!stderr.contains("joining"), "{stderr}");
    assert!(json(&second.stdout)["joined"].is_null());
}

/// `preload run` joins too, and its CMD's exit ends the wait: CMD does
/// not wait for the leader's warm.
#[test]
fn a_run_joins_and_stops_waiting_when_its_command_exits() {
    if !require_fuse() {
        return;
    }
    let m = mount();
    // Slower still: 8 s for the tree, killed once the run is done.
    let mut first = start_warm(&m, &["--max-rate", "8MiB/s"]);
    until_reading(&m);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("run.json");
    let out = preload()
        .args(["run", "-P", "4", "--json"])
        .arg(&report)
        .arg(m.path())
        // Long enough for the run to plan and start waiting.
        .args(["--", "sh", "-c", "sleep 3; exit 3"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        first.try_wait().unwrap().is_none(),
        "the leader had finished: nothing was joined ({stderr})"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(stderr.contains("joining the warm"), "{stderr}");
    let r = json(&std::fs::read(&report).unwrap());
    assert!(r["warm"]["joined"].is_object(), "{r:#}");
    assert_eq!(r["warm_finished"], false, "{r:#}");
}
