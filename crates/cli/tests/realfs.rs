//! `preload` on real distributed filesystems: MooseFS, GlusterFS and sshfs
//! (default options, and `-o kernel_cache`), on loopback.
//!
//! The mounts come from `.ci/realfs.sh up` (or `cargo xtask realfs up FS`),
//! then `source target/realfs/env.sh` (or `eval "$(cargo xtask realfs env)"`)
//! exports `PRELOAD_REALFS_MOOSEFS`, `_GLUSTERFS`, `_SSHFS` and
//! `_SSHFS_CACHE`. A test whose variable is unset is skipped loudly, except
//! in CI (`CI=true`), where a missing mount is a failure.
//!
//! Each test writes a small model tree (4 x 32 MiB shards and a few small
//! files) into a fresh folder of the mount, evicts it, checks it is cold,
//! warms it with `preload warm --json` and checks what the filesystem
//! allows: everything resident (checked by `preload status` and by an
//! independent mincore) on the mounts that keep the page cache, exit 3 with
//! a `kernel_cache` warning on sshfs with default options. MooseFS and
//! GlusterFS also run a short `preload tune`. The folder is removed at the
//! end, even when a check fails.

mod util;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use util::{json, mincore_resident, preload, run_json};

/// Shard size and count of the model tree.
const SHARD: usize = 32 << 20;
const SHARDS: usize = 4;

/// One test at a time: the loopback servers share 2 cores, and a tune
/// measured while another test writes would measure that test.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The mount named by `var`, or `None` (test skipped) when it is unset
/// outside CI. Panics in CI, where every mount must be up.
fn mount(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => {
            let p = PathBuf::from(v);
            assert!(
                p.is_dir(),
                "{var}={} is not a directory: is the mount up?",
                p.display()
            );
            Some(p)
        }
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "realfs mount missing in CI: {var} is unset (run `.ci/realfs.sh up` \
             and source target/realfs/env.sh before `cargo test`)"
        ),
        _ => {
            eprintln!(
                "\n*** SKIPPED: {var} is unset, so this real-filesystem test did not run. \
                 Run `.ci/realfs.sh up && source target/realfs/env.sh` first. ***\n"
            );
            None
        }
    }
}

/// A model tree in a fresh folder of a mount; removed on drop.
struct Tree {
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Tree {
    /// Writes the tree under `mnt` with real (non-sparse, non-repeating per
    /// MiB) data, synced.
    fn write(mnt: &Path, tag: &str) -> Tree {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = mnt.join(format!(
            "preload-realfs-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        let mut tree = Tree {
            dir,
            files: Vec::new(),
        };
        let model = tree.dir.join("model");
        std::fs::create_dir(&model).unwrap();
        let mut chunk = vec![0u8; 1 << 20];
        for i in 0..SHARDS {
            let name = format!("model-{:05}-of-{SHARDS:05}.safetensors", i + 1);
            let seed = i * 131;
            tree.put(&model.join(name), SHARD, seed, &mut chunk);
        }
        let small = [
            ("config.json", 700),
            ("generation_config.json", 150),
            ("tokenizer.json", 2 << 20),
            ("tokenizer_config.json", 9000),
        ];
        for (name, size) in small {
            tree.put(&model.join(name), size, 7, &mut chunk);
        }
        tree
    }

    /// Writes `size` bytes of [`fill`] data to `path`, a new seed per MiB.
    fn put(&mut self, path: &Path, size: usize, seed: usize, chunk: &mut [u8]) {
        let mut f = File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        let mut left = size;
        let mut mib = 0;
        while left > 0 {
            let n = left.min(chunk.len());
            fill(&mut chunk[..n], seed + mib);
            f.write_all(&chunk[..n])
                .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            left -= n;
            mib += 1;
        }
        f.sync_all().unwrap();
        // A fixed whole-second mtime, set after the last write: sshfs (SFTP
        // v3, whole seconds, attributes cached 20 s) could otherwise report
        // a newer mtime a few seconds later than it did right after the
        // write, and the kernel would then drop the warmed pages (as it must
        // for a file that changed). Real weights are not warmed mid-write.
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
            .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
        self.files.push(path.to_path_buf());
    }

    fn total(&self) -> u64 {
        self.files
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("warning: could not remove {}: {e}", self.dir.display());
        }
    }
}

/// Cheap pseudo-random bytes (xorshift), different for every `seed`.
fn fill(buf: &mut [u8], seed: usize) {
    let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for word in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        word.copy_from_slice(&b[..word.len()]);
    }
}

/// `preload status DIR --json`: (resident, total) bytes.
fn status(dir: &Path) -> (u64, u64) {
    let s = run_json(&["status", "--json"], dir);
    let resident = s["total"]["resident_bytes"]
        .as_u64()
        .expect("resident_bytes");
    let total = s["total"]["total_bytes"].as_u64().expect("total_bytes");
    (resident, total)
}

/// Evicts the tree and checks it is cold (at most 5% resident).
fn evict_cold(tree: &Tree, fs: &str) {
    preload()
        .args(["evict", "--json"])
        .arg(&tree.dir)
        .assert()
        .success();
    let (resident, total) = status(&tree.dir);
    assert_eq!(total, tree.total(), "{fs}: status total_bytes");
    assert!(
        resident * 20 <= total,
        "{fs}: not cold after `preload evict`: {resident} of {total} bytes resident"
    );
    eprintln!("{fs}: after evict {resident} of {total} bytes resident");
}

/// `preload warm DIR --json`, expecting exit `code`; returns the summary.
fn warm(dir: &Path, code: i32, fs: &str) -> serde_json::Value {
    let t = Instant::now();
    let out = preload()
        .args(["warm", "--json"])
        .arg(dir)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    let s = json(&out);
    eprintln!(
        "{fs}: warm exit {code} in {:.2} s: {} bytes at {:.0} MiB/s, -P {}, pages_retained {}, \
         residency {}/{}, fs_type {}",
        t.elapsed().as_secs_f64(),
        s["bytes"],
        s["throughput_mib_s"].as_f64().unwrap_or(f64::NAN),
        s["parallelism"],
        s["pages_retained"],
        s["residency"]["resident_bytes"],
        s["residency"]["total_bytes"],
        s["filesystems"][0]["fs_type"],
    );
    s
}

/// The whole check on a mount that keeps the page cache.
fn warm_retains(var: &str, fs: &str, fs_type: &str, tune: bool) {
    let Some(mnt) = mount(var) else { return };
    let _serial = serial();
    let t = Instant::now();
    let tree = Tree::write(&mnt, fs);
    eprintln!(
        "{fs}: wrote {} bytes in {:.2} s",
        tree.total(),
        t.elapsed().as_secs_f64()
    );
    evict_cold(&tree, fs);

    let s = warm(&tree.dir, 0, fs);
    assert_eq!(s["files"], tree.files.len(), "{fs}: files");
    assert_eq!(s["files_read"], tree.files.len(), "{fs}: files_read");
    assert_eq!(s["bytes"], tree.total(), "{fs}: bytes");
    assert_eq!(s["pages_retained"], true, "{fs}: pages_retained: {s}");
    let found = &s["filesystems"][0];
    let source = found["source"].as_str().unwrap_or_default();
    // mfsmount (3.x/4.x) mounts as plain `fuse`, source `mfs#HOST:PORT`.
    let mfs_as_fuse =
        fs_type == "fuse.mfs" && found["fs_type"] == "fuse" && source.starts_with("mfs#");
    assert!(
        found["fs_type"] == fs_type || mfs_as_fuse,
        "{fs}: expected {fs_type}, filesystems: {}",
        s["filesystems"]
    );

    let (resident, total) = status(&tree.dir);
    eprintln!(
        "{fs}: status after warm {resident} of {total} bytes ({:.1}%)",
        100.0 * resident as f64 / total as f64
    );
    assert!(
        resident as f64 >= 0.95 * total as f64,
        "{fs}: `preload status` after warm: {resident} of {total} bytes resident"
    );
    for p in &tree.files {
        let len = std::fs::metadata(p).unwrap().len();
        let res = mincore_resident(p);
        assert!(
            res as f64 >= 0.95 * len as f64,
            "{fs}: mincore: {} has {res} of {len} bytes resident",
            p.display()
        );
    }

    if tune {
        check_tune(&tree.dir, fs);
        check_bench(&tree.dir, fs);
    }
}

/// `preload bench` runs every strategy from a cold cache on the mount.
fn check_bench(dir: &Path, fs: &str) {
    let out_dir = tempfile::tempdir().unwrap();
    let result = out_dir.path().join("bench.json");
    preload()
        .args([
            "bench",
            "--runs",
            "1",
            "--levels",
            "4",
            "--no-drop-caches",
            "-o",
        ])
        .arg(&result)
        .arg(dir)
        .assert()
        .success();
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    let runs = r["runs"].as_array().expect("runs");
    let mut strategies: Vec<&str> = runs
        .iter()
        .map(|x| x["strategy"].as_str().unwrap())
        .collect();
    strategies.sort_unstable();
    assert_eq!(
        strategies,
        ["preload", "preload-p4", "sequential", "xargs"],
        "{fs}"
    );
    for run in runs {
        assert_eq!(run["exit_status"], 0, "{fs}: {run}");
        let before = run["residency_before"]["resident_bytes"].as_u64().unwrap();
        let total = run["residency_before"]["total_bytes"].as_u64().unwrap();
        assert!(before * 20 <= total, "{fs}: run started warm: {run}");
        eprintln!(
            "{fs}: bench {} {:.1} MiB/s",
            run["strategy"],
            run["mib_s"].as_f64().unwrap()
        );
    }
}

/// `preload tune` with an 8 s budget: on time, and the pick within the
/// knee rule's largest tolerance (30%) of the best level.
fn check_tune(dir: &Path, fs: &str) {
    let t = Instant::now();
    let args = [
        "tune",
        "--json",
        "--no-save",
        "--time-budget",
        "8s",
        "--max-level",
        "8",
    ];
    let r = run_json(&args, dir);
    let wall = t.elapsed().as_secs_f64();
    let rec = &r["recommendation"];
    let best = rec["best_mib_s"].as_f64().expect("best_mib_s");
    let picked = rec["recommended_mib_s"]
        .as_f64()
        .expect("recommended_mib_s");
    let limit = r["budget"]["time_limit_s"].as_f64().expect("time_limit_s");
    let levels: Vec<String> = r["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| {
            format!(
                "P{}={:.0}",
                l["level"],
                l["median_mib_s"].as_f64().unwrap_or(f64::NAN)
            )
        })
        .collect();
    eprintln!(
        "{fs}: tune in {wall:.1} s (spent {} of {limit} s): -P {} at {picked:.0} MiB/s, \
         best P{} at {best:.0} MiB/s, ratio {:.2}, tolerance {}, levels [{}]",
        r["budget"]["time_spent_s"],
        rec["parallelism"],
        rec["best_level"],
        picked / best,
        rec["tolerance"],
        levels.join(" ")
    );
    assert!(
        wall <= limit + 5.0,
        "{fs}: tune took {wall:.1} s, budget {limit} s"
    );
    assert!(best > 0.0, "{fs}: best_mib_s {best}");
    assert!(
        picked >= 0.7 * best,
        "{fs}: recommended {picked:.0} MiB/s < 0.7 x best {best:.0} MiB/s"
    );
}

#[test]
fn moosefs_warm_retains_pages_and_tunes() {
    warm_retains("PRELOAD_REALFS_MOOSEFS", "moosefs", "fuse.mfs", true);
}

#[test]
fn glusterfs_warm_retains_pages_and_tunes() {
    warm_retains(
        "PRELOAD_REALFS_GLUSTERFS",
        "glusterfs",
        "fuse.glusterfs",
        true,
    );
}

#[test]
fn sshfs_kernel_cache_warm_retains_pages() {
    warm_retains(
        "PRELOAD_REALFS_SSHFS_CACHE",
        "sshfs-cache",
        "fuse.sshfs",
        false,
    );
}

#[test]
fn sshfs_default_warm_reports_pages_not_retained() {
    let fs = "sshfs";
    let Some(mnt) = mount("PRELOAD_REALFS_SSHFS") else {
        return;
    };
    let _serial = serial();
    let tree = Tree::write(&mnt, fs);
    evict_cold(&tree, fs);
    let s = warm(&tree.dir, 3, fs);
    assert_eq!(s["pages_retained"], false, "{fs}: pages_retained: {s}");
    assert_eq!(
        s["filesystems"][0]["fs_type"], "fuse.sshfs",
        "{fs}: {}",
        s["filesystems"]
    );
    let warnings = s["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("kernel_cache"))),
        "{fs}: no warning mentions kernel_cache: {warnings:?}"
    );
}
