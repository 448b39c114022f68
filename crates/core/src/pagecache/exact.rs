//! Exact residency, for callers the kernel tells the truth: the file's
//! owner, a writer, or root (`CAP_FOWNER`).
//!
//! `mincore(2)` over read-only mappings of the file, in windows, so a 100 GiB
//! file never needs a 100 GiB mapping. mincore reports a page present only
//! when its data is up to date: a page still under read I/O, or one whose
//! read failed, is not counted. `cachestat(2)` (Linux 6.5+) counts every
//! page in the cache, including those two kinds, and counts the page cache
//! of the descriptor's own file: on overlayfs (a model in a container
//! image) that is the overlay's, always empty, while the data is cached in
//! the underlying file that a mapping reaches. Used as a shortcut ("nothing
//! cached here") it made every warm on overlayfs report 0% resident and
//! "this mount does not keep what is read" where vmtouch saw 100%. So it
//! only answers where no mapping can be made (a direct-I/O FUSE mount):
//! none cached there means 0.
//!
//! For anyone else both calls lie or refuse, by design (CVE-2019-5489, the
//! page-cache side channel): since Linux 5.0 mincore reports every page of a
//! file the caller could not write as resident, and cachestat returns EPERM.
//! [`kernel_tells_truth`] decides which side of that line a file is on.
//!
//! Cost: one mapping per GiB and one byte of vector per page; `preload
//! status` of a resident 8 GiB file takes 0.14 s in all on the 2-core VM
//! of the README's benchmarks, so a 100 GiB tree takes about 2 s.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::mapping::Mapping;
use crate::read::page_size;

/// Bytes of a file mapped at once.
const WINDOW: u64 = 1 << 30;

/// `struct cachestat_range` of linux/mman.h.
#[repr(C)]
struct CachestatRange {
    off: u64,
    len: u64,
}

/// `struct cachestat` of linux/mman.h.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Cachestat {
    /// Pages in the cache, up to date or not.
    pub(crate) nr_cache: u64,
    pub(crate) nr_dirty: u64,
    pub(crate) nr_writeback: u64,
    /// Pages evicted by reclaim (memory pressure) whose shadow entries are
    /// still there; eviction by fadvise or drop_caches leaves none.
    pub(crate) nr_evicted: u64,
    pub(crate) nr_recently_evicted: u64,
}

/// `cachestat(2)` over `[offset, offset + len)`; `len == 0` means to the end.
pub(crate) fn cachestat(file: &File, offset: u64, len: u64) -> io::Result<Cachestat> {
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
    if rc == 0 {
        Ok(cs)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// True when mincore and cachestat report this caller the real page cache
/// state of `file`. cachestat applies the kernel's own rule (EPERM when
/// not); on kernels without it, the same rule by hand: owner, root, or write
/// permission.
pub(crate) fn kernel_tells_truth(path: &Path, file: &File) -> bool {
    match cachestat(file, 0, 1) {
        Ok(_) => true,
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => false,
        Err(_) => {
            // SAFETY: geteuid has no preconditions.
            let euid = unsafe { libc::geteuid() };
            let owner = file.metadata().map(|m| m.uid()).ok();
            euid == 0 || owner == Some(euid) || writable(path)
        }
    }
}

fn writable(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: c is a valid NUL-terminated path.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::W_OK, libc::AT_EACCESS) == 0 }
}

/// Up-to-date bytes in `[offset, offset + len)` (`offset` page aligned), or
/// None when they cannot be counted (a mount that refuses mmap, such as a
/// direct-I/O FUSE mount, on a kernel without cachestat).
pub(crate) fn resident_bytes(file: &File, offset: u64, len: u64) -> Option<u64> {
    if len == 0 {
        return Some(0);
    }
    match mincore_bytes(file, offset, len) {
        Ok(n) => Some(n),
        // No mapping possible: cachestat can still say nothing is cached,
        // but not which cached pages hold data.
        Err(_) => cachestat(file, offset, len)
            .ok()
            .filter(|cs| cs.nr_cache == 0)
            .map(|_| 0),
    }
}

fn mincore_bytes(file: &File, offset: u64, len: u64) -> io::Result<u64> {
    let end = offset + len;
    let mut resident_pages = 0u64;
    let mut off = offset;
    while off < end {
        let len = WINDOW.min(end - off);
        resident_pages += Mapping::new(file, off, len)?.resident_pages()?;
        off += len;
    }
    Ok(resident_pages * page_size())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mincore_counts_what_cachestat_sees_on_a_clean_cached_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 64 * 1024]).unwrap();
        let f = File::open(&p).unwrap();
        let m = mincore_bytes(&f, 0, 64 * 1024).unwrap();
        if let Ok(cs) = cachestat(&f, 0, 64 * 1024) {
            assert_eq!(cs.nr_cache * page_size(), m);
        }
    }

    #[test]
    fn the_owner_is_told_the_truth() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"x").unwrap();
        assert!(kernel_tells_truth(&p, &File::open(&p).unwrap()));
    }
}
