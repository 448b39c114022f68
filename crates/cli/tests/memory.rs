//! Memory: the guard reads the process's own memory cgroup, however nested,
//! and no flag makes the plan's memory unbounded.
//!
//! The cgroup tests create a cgroup with a 200 MiB limit, run the real binary
//! inside it and remove the cgroup afterwards. They need root and a writable
//! memory cgroup; without one they print "SKIPPED: ..." and pass.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use predicates::prelude::*;
use util::{create_size, is_root, json, preload};

const LIMIT: u64 = 200 << 20;

/// Regression (issue 10, item 6): `--chunk-size 1` planned one 24-byte chunk
/// per byte of data. Before the fix this command, on 16 MiB, grew to 430 MB
/// of RSS and had not finished after 60 s; on 64 MiB it was OOM-killed.
#[test]
fn chunk_size_1_is_refused_with_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    create_size(&dir.path().join("model.bin"), 64 << 20);
    preload()
        .args(["warm", "-q", "--chunk-size", "1"])
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid --chunk-size \"1\": the minimum is 1.0 MiB",
        ));
    preload()
        .args(["warm", "-q", "--chunk-size", "1MiB"])
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
}

/// Regression (issue 10, item 5): in a nested 200 MiB cgroup a 1 GiB warm
/// said `fits: true`, because only the top-level limit file was read. The
/// process runs in `inner`, whose parent `outer` holds the limit, below the
/// test's own (already nested) memory cgroup.
#[test]
fn a_warm_in_a_nested_200_mib_cgroup_does_not_fit_and_names_the_limit() {
    let Some(cg) = Scratch::create("nested") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        create_size(&dir.path().join(format!("shard-{i}.bin")), 256 << 20);
    }
    let script = format!(
        "echo $$ > {}/cgroup.procs && exec \"$0\" warm --json -P 4 \"$1\"",
        cg.inner.display()
    );
    let (s, stderr) = run_in_cgroup(&script, dir.path());
    let m = &s["memory"];
    eprintln!("memory check inside {}: {m}", cg.outer_path);
    assert_eq!(m["planned_bytes"], 1u64 << 30);
    assert_eq!(m["fits"], false, "a 1 GiB warm cannot fit under 200 MiB");
    assert_eq!(m["cgroup_limit_bytes"], LIMIT);
    assert_eq!(m["cgroup_path"], cg.outer_path.as_str());
    assert_eq!(m["cgroup_version"], cg.version);
    assert!(m["available_bytes"].as_u64().unwrap() <= LIMIT);
    let warned = s["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str().unwrap().contains(&format!(
            "under the 200.0 MiB limit of cgroup {}",
            cg.outer_path
        ))
    });
    assert!(warned, "no warning naming the limit: {}", s["warnings"]);
    // Said once, before reading; the summary's copy is not printed again.
    let said = stderr.matches("larger than the memory available").count();
    assert_eq!(
        said, 1,
        "the memory warning on stderr {said} times:\n{stderr}"
    );
}

/// Inside a cgroup namespace the process's cgroup is "/", the root of a
/// cgroupfs mounted in the namespace: the limit set on it must be found
/// there, as in a container with its own cgroup namespace.
#[test]
fn in_a_cgroup_namespace_the_limit_of_its_root_is_found() {
    let Some(cg) = Scratch::create("ns") else {
        return;
    };
    if Command::new("unshare").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no unshare(1) to make a cgroup namespace");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2 {
        create_size(&dir.path().join(format!("shard-{i}.bin")), 160 << 20);
    }
    // A private mount namespace, so the mounts never reach the host; the
    // process joins `outer` (the limited cgroup) before unsharing, so that
    // cgroup becomes the namespace's root.
    let mount = match cg.version {
        1 => {
            "mount -t tmpfs none /sys/fs/cgroup && mkdir /sys/fs/cgroup/memory \
             && mount -t cgroup -o memory none /sys/fs/cgroup/memory"
        }
        _ => "mount -t cgroup2 none /sys/fs/cgroup",
    };
    let script = format!(
        "echo $$ > {}/cgroup.procs && exec unshare --cgroup --mount --propagation private \
         sh -c '{mount} && exec \"$0\" warm --json -P 4 \"$1\"' \"$0\" \"$1\"",
        cg.outer.display()
    );
    let (s, _) = run_in_cgroup(&script, dir.path());
    let m = &s["memory"];
    eprintln!(
        "memory check in a namespace rooted at {}: {m}",
        cg.outer_path
    );
    assert_eq!(m["fits"], false);
    assert_eq!(m["cgroup_limit_bytes"], LIMIT);
    assert_eq!(m["cgroup_path"], "/");
    assert_eq!(m["cgroup_version"], cg.version);
}

/// Runs `sh -c script PRELOAD DIR`: its stdout parsed, and its stderr. The
/// exit code is not checked: a warm past the limit may end in any of the
/// warm codes.
fn run_in_cgroup(script: &str, dir: &Path) -> (serde_json::Value, String) {
    let out = Command::new("sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_preload")])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.code() != Some(2) && !out.stdout.is_empty(),
        "warm in the cgroup failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (
        json(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `outer` (limit 200 MiB) with `inner` below it, removed on drop.
struct Scratch {
    outer: PathBuf,
    inner: PathBuf,
    /// `outer` as /proc/self/cgroup would name it.
    outer_path: String,
    version: u8,
}

impl Scratch {
    /// v1: below the test's own memory cgroup. v2: below the root cgroup,
    /// since v2 forbids enabling controllers for the children of a cgroup
    /// that holds processes (the test's own does).
    fn create(tag: &str) -> Option<Scratch> {
        match Scratch::try_create(tag) {
            Ok(s) => Some(s),
            Err(why) => {
                eprintln!(
                    "SKIPPED: no writable memory cgroup ({why}); the cgroup guard is untested here"
                );
                None
            }
        }
    }

    fn try_create(tag: &str) -> Result<Scratch, String> {
        if !is_root() {
            return Err("not root".into());
        }
        let own = std::fs::read_to_string("/proc/self/cgroup").map_err(|e| e.to_string())?;
        let mountinfo =
            std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| e.to_string())?;
        let name = format!("preload-test-{}-{tag}", std::process::id());
        let v1 = own.lines().find_map(|l| {
            let mut p = l.splitn(3, ':');
            let (_, ctrl, path) = (p.next()?, p.next()?, p.next()?);
            ctrl.split(',')
                .any(|c| c == "memory")
                .then(|| path.to_owned())
        });
        let (version, base, base_path) = if let Some(path) = v1 {
            let (root, point) = mount_of(&mountinfo, |t, o| {
                t == "cgroup" && o.split(',').any(|x| x == "memory")
            })
            .ok_or("no v1 memory mount")?;
            let rel = Path::new(&path)
                .strip_prefix(&root)
                .map_err(|_| format!("cgroup {path} not below mount root {root}"))?;
            (1, point.join(rel), path)
        } else {
            let (root, point) =
                mount_of(&mountinfo, |t, _| t == "cgroup2").ok_or("no cgroup mount")?;
            let controllers = std::fs::read_to_string(point.join("cgroup.controllers"))
                .map_err(|e| e.to_string())?;
            if !controllers.split_whitespace().any(|c| c == "memory") {
                return Err("cgroup v2 without the memory controller".into());
            }
            std::fs::write(point.join("cgroup.subtree_control"), "+memory")
                .map_err(|e| format!("enabling memory in {}: {e}", point.display()))?;
            (2, point, root)
        };
        let outer = base.join(&name);
        std::fs::create_dir(&outer).map_err(|e| format!("mkdir {}: {e}", outer.display()))?;
        // `inner` is set once it exists, so a failure before that removes
        // only `outer`.
        let mut s = Scratch {
            inner: PathBuf::new(),
            outer,
            outer_path: format!("{}/{name}", base_path.trim_end_matches('/')),
            version,
        };
        let limit_file = if version == 1 {
            "memory.limit_in_bytes"
        } else {
            std::fs::write(s.outer.join("cgroup.subtree_control"), "+memory")
                .map_err(|e| e.to_string())?;
            "memory.max"
        };
        std::fs::write(s.outer.join(limit_file), LIMIT.to_string())
            .map_err(|e| format!("setting {limit_file}: {e}"))?;
        let inner = s.outer.join("inner");
        std::fs::create_dir(&inner).map_err(|e| format!("mkdir inner: {e}"))?;
        s.inner = inner;
        Ok(s)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for dir in [&self.inner, &self.outer] {
            if dir.as_os_str().is_empty() {
                continue;
            }
            // The warm has exited; the kernel may take a moment to let go
            // of it. The cgroup must not outlive the test.
            let mut tries = 0;
            while let Err(e) = std::fs::remove_dir(dir) {
                tries += 1;
                if tries == 50 {
                    eprintln!("could not remove cgroup {}: {e}", dir.display());
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Root and mount point of the first mount whose type and super options
/// pass `want` (mountinfo: `ID PARENT DEV ROOT POINT OPTS ... - TYPE SRC SUPER`).
fn mount_of(mountinfo: &str, want: impl Fn(&str, &str) -> bool) -> Option<(String, PathBuf)> {
    mountinfo.lines().find_map(|line| {
        let f: Vec<&str> = line.split(' ').collect();
        let dash = f.iter().position(|&x| x == "-")?;
        let (fs_type, sup) = (*f.get(dash + 1)?, *f.get(dash + 3)?);
        want(fs_type, sup).then(|| (f[3].to_owned(), PathBuf::from(f[4])))
    })
}
