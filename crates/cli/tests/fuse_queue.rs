//! A FUSE connection's background queue: read from fusectl, shown, and
//! advised on when the warm has more readers than the kernel keeps reading
//! ahead for (reports/2026-12-03-vm/fuse-background).

mod util;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse};
use serde_json::Value;

const MIB: u64 = 1 << 20;
const CONNECTIONS: &str = "/sys/fs/fuse/connections";

/// Whether fusectl shows connections here, mounting it (as systemd does at
/// boot) where it is not and this is root. Loud when it cannot; a failure
/// under CI=true.
fn require_fusectl() -> bool {
    let mounted = || {
        std::fs::read_to_string("/proc/self/mounts")
            .is_ok_and(|m| m.lines().any(|l| l.split(' ').nth(2) == Some("fusectl")))
    };
    if !mounted() && util::is_root() {
        let _ = Command::new("mount")
            .args(["-t", "fusectl", "none", CONNECTIONS])
            .status();
    }
    if mounted() {
        return true;
    }
    let message = format!("fusectl is not mounted at {CONNECTIONS} and cannot be mounted here");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; CI=true, so this is a failure");
    }
    eprintln!("SKIPPED: {message}");
    false
}

fn mount(model: Model) -> TestMount {
    let m = TestMount::new(model.latency(std::time::Duration::from_millis(1))).unwrap();
    for i in 0..4 {
        create_file(&m.backing().join(format!("shard-{i}")), 16 * MIB, i).unwrap();
    }
    m
}

/// The connection's own files, read here without preload: fusectl names a
/// connection by its mount's minor device number.
fn connection_of(path: &Path) -> (String, u64, u64) {
    let dev = std::fs::metadata(path).unwrap().dev();
    let minor = libc::minor(dev).to_string();
    let read = |name: &str| -> u64 {
        std::fs::read_to_string(format!("{CONNECTIONS}/{minor}/{name}"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (max, threshold) = (read("max_background"), read("congestion_threshold"));
    (minor, max, threshold)
}

fn queue_warnings(summary: &Value) -> Vec<String> {
    summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| w.contains("congestion_threshold"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_queue_shorter_than_the_readers_is_shown_and_advised_with_its_connection() {
    if !require_fuse() || !require_fusectl() {
        return;
    }
    let m = mount(Model::new().max_background(12));
    let (minor, max, threshold) = connection_of(m.path());
    assert_eq!((max, threshold), (12, 9), "simfs asked for 12, 3/4 of it");

    let summary = util::run_json(
        &["warm", "--json", "-P", "16", "--chunk-size", "4MiB"],
        m.path(),
    );
    assert_eq!(
        summary["filesystems"][0]["fuse_queue"],
        serde_json::json!({"max_background": 12, "congestion_threshold": 9}),
        "{summary}"
    );
    let advice = queue_warnings(&summary);
    assert_eq!(advice.len(), 1, "{summary}");
    assert!(
        advice[0].contains("past 9 queued, and 16 readers"),
        "{}",
        advice[0]
    );
    assert!(
        advice[0].contains(&format!("echo 85 > {CONNECTIONS}/{minor}/max_background")),
        "{}",
        advice[0]
    );

    // The text summary names the queue.
    util::preload_on(&["warm", "--no-skip-resident", "-P", "16"], m.path())
        .success()
        .stdout(predicates::str::contains(
            "FUSE queue 12 (readahead stops past 9)",
        ));

    // Two readers fit in the nine.
    let few = util::run_json(
        &["warm", "--json", "--no-skip-resident", "-P", "2"],
        m.path(),
    );
    assert!(queue_warnings(&few).is_empty(), "{few}");
}

#[test]
fn a_long_queue_is_recorded_and_not_advised_on() {
    if !require_fuse() || !require_fusectl() {
        return;
    }
    let m = mount(Model::new());
    let (_, max, threshold) = connection_of(m.path());
    assert_eq!((max, threshold), (256, 192));
    let summary = util::run_json(
        &["warm", "--json", "-P", "16", "--chunk-size", "4MiB"],
        m.path(),
    );
    assert_eq!(
        summary["filesystems"][0]["fuse_queue"]["congestion_threshold"],
        192
    );
    assert!(queue_warnings(&summary).is_empty(), "{summary}");
}

/// A profile tuned under a long queue, used on a mount whose queue is now
/// the kernel's default: warm says so (and still uses it).
#[test]
fn a_profile_tuned_under_another_queue_is_named_stale() {
    if !require_fuse() || !require_fusectl() {
        return;
    }
    let m = mount(Model::new().max_background(12));
    let summary = util::run_json(&["warm", "--json"], m.path());
    let fs = &summary["filesystems"][0];
    let cache = tempfile::tempdir().unwrap();
    let key = format!(
        "{} {}",
        fs["fs_type"].as_str().unwrap(),
        fs["source"].as_str().unwrap()
    );
    let profile = serde_json::json!({ key: {
        "fs_type": fs["fs_type"], "source": fs["source"],
        "mount_point": fs["mount_point"], "device": fs["device"],
        "parallelism": 6, "saturated": true, "confidence": 0.9, "mib_s": 500.0,
        "read_ahead_kb": fs["read_ahead_kb"],
        "fuse_queue": {"max_background": 256, "congestion_threshold": 192},
        "date": "2026-12-03T03:00:00Z", "sampled": "x",
    }});
    std::fs::write(
        cache.path().join("profiles.json"),
        serde_json::to_string(&profile).unwrap(),
    )
    .unwrap();
    let out = util::preload()
        .env("PRELOAD_CACHE_DIR", cache.path())
        .args(["warm", "--json", "--no-skip-resident"])
        .arg(m.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("under other client settings (FUSE queue 256/192 then, 12/9 now)"),
        "{stderr}"
    );
    let used = util::json(&out.stdout);
    assert_eq!(used["parallelism"], 6, "the profile is still used");
}
