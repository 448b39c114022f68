//! Ctrl-C during a warm: a prompt, clean stop with a partial summary.

mod util;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse};

#[test]
fn sigint_stops_within_a_fraction_of_a_second_with_a_partial_summary() {
    if !require_fuse() {
        return;
    }
    // 8 MiB/s per stream: the 256 MiB would take ~8 s at -P 4.
    let mnt = TestMount::new(
        Model::new()
            .latency(Duration::from_millis(2))
            .stream_bw(8 << 20),
    )
    .unwrap();
    for i in 0..4 {
        create_file(&mnt.backing().join(format!("shard-{i}")), 64 << 20, i).unwrap();
    }
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("preload"))
        .args(["warm", "--json", "-P", "4"])
        .arg(mnt.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    // SAFETY: signalling our own child by pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = sent + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "preload did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let stopped_after = sent.elapsed();
    let out = child.wait_with_output().unwrap();
    eprintln!("stopped {stopped_after:?} after SIGINT");
    assert_eq!(status.code(), Some(130));
    let s = util::json(&out.stdout);
    assert_eq!(s["interrupted"], true);
    let bytes = s["bytes"].as_u64().unwrap();
    assert!(bytes > 0 && bytes < 256 << 20, "partial: {bytes} bytes");
    // Not a speed target: finishing the warm would take ~7 more seconds, so
    // this only tells "stopped" from "ran on" (measured: ~0.1 s).
    assert!(
        stopped_after < Duration::from_secs(4),
        "took {stopped_after:?}"
    );
}
