//! `preload run PATH -- CMD` on simfs: CMD's exit status, the report,
//! signals passed on, and the warm stopping with CMD.

mod util;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use preload_simfs::testing::{TestMount, create_file, require_fuse, streams};
use util::preload;

const MIB: u64 = 1 << 20;

/// Slow storage: 2 ms per request, `mib_s` per stream.
fn mount(files: u64, size: u64, mib_s: u64) -> TestMount {
    let m = TestMount::new(streams(2, mib_s)).unwrap();
    for i in 0..files {
        create_file(&m.backing().join(format!("shard-{i}")), size, i).unwrap();
    }
    m
}

fn report(path: &Path) -> serde_json::Value {
    util::json(&std::fs::read(path).unwrap())
}

/// CMD reads the whole tree while the warm reads it too: preload exits with
/// CMD's status, the report has both times, the tree was cold when CMD
/// started, and the storage served the tree once (the page cache merges the
/// two readers' requests for the same pages).
#[test]
fn exits_with_the_commands_status_and_reports_warm_and_command() {
    if !require_fuse() {
        return;
    }
    let m = mount(4, 16 * MIB, 25);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.json");
    let assert = preload()
        .args(["run", "-P", "8", "--json"])
        .arg(&out)
        .arg(m.path())
        .args(["--", "sh", "-c", r#"cat "$1"/* >/dev/null; exit 7"#, "sh"])
        .arg(m.path())
        .assert()
        .code(7);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("preload run: CMD exited 7 after"),
        "{stderr}"
    );
    let r = report(&out);
    assert_eq!(r["kind"], "run");
    assert_eq!(r["exit_status"], 7);
    assert_eq!(r["command"][0], "sh");
    assert!(r["cmd_s"].as_f64().unwrap() > 0.0);
    assert!(r["warm_s"].as_f64().unwrap() > 0.0);
    // CMD starts first and may have read its first pages already.
    let at_start = r["resident_at_start"]["resident_bytes"].as_u64().unwrap();
    assert!(at_start < 8 * MIB, "{at_start} B resident when CMD started");
    assert_eq!(r["resident_at_start"]["total_bytes"], 64 * MIB);
    assert_eq!(r["warm"]["order"], "loader");
    assert_eq!(r["signals_forwarded"].as_array().unwrap().len(), 0);
    let served = m.mounted().stats().bytes_served;
    assert!(
        (64 * MIB..=64 * MIB * 11 / 10).contains(&served),
        "the storage served {served} B for a 64 MiB tree read by warm and CMD together"
    );
}

/// The shell's conventions: 127 when CMD does not exist, 126 when it
/// cannot be executed, 128 + N when signal N killed it.
#[test]
fn command_not_found_not_executable_and_killed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data"), b"x").unwrap();
    preload()
        .arg("run")
        .arg(dir.path())
        .args(["--", "/nonexistent/loader"])
        .assert()
        .code(127)
        .stderr(predicates::str::contains("cannot run /nonexistent/loader"));
    preload()
        .arg("run")
        .arg(dir.path())
        .arg("--")
        .arg(dir.path().join("data"))
        .assert()
        .code(126);
    preload()
        .args(["run", "-q"])
        .arg(dir.path())
        .args(["--", "sh", "-c", "kill -KILL $$"])
        .assert()
        .code(128 + 9)
        .stderr("");
    // No CMD is a usage error.
    preload().arg("run").arg(dir.path()).assert().code(2);
}

/// A signal sent to preload (as `kill`, Kubernetes or Slurm send it) stops
/// the warm at once and reaches CMD, whose status preload exits with.
#[test]
fn sigint_and_sigterm_stop_the_warm_and_reach_the_command() {
    if !require_fuse() {
        return;
    }
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // 256 MiB at 5 MiB/s per stream and -P 4: about 13 s to warm.
        let m = mount(4, 64 * MIB, 5);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run.json");
        // CMD exits 42 on the signal (sh runs the trap once `sleep` returns)
        // and says it is ready by creating `ready` once the trap is set.
        let ready = dir.path().join("ready");
        let script = format!(
            r#"trap "exit 42" INT TERM; : > '{}'; while :; do sleep 0.05; done"#,
            ready.display()
        );
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("preload"))
            .args(["run", "-P", "4", "--json"])
            .arg(&out)
            .arg(m.path())
            .args(["--", "sh", "-c", script.as_str()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        util::wait_until("the warm to read and CMD to set its trap", || {
            m.mounted().stats().bytes_read > 0 && ready.exists()
        });
        let (status, after) = util::signal_and_wait(&mut child, signal, Duration::from_secs(10));
        eprintln!("signal {signal}: ended {after:?} after it");
        assert_eq!(status.code(), Some(42), "signal {signal}");
        let r = report(&out);
        assert_eq!(r["signals_forwarded"], serde_json::json!([signal]));
        assert_eq!(r["exit_status"], 42);
        assert_eq!(r["warm_finished"], false);
        assert_eq!(r["warm"]["interrupted"], true);
        let served = m.mounted().stats().bytes_read;
        assert!(served < 200 * MIB, "the warm went on: {served} B requested");
    }
}

/// CMD that ends before the warm: the warm stops (it would serve nobody).
#[test]
fn the_warm_stops_when_the_command_exits() {
    if !require_fuse() {
        return;
    }
    let m = mount(4, 64 * MIB, 5);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.json");
    preload()
        .args(["run", "-P", "4", "-q", "--json"])
        .arg(&out)
        .arg(m.path())
        .args(["--", "sleep", "0.5"])
        .assert()
        .success()
        .stderr("");
    // 256 MiB at 20 MiB/s: about 13 s if the warm had gone on.
    let r = report(&out);
    assert_eq!(r["warm_finished"], false);
    assert!(r["warm"]["bytes"].as_u64().unwrap() < 256 * MIB);
}

/// Without `--chunk-size`, `--schedule` or a profile, run reads 8 MiB
/// chunks from the front (finer waves at the loader's front); the flags win.
#[test]
fn run_reads_fine_chunks_from_the_front_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a"), vec![1u8; 4 << 20]).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let warm_of = |flags: &[&str]| {
        let out = dir.path().join("run.json");
        preload()
            .env("PRELOAD_CACHE_DIR", cache.path())
            .arg("run")
            .args(flags)
            .arg("--json")
            .arg(&out)
            .arg(dir.path().join("a"))
            .args(["--", "sleep", "1"])
            .assert()
            .code(0);
        report(&out)["warm"].clone()
    };
    let warm = warm_of(&[]);
    assert_eq!(warm["chunk_size"], 8 * MIB, "{warm}");
    assert_eq!(warm["schedule"], "front", "{warm}");
    let warm = warm_of(&["--chunk-size", "2MiB", "--schedule", "spread"]);
    assert_eq!(warm["chunk_size"], 2 * MIB, "{warm}");
    assert_eq!(warm["schedule"], "spread", "{warm}");
}
