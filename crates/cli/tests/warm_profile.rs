//! `preload warm` without -P, --method, --chunk-size or --schedule takes
//! them from the profile `preload tune` saved for the filesystem; a flag
//! given wins.

mod util;

use std::path::Path;

use preload_core::fsinfo::filesystem_of;
use util::{create_size, preload, success_json};

/// Writes a profile for `tree`'s filesystem into `cache/profiles.json`, as
/// `preload tune` would after measuring -P 3, willneed and 2 MiB chunks
/// read spread over the files.
fn save_profile(cache: &Path, tree: &Path) {
    let fs = filesystem_of(tree);
    let profile = serde_json::json!({
        format!("{} {}", fs.fs_type, fs.source): {
            "fs_type": fs.fs_type, "source": fs.source,
            "mount_point": fs.mount_point, "device": fs.device,
            "parallelism": 3, "saturated": true, "confidence": 0.9,
            "mib_s": 100.0, "method": "willneed", "chunk_size": 2 << 20,
            "schedule": "spread", "read_ahead_kb": 128,
            "fuse_queue": {"max_background": 12, "congestion_threshold": 9},
            "date": "2026-12-01T18:00:00Z", "sampled": tree.display().to_string(),
        }
    });
    std::fs::create_dir_all(cache).unwrap();
    std::fs::write(cache.join("profiles.json"), profile.to_string()).unwrap();
}

/// `preload warm FLAGS TREE` with its profile store in `cache`, run to the
/// end: every test here reads the profiles of its own store.
fn warm_with_profiles(cache: &Path, flags: &[&str], tree: &Path) -> std::process::Output {
    preload()
        .env("PRELOAD_CACHE_DIR", cache)
        .arg("warm")
        .args(flags)
        .arg(tree)
        .output()
        .unwrap()
}

#[test]
fn warm_reads_with_the_profiles_chunk_size_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    create_size(&tree.join("shard"), 9 << 20);
    let cache = dir.path().join("cache");
    save_profile(&cache, &tree);

    let v = success_json(&warm_with_profiles(&cache, &["--json"], &tree));
    assert_eq!(v["chunk_size"], 2 << 20);
    assert_eq!(v["method"], "willneed");
    assert_eq!(v["parallelism"], 3);
    assert_eq!(v["parallelism_source"], "profile");
    assert_eq!(v["schedule"], "spread");

    let out = warm_with_profiles(&cache, &[], &tree);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "using -P 3 and --method willneed and --chunk-size 2.0 MiB and --schedule spread \
             from the profile"
        ),
        "{said}"
    );

    let flags = [
        "--json",
        "--chunk-size",
        "4MiB",
        "-P",
        "2",
        "--schedule",
        "front",
    ];
    let v = success_json(&warm_with_profiles(&cache, &flags, &tree));
    assert_eq!(v["chunk_size"], 4 << 20);
    assert_eq!(v["method"], "willneed");
    assert_eq!(v["parallelism"], 2);
    assert_eq!(v["schedule"], "front");
}

#[test]
fn without_a_profile_warm_reads_32_mib_chunks_spread_over_the_files() {
    let dir = tempfile::tempdir().unwrap();
    create_size(&dir.path().join("shard"), 3 << 20);
    let cache = dir.path().join("cache");
    let v = success_json(&warm_with_profiles(&cache, &["--json"], dir.path()));
    assert_eq!(v["chunk_size"], 32 << 20);
    assert_eq!(v["schedule"], "spread");
}

#[test]
fn tune_show_lists_what_warm_takes_and_the_settings_it_was_tuned_under() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    save_profile(&cache, dir.path());
    let out = preload()
        .env("PRELOAD_CACHE_DIR", &cache)
        .args(["tune", "--show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("willneed"))
        .unwrap_or_else(|| panic!("{text}"));
    for what in [
        "3",
        "2.0 MiB",
        "spread",
        "90%",
        "readahead 128 KiB, FUSE queue 12/9",
    ] {
        assert!(row.contains(what), "{what:?} missing from {row:?}\n{text}");
    }
    assert!(text.contains("Tuned under"), "{text}");
}
