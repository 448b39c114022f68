//! Page-cache residency and eviction.
//!
//! Residency counts only pages whose data is present: not pages still under
//! read I/O, not pages whose read failed. How it is measured depends on what
//! the kernel tells this caller about this file:
//! - the owner, a writer or root: exactly, page by page ([`exact`]);
//! - anyone else: the kernel refuses (cachestat) or lies (mincore says
//!   "all resident"), so residency is estimated from sampled pages
//!   ([`sample`]), and reported as sampled;
//! - where neither works: unknown, and never counted as resident.
//!
//! Every measurement opens the file, which is what a loader does too: on
//! mounts that drop the cache at open (sshfs without `kernel_cache`),
//! residency reads 0, which is exactly what the loader would get.

pub(crate) mod exact;
mod sample;

use std::fs::File;
use std::io;
use std::path::Path;

use preload_schema::Residency;

use crate::read::{fadvise, open_for_warming, page_size};

/// Residency of one file.
pub fn file_residency(path: &Path) -> io::Result<Residency> {
    let file = open_for_warming(path)?;
    let size = file.metadata()?.len();
    Ok(measure(path, &file, 0, size))
}

/// Residency of the byte range `[offset, offset + len)` of a file.
pub fn range_residency(path: &Path, offset: u64, len: u64) -> io::Result<Residency> {
    let file = open_for_warming(path)?;
    Ok(measure(path, &file, offset, len))
}

/// True when every byte of `[offset, offset + len)` is resident, measured
/// exactly; None when this caller cannot measure it exactly (not the
/// owner: the kernel refuses or lies, and sampling would fault pages in,
/// costing a storage round trip per missed sample). For the warm's
/// skip-resident check: one cachestat call for a cold range, one mincore
/// mapping for a warm one.
///
/// `file` is `path` opened by the caller, who reads the range next through
/// the same descriptor: on a FUSE mount each open is a round trip to the
/// daemon, and a check that opened the file again made a cold warm of a
/// 2 GiB tree on the loopback MooseFS 6-7% slower
/// (reports/2026-12-02-vm/one-open).
pub fn range_fully_resident(path: &Path, file: &File, offset: u64, len: u64) -> Option<bool> {
    let start = offset - offset % page_size();
    let len = offset + len - start;
    open_resident_bytes(path, file, start, len).map(|n| n >= len)
}

/// Resident bytes of `[offset, offset + len)` (`offset` page aligned),
/// only where they can be counted exactly and cheaply (see
/// [`range_fully_resident`]); None otherwise.
pub fn exact_resident_bytes(path: &Path, offset: u64, len: u64) -> Option<u64> {
    let file = open_for_warming(path).ok()?;
    open_resident_bytes(path, &file, offset, len)
}

/// [`exact_resident_bytes`] of `path` opened as `file`.
fn open_resident_bytes(path: &Path, file: &File, offset: u64, len: u64) -> Option<u64> {
    if !exact::kernel_tells_truth(path, file) {
        return None;
    }
    exact::resident_bytes(file, offset, len).map(|n| n.min(len))
}

/// Residency of `[offset, offset + len)` of an open file, by the best method
/// the kernel allows this caller.
fn measure(path: &Path, file: &File, offset: u64, len: u64) -> Residency {
    let page = page_size();
    let start = offset - offset % page;
    let mut r = Residency {
        total_bytes: len,
        ..Residency::default()
    };
    if exact::kernel_tells_truth(path, file) {
        match exact::resident_bytes(file, start, offset + len - start) {
            Some(n) => r.resident_bytes = n.min(len),
            None => r.unknown_bytes = len,
        }
    } else {
        match sample::resident_bytes(file, offset, len) {
            Some(s) => {
                r.resident_bytes = s.resident_bytes.min(len);
                r.sampled_bytes = len;
            }
            None => r.unknown_bytes = len,
        }
    }
    r
}

/// Pages of a file that memory reclaim evicted and whose traces (shadow
/// entries) are still in the cache; None where the kernel will not say
/// (no cachestat, or not the owner) or says it of another page cache than
/// the data's. Eviction by `POSIX_FADV_DONTNEED` or `drop_caches` leaves no
/// trace, so a non-zero count is evidence of memory pressure on this file.
///
/// cachestat reads the descriptor's own page cache. On overlayfs that is
/// the overlay file's, always empty: the data and its traces are in the
/// underlying file's, which only a mapping reaches. A stacking filesystem
/// is told by its magic (overlayfs) or, for one not known here, by
/// cachestat seeing nothing where mincore sees pages.
pub fn reclaimed_pages(path: &Path) -> Option<u64> {
    let file = open_for_warming(path).ok()?;
    if is_overlay(&file) {
        return None;
    }
    let cs = exact::cachestat(&file, 0, 0).ok()?;
    if cs.nr_cache == 0 {
        let size = file.metadata().ok()?.len();
        if exact::resident_bytes(&file, 0, size).is_some_and(|n| n > 0) {
            return None;
        }
    }
    Some(cs.nr_evicted)
}

/// Whether `file` is on overlayfs (`OVERLAYFS_SUPER_MAGIC`).
fn is_overlay(file: &File) -> bool {
    const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
    let mut st = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: st is a valid out-pointer for one statfs struct.
    let rc = unsafe { libc::fstatfs(std::os::fd::AsRawFd::as_raw_fd(file), st.as_mut_ptr()) };
    // `f_type`'s type differs between libcs (i64 on glibc x86_64, u32 on
    // some others): the cast is a no-op only here.
    #[allow(clippy::unnecessary_cast)]
    // SAFETY: fstatfs filled it when it returned 0.
    let overlay = rc == 0 && unsafe { st.assume_init() }.f_type as i64 == OVERLAYFS_SUPER_MAGIC;
    overlay
}

/// Drops the byte range `[offset, offset + len)` of a file from the page cache.
pub fn evict_range(path: &Path, offset: u64, len: u64) -> io::Result<()> {
    let file = open_for_warming(path)?;
    // DONTNEED skips dirty pages (a freshly written tree): flush them first.
    file.sync_data()?;
    if fadvise(&file, offset, len, libc::POSIX_FADV_DONTNEED) {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Residency of several files, summed; files that cannot be opened count
/// as unknown.
pub fn total_residency<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Residency {
    paths
        .into_iter()
        .fold(Residency::default(), |acc, p| match file_residency(p) {
            Ok(r) => acc.plus(r),
            Err(_) => {
                let size = std::fs::metadata(p).map_or(0, |m| m.len());
                acc.plus(Residency {
                    total_bytes: size,
                    unknown_bytes: size,
                    ..Residency::default()
                })
            }
        })
}

/// Drops a file's pages from the page cache with `POSIX_FADV_DONTNEED`;
/// returns the residency before and after.
pub fn evict(path: &Path) -> io::Result<(Residency, Residency)> {
    let before = file_residency(path)?;
    let file = open_for_warming(path)?;
    // DONTNEED skips dirty pages: flush them first (a file written just
    // before a cold measurement would otherwise stay cached).
    file.sync_data()?;
    if !fadvise(&file, 0, 0, libc::POSIX_FADV_DONTNEED) {
        return Err(io::Error::last_os_error());
    }
    let after = file_residency(path)?;
    Ok((before, after))
}

/// Empties the whole page cache (`echo 3 > /proc/sys/vm/drop_caches` after a
/// `sync`). Needs root; callers fall back to [`evict`] per file.
pub fn drop_all_caches() -> io::Result<()> {
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    std::fs::write("/proc/sys/vm/drop_caches", b"3\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residency_is_capped_at_file_size_and_empty_files_are_complete() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 5000]).unwrap();
        let r = file_residency(&p).unwrap();
        assert_eq!(r.total_bytes, 5000);
        assert!(r.resident_bytes <= 5000);
        let e = dir.path().join("e");
        std::fs::write(&e, b"").unwrap();
        let r = file_residency(&e).unwrap();
        assert_eq!((r.resident_bytes, r.total_bytes), (0, 0));
        assert_eq!(r.fraction(), 1.0);
    }

    #[test]
    fn evict_then_read_changes_residency() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 256 * 1024]).unwrap();
        // Written pages are dirty until synced and DONTNEED skips dirty pages.
        File::open(&p).unwrap().sync_all().unwrap();
        let (_, after) = evict(&p).unwrap();
        // tmpfs cannot evict (its pages are the file): accept either there.
        if after.resident_bytes == 0 {
            let _ = std::fs::read(&p).unwrap();
            let r = file_residency(&p).unwrap();
            assert_eq!(r.resident_bytes, 256 * 1024);
            assert_eq!(
                (r.sampled_bytes, r.unknown_bytes),
                (0, 0),
                "the owner measures exactly"
            );
        }
    }
}
