//! A warm leaves what it read on the kernel's active list, where one plain
//! read leaves it on the inactive list that reclaim takes from first
//! (`promote::Promote` in preload-core says why).
//!
//! The pages' LRU state is read from /proc/kpageflags (`KPF_ACTIVE`), by
//! frame number from /proc/self/pagemap, which tells frame numbers to root
//! alone: without root the test prints "SKIPPED: ..." and passes.
//!
//! In a container the same holds within its memory cgroup: a warm whose
//! cgroup is full of cache read twice (a previous model's) fits, stays,
//! and is not told otherwise.

mod util;

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use util::kpageflags::active_bytes;
use util::{MemoryCgroup, drop_pages, is_root, json, preload};

const SIZE: u64 = 256 << 20;

/// One sequential pass of 1 MiB `pread`s, as a plain reader does.
fn read_once(path: &Path) {
    let file = File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0;
    while pos < SIZE {
        pos += file.read_at(&mut buf, pos).unwrap() as u64;
    }
}

#[test]
fn a_warm_leaves_its_pages_active_where_one_read_leaves_them_inactive() {
    if !is_root() {
        eprintln!("SKIPPED: page frame numbers (/proc/self/pagemap) are shown to root only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bin");
    let data: Vec<u8> = (0..SIZE).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&path, data).unwrap();

    drop_pages(&path);
    read_once(&path);
    let once = active_bytes(&path);

    eprintln!(
        "active after one read: {} of {} MiB",
        once >> 20,
        SIZE >> 20
    );
    // Activation is batched per CPU (a few dozen folios each), so not every
    // page shows it at once.
    assert!(
        once < SIZE / 4,
        "one read left {once} bytes active: this kernel does not keep pages read once apart"
    );
    for method in ["read", "mmap", "willneed"] {
        drop_pages(&path);
        preload()
            .args([
                "warm",
                "-q",
                "-P",
                "2",
                "--chunk-size",
                "8MiB",
                "--method",
                method,
            ])
            .arg(&path)
            .assert()
            .success();
        let warmed = active_bytes(&path);
        eprintln!("active after a warm ({method}): {} MiB", warmed >> 20);
        assert!(
            warmed > SIZE * 3 / 4,
            "a warm ({method}) left {warmed} of {SIZE} bytes active"
        );
    }
}

/// Files of `count` x `size` bytes of real data (sparse files read
/// differently) under `dir`, dropped from the page cache.
fn data_files(dir: &Path, count: u64, size: u64) -> Vec<std::path::PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    (0..count)
        .map(|i| {
            let path = dir.join(format!("f{i}.bin"));
            let data: Vec<u8> = (0..size).map(|b| ((b + i) * 31 % 251) as u8).collect();
            std::fs::write(&path, data).unwrap();
            drop_pages(&path);
            path
        })
        .collect()
}

/// A 256 MiB cgroup holding 192 MiB of other files read twice (active,
/// as a previous model's pages): a 96 MiB warm fits, and (95% of it or
/// more) stays. Counting
/// active cache as used had said 60 MiB of room and warned that the first
/// files would be evicted; without promotion the warm's own pages, on the
/// inactive list, were the ones reclaimed (61% of 1 GiB stayed in a 3 GiB
/// cgroup, measured by hand).
#[test]
fn a_warm_in_a_cgroup_full_of_active_cache_fits_and_stays() {
    let Some(cg) = MemoryCgroup::create("active-cache", 256 << 20) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let other = data_files(&dir.path().join("other"), 3, 64 << 20);
    let model = dir.path().join("model");
    let shards = data_files(&model, 2, 48 << 20);
    let script = "cat \"$2\"/* >/dev/null && cat \"$2\"/* >/dev/null \
                  && exec \"$0\" warm --json -P 2 \"$1\"";
    let out = cg.run(
        std::process::Command::new("sh")
            .args(["-c", script, env!("CARGO_BIN_EXE_preload")])
            .arg(&model)
            .arg(dir.path().join("other")),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    let s = json(&out.stdout);
    eprintln!("memory check: {}", s["memory"]);
    assert_eq!(s["memory"]["fits"], true, "{}", s["memory"]);
    assert!(
        !stderr.contains("larger than the memory available"),
        "{stderr}"
    );
    let resident: u64 = shards.iter().map(|p| util::mincore_resident(p)).sum();
    let kept: u64 = other.iter().map(|p| util::mincore_resident(p)).sum();
    eprintln!(
        "after the warm: model {} of 96 MiB resident, other files {} of 192 MiB",
        resident >> 20,
        kept >> 20
    );
    // In a cgroup this tight, reclaim may take a read call's pages before
    // they are promoted, or readahead (8 MiB on this disk) before it is
    // read: CI lost 1 MiB of 96 once, and the warm said so. Without
    // promotion 61 of 96 MiB stayed, so 95% still tells them apart.
    assert!(
        resident >= (96 << 20) * 95 / 100,
        "{resident} of 96 MiB: {s:#}"
    );
    // Any such loss is told as reclaim during the run, never as no room.
    for w in s["warnings"].as_array().unwrap() {
        let w = w.as_str().unwrap();
        assert!(w.contains("The files fit in the memory available"), "{w}");
    }
}
