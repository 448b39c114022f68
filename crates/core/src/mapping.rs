//! A read-only mapping of a byte range of a file, for faulting pages in
//! without a copy (the `mmap` and `willneed` methods, residency samples,
//! promotion).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use crate::read::page_size;

/// A read-only shared mapping of a byte range of a file, unmapped on drop.
pub(crate) struct Mapping {
    base: *mut libc::c_void,
    map_len: usize,
    /// Bytes between `base` and the requested offset (page alignment).
    lead: usize,
}

impl Mapping {
    pub(crate) fn new(file: &File, offset: u64, len: u64) -> io::Result<Mapping> {
        let page = page_size();
        let aligned = offset - offset % page;
        let lead = (offset - aligned) as usize;
        let map_len = lead + len as usize;
        // SAFETY: a fresh PROT_READ mapping of a file we hold open; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                aligned as libc::off_t,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            base,
            map_len,
            lead,
        })
    }

    /// Pages of the mapping in the page cache and up to date, by
    /// `mincore(2)`. Through the mapping, not the descriptor: on a stacking
    /// filesystem (overlayfs) the pages live in the underlying file, which
    /// the mapping reaches and the descriptor's own page cache does not.
    /// What the kernel tells a caller who may not write the file is "all
    /// resident" (see `pagecache::exact`).
    pub(crate) fn resident_pages(&self) -> io::Result<u64> {
        let mut vec = vec![0u8; self.map_len.div_ceil(page_size() as usize)];
        // SAFETY: vec holds one byte per page of our mapping.
        if unsafe { libc::mincore(self.base, self.map_len, vec.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(vec.iter().filter(|&&b| b & 1 == 1).count() as u64)
    }

    /// `madvise` over the whole mapping; a refused hint is not an error.
    pub(crate) fn advise(&self, advice: libc::c_int) {
        // SAFETY: advice on exactly the mapping this value owns.
        unsafe { libc::madvise(self.base, self.map_len, advice) };
    }

    /// Faults in `len` bytes starting `start` bytes into the requested range.
    pub(crate) fn populate(&self, start: u64, len: u64) -> io::Result<()> {
        let page = page_size() as usize;
        let from = self.lead + start as usize;
        let aligned = from - from % page;
        let span = (from + len as usize - aligned).min(self.map_len - aligned);
        // SAFETY: [aligned, aligned + span) lies inside our mapping.
        let rc = unsafe {
            libc::madvise(
                self.base.cast::<u8>().add(aligned).cast(),
                span,
                MADV_POPULATE_READ,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINVAL) {
            return Err(err);
        }
        // Kernels before 5.14 lack MADV_POPULATE_READ: touch one byte per page.
        for off in (aligned..aligned + span).step_by(page) {
            // SAFETY: off lies inside the mapping; a volatile read faults the page in.
            unsafe { std::ptr::read_volatile(self.base.cast::<u8>().add(off)) };
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: base/map_len came from a successful mmap and are unmapped once.
        unsafe { libc::munmap(self.base, self.map_len) };
    }
}

/// `MADV_POPULATE_READ` from linux/mman.h (not in every libc crate version).
pub(crate) const MADV_POPULATE_READ: libc::c_int = 22;
