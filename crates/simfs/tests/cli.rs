//! The `preload-simfs` binary: ready line, clean unmount on SIGTERM/SIGINT,
//! stale mounts from a crashed run cleaned up with a message.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use preload_simfs::testing::{create_file, require_fuse};

const BIN: &str = env!("CARGO_BIN_EXE_preload-simfs");

fn is_mounted(path: &Path) -> bool {
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.split(' ').nth(4) == canon.to_str())
}

/// Starts the binary and waits for its `ready` line.
fn start(backing: &Path, mnt: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg(backing)
        .arg(mnt)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

fn signal(child: &Child, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill has no memory-safety preconditions; pid is our own child.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
}

fn wait(child: &mut Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        assert!(Instant::now() < deadline, "preload-simfs did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_until_signalled_then_unmounts() {
    if !require_fuse() {
        return;
    }
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let backing = tempfile::tempdir().unwrap();
        let mnt = tempfile::tempdir().unwrap();
        let ready = backing.path().join("ready");
        create_file(&backing.path().join("f"), 5000, 1).unwrap();
        let (mut child, line) = start(
            backing.path(),
            mnt.path(),
            &[
                "--latency",
                "1ms",
                "--stream-bw",
                "10MiB/s",
                "--ready-file",
                ready.to_str().unwrap(),
            ],
        );
        let canon = mnt.path().canonicalize().unwrap();
        assert_eq!(line.trim(), format!("ready {}", canon.display()));
        assert!(ready.exists(), "ready file");
        assert!(is_mounted(mnt.path()));
        assert_eq!(std::fs::read(mnt.path().join("f")).unwrap().len(), 5000);
        signal(&child, sig);
        let (code, err) = wait(&mut child);
        assert_eq!(code, 0, "exit code after signal {sig}: {err}");
        assert!(!is_mounted(mnt.path()), "still mounted after signal {sig}");
        assert!(!ready.exists(), "ready file removed on exit");
    }
}

#[test]
fn stale_mount_from_a_crash_is_cleaned() {
    if !require_fuse() {
        return;
    }
    let backing = tempfile::tempdir().unwrap();
    let mnt = tempfile::tempdir().unwrap();
    create_file(&backing.path().join("f"), 10, 1).unwrap();
    let (mut crashed, _) = start(backing.path(), mnt.path(), &[]);
    signal(&crashed, libc::SIGKILL);
    crashed.wait().unwrap();
    let stale = std::fs::read_dir(mnt.path()).unwrap_err();
    assert_eq!(stale.raw_os_error(), Some(libc::ENOTCONN), "{stale}");

    let (mut child, line) = start(backing.path(), mnt.path(), &[]);
    assert!(line.starts_with("ready "), "{line:?}");
    assert_eq!(std::fs::read(mnt.path().join("f")).unwrap().len(), 10);
    signal(&child, libc::SIGTERM);
    let (code, err) = wait(&mut child);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("stale mount"),
        "no message about the stale mount: {err}"
    );
    assert!(!is_mounted(mnt.path()));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let out = Command::new(BIN)
        .args(["/nonexistent-backing", "/tmp", "--stream-bw", "fast"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid rate"));

    let out = Command::new(BIN)
        .args(["/nonexistent-backing", "/tmp", "--burst", "1GiB@1GiB/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "burst without --total-bw");
    assert!(String::from_utf8_lossy(&out.stderr).contains("total bandwidth cap"));

    let out = Command::new(BIN)
        .args(["/nonexistent-backing", "/tmp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent-backing"));
}
