//! Page-cache residency and eviction.
//!
//! Residency comes from `cachestat(2)` (Linux 6.5+) when the kernel has it,
//! else from `mincore(2)` over read-only mappings of the file taken in
//! windows, so a 100 GiB file never needs a 100 GiB mapping. Both open the
//! file, which is what a loader does too: on mounts that drop the cache at
//! open (sshfs without `kernel_cache`), residency reads 0, which is exactly
//! what the loader would get.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use preload_schema::Residency;

use crate::read::{fadvise, open_for_warming, page_size};

/// Bytes of a file mapped at once by the mincore fallback.
const WINDOW: u64 = 1 << 30;

/// Residency of one file.
pub fn file_residency(path: &Path) -> io::Result<Residency> {
    let file = open_for_warming(path)?;
    let size = file.metadata()?.len();
    let resident = resident_bytes(&file, 0, size)?;
    Ok(Residency {
        resident_bytes: resident.min(size),
        total_bytes: size,
    })
}

/// Residency of the byte range `[offset, offset + len)` of a file.
pub fn range_residency(path: &Path, offset: u64, len: u64) -> io::Result<Residency> {
    let file = open_for_warming(path)?;
    let page = page_size();
    let start = offset - offset % page;
    let resident = resident_bytes(&file, start, offset + len - start)?;
    Ok(Residency {
        resident_bytes: resident.min(len),
        total_bytes: len,
    })
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

/// Residency of several files, summed; unreadable files count as not resident.
pub fn total_residency<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Residency {
    paths
        .into_iter()
        .fold(Residency::default(), |acc, p| match file_residency(p) {
            Ok(r) => Residency {
                resident_bytes: acc.resident_bytes + r.resident_bytes,
                total_bytes: acc.total_bytes + r.total_bytes,
            },
            Err(_) => acc,
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

/// Resident bytes in `[offset, offset + len)`; `offset` is page aligned.
fn resident_bytes(file: &File, offset: u64, len: u64) -> io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    match cachestat_pages(file, offset, len) {
        Some(pages) => Ok(pages * page_size()),
        None => mincore_bytes(file, offset, len),
    }
}

/// `struct cachestat_range` of linux/mman.h.
#[repr(C)]
struct CachestatRange {
    off: u64,
    len: u64,
}

/// `struct cachestat` of linux/mman.h.
#[repr(C)]
#[derive(Default)]
struct Cachestat {
    nr_cache: u64,
    nr_dirty: u64,
    nr_writeback: u64,
    nr_evicted: u64,
    nr_recently_evicted: u64,
}

/// Pages of the file in the page cache, or None when the kernel lacks
/// `cachestat(2)` or refuses it for this file.
fn cachestat_pages(file: &File, offset: u64, len: u64) -> Option<u64> {
    // The generic syscall number, the same on x86_64 and aarch64.
    const SYS_CACHESTAT: libc::c_long = 451;
    let range = CachestatRange { off: offset, len };
    let mut cs = Cachestat::default();
    // SAFETY: both pointers refer to live, correctly laid out structs.
    let rc = unsafe {
        libc::syscall(
            SYS_CACHESTAT,
            file.as_raw_fd(),
            &range as *const CachestatRange,
            &mut cs as *mut Cachestat,
            0u32,
        )
    };
    (rc == 0).then_some(cs.nr_cache)
}

fn mincore_bytes(file: &File, offset: u64, len: u64) -> io::Result<u64> {
    let page = page_size();
    let end = offset + len;
    let mut resident_pages = 0u64;
    let mut vec = Vec::new();
    let mut off = offset;
    while off < end {
        let len = WINDOW.min(end - off) as usize;
        // SAFETY: a fresh read-only mapping, checked and unmapped below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                off as libc::off_t,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        vec.resize(len.div_ceil(page as usize), 0u8);
        // SAFETY: vec holds one byte per page of the mapping.
        let rc = unsafe { libc::mincore(base, len, vec.as_mut_ptr()) };
        let err = io::Error::last_os_error();
        // SAFETY: base/len are the mapping made above.
        unsafe { libc::munmap(base, len) };
        if rc != 0 {
            return Err(err);
        }
        resident_pages += vec.iter().filter(|&&b| b & 1 == 1).count() as u64;
        off += len as u64;
    }
    Ok(resident_pages * page)
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
    fn mincore_and_cachestat_agree() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 64 * 1024]).unwrap();
        let f = File::open(&p).unwrap();
        let m = mincore_bytes(&f, 0, 64 * 1024).unwrap();
        if let Some(pages) = cachestat_pages(&f, 0, 64 * 1024) {
            assert_eq!(pages * page_size(), m);
        }
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
            assert_eq!(file_residency(&p).unwrap().resident_bytes, 256 * 1024);
        }
    }
}
