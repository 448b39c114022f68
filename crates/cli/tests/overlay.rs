//! A model on overlayfs, as in a container image: the data is cached in the
//! underlying (lower) file, which a mapping of the overlay file reaches and
//! the overlay file's own page cache does not. Residency, warm, promotion
//! and evict must all see the lower file's pages.
//!
//! Before the fix `cachestat(2)` on the overlay descriptor (always 0 cached)
//! was taken for the truth: every warm reported 0% resident and "this mount
//! does not keep what is read", where vmtouch saw 100%, and nothing was
//! promoted. Needs root and overlayfs; otherwise it prints "SKIPPED: ...".

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::kpageflags::active_bytes;
use util::{drop_pages, is_root, json, mincore_resident, preload, preload_on};

const SIZE: u64 = 32 << 20;

/// An overlay mount of a lower directory holding two files of real data,
/// unmounted on drop.
struct Overlay {
    _dir: tempfile::TempDir,
    merged: PathBuf,
    lower_files: Vec<PathBuf>,
}

impl Overlay {
    fn mount() -> Option<Overlay> {
        if !is_root() {
            eprintln!("SKIPPED: mounting overlayfs needs root");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["lower", "upper", "work", "merged"] {
            std::fs::create_dir(d.join(sub)).unwrap();
        }
        let lower_files: Vec<PathBuf> = (0..2u64)
            .map(|i| {
                let path = d.join("lower").join(format!("shard-{i}.safetensors"));
                let data: Vec<u8> = (0..SIZE).map(|b| ((b + i) * 31 % 251) as u8).collect();
                std::fs::write(&path, data).unwrap();
                path
            })
            .collect();
        let options = format!(
            "lowerdir={},upperdir={},workdir={}",
            d.join("lower").display(),
            d.join("upper").display(),
            d.join("work").display()
        );
        let merged = d.join("merged");
        let out = Command::new("mount")
            .args(["-t", "overlay", "overlay", "-o", &options])
            .arg(&merged)
            .output()
            .unwrap();
        if !out.status.success() {
            eprintln!(
                "SKIPPED: this machine cannot mount overlayfs: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        Some(Overlay {
            _dir: dir,
            merged,
            lower_files,
        })
    }

    /// Resident bytes of the lower files, by mincore on them directly.
    fn lower_resident(&self) -> u64 {
        self.lower_files.iter().map(|p| mincore_resident(p)).sum()
    }

    fn drop_lower(&self) {
        for p in &self.lower_files {
            drop_pages(p);
        }
        assert_eq!(self.lower_resident(), 0);
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.merged).status();
    }
}

fn resident_of(v: &serde_json::Value) -> u64 {
    v["residency"]["resident_bytes"].as_u64().unwrap()
}

fn status(path: &Path) -> u64 {
    let out = preload()
        .args(["status", "--json"])
        .arg(path)
        .output()
        .unwrap();
    let v = json(&out.stdout);
    v["resident_bytes"]
        .as_u64()
        .or_else(|| v["total"]["resident_bytes"].as_u64())
        .unwrap_or_else(|| panic!("no resident_bytes in {v:#}"))
}

#[test]
fn residency_warm_promotion_and_evict_see_the_lower_files_pages() {
    let Some(o) = Overlay::mount() else {
        return;
    };
    let total = 2 * SIZE;
    o.drop_lower();
    assert_eq!(status(&o.merged), 0, "cold");

    let out = preload_on(&["warm", "--json", "-P", "2"], &o.merged).success();
    let s = json(&out.get_output().stdout);
    let lower = o.lower_resident();
    eprintln!(
        "after a warm through the overlay: preload {} MiB, mincore on the lower files {} MiB",
        resident_of(&s) >> 20,
        lower >> 20
    );
    assert!(
        util::nearly_all(lower, total),
        "the warm read {lower} of {total}"
    );
    assert!(util::nearly_all(resident_of(&s), total), "{s:#}");
    assert!(s["warnings"].as_array().unwrap().is_empty(), "{s:#}");
    assert!(s["diagnoses"].as_array().unwrap().is_empty(), "{s:#}");
    assert!(util::nearly_all(status(&o.merged), total));

    // Promoted: the lower files' pages are on the active list.
    let active: u64 = o.lower_files.iter().map(|p| active_bytes(p)).sum();
    eprintln!(
        "active after the warm: {} of {} MiB",
        active >> 20,
        total >> 20
    );
    assert!(active > total * 3 / 4, "{active} of {total} bytes active");

    // A second warm finds it all resident and reads nothing.
    let out = preload_on(&["warm", "--json"], &o.merged).success();
    let again = json(&out.get_output().stdout);
    assert!(
        util::nearly_all(again["resident_skipped_bytes"].as_u64().unwrap(), total),
        "{again:#}"
    );

    preload_on(&["evict"], &o.merged).success();
    assert_eq!(o.lower_resident(), 0, "evict through the overlay");
    assert_eq!(status(&o.merged), 0);
}
