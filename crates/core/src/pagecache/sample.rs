//! Estimated residency, for callers the kernel will not tell (see
//! [`super::exact`]): a non-root pod reading a shared, read-only model store.
//!
//! No interface reports page-cache state of another user's file without
//! side effects, so this probes pages the way a reader would and counts
//! which were already there:
//! - `preadv2(RWF_NOWAIT)` of one byte: returns the byte only when its page
//!   is cached and up to date, EAGAIN otherwise (also while it is still under
//!   read I/O). A miss does not wait, but the kernel starts reading that
//!   page. ext4, xfs, btrfs and tmpfs support it; FUSE and NFS refuse it
//!   (EOPNOTSUPP).
//! - elsewhere, a page fault: `MADV_POPULATE_READ` of one page of a mapping,
//!   and the thread's major-fault count (`getrusage(RUSAGE_THREAD)`), which
//!   the kernel raises exactly when the page was not in the cache or had to
//!   be waited for. A miss waits for that page to be read.
//!
//! A hole of a sparse file reads as resident: the kernel fills it with
//! zeros at once, without I/O, which is also what a loader would meet.
//! Sampling a resident 8 GiB file (1024 pages) takes 0.02-0.04 s.
//!
//! Random readahead is switched off (`POSIX_FADV_RANDOM`, `MADV_RANDOM`), so
//! a missed sample reads exactly one page: probing a cold file makes at most
//! one page per sample resident (1 in 256 for a 1 GiB file). Sample
//! positions are random within equal blocks, so a second probe does not
//! meet the pages the first one brought in.

use std::fs::File;
use std::hash::BuildHasher;
use std::io;
use std::os::fd::AsRawFd;

use crate::read::{fadvise, page_size};

/// Fewest and most pages sampled per range.
const MIN_SAMPLES: u64 = 16;
const MAX_SAMPLES: u64 = 1024;
/// One sample per this many bytes between the two bounds.
const BYTES_PER_SAMPLE: u64 = 1 << 20;

/// The estimate from sampling `[offset, offset + len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sampled {
    /// Estimated resident bytes (hits / samples x len).
    pub(crate) resident_bytes: u64,
    /// Pages probed.
    pub(crate) samples: u64,
    /// Of them, already resident.
    pub(crate) hits: u64,
}

/// Samples `[offset, offset + len)` of `file`; None when neither probe
/// works on this file (a mount that refuses both RWF_NOWAIT and mmap).
pub(crate) fn resident_bytes(file: &File, offset: u64, len: u64) -> Option<Sampled> {
    if len == 0 {
        return Some(Sampled {
            resident_bytes: 0,
            samples: 0,
            hits: 0,
        });
    }
    let page = page_size();
    let pages = len.div_ceil(page);
    let samples = (len / BYTES_PER_SAMPLE)
        .clamp(MIN_SAMPLES, MAX_SAMPLES)
        .min(pages);
    let positions = positions(offset, pages, samples, page);
    fadvise(file, offset, len, libc::POSIX_FADV_RANDOM);
    let hits = match nowait_hits(file, &positions) {
        Ok(hits) => hits,
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => {
            fault_hits(file, offset, len, &positions)?
        }
        Err(_) => return None,
    };
    Some(Sampled {
        resident_bytes: (len as u128 * hits as u128 / samples as u128) as u64,
        samples,
        hits,
    })
}

/// One random page offset in each of `samples` equal blocks of the range.
fn positions(offset: u64, pages: u64, samples: u64, page: u64) -> Vec<u64> {
    let keys = std::hash::RandomState::new();
    (0..samples)
        .map(|i| {
            let first = pages * i / samples;
            let end = pages * (i + 1) / samples;
            let pick = first + keys.hash_one(i) % (end - first).max(1);
            offset - offset % page + pick * page
        })
        .collect()
}

/// Hits by `preadv2(RWF_NOWAIT)`; EOPNOTSUPP when the filesystem lacks it.
fn nowait_hits(file: &File, positions: &[u64]) -> io::Result<u64> {
    let mut byte = [0u8; 1];
    let mut hits = 0;
    for &pos in positions {
        let iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        // SAFETY: one iovec over a live one-byte buffer.
        let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, pos as i64, libc::RWF_NOWAIT) };
        if n >= 0 {
            // 0 is end of file (the file shrank): not resident.
            hits += u64::from(n > 0);
            continue;
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) => {}
            _ => return Err(e),
        }
    }
    Ok(hits)
}

/// Hits by faulting one page at each position and watching the thread's
/// major-fault counter; None when the file cannot be mapped.
fn fault_hits(file: &File, offset: u64, len: u64, positions: &[u64]) -> Option<u64> {
    let page = page_size();
    let start = offset - offset % page;
    let map_len = (offset + len - start) as usize;
    // SAFETY: a fresh read-only mapping of an open file, unmapped below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            map_len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            start as libc::off_t,
        )
    };
    if base == libc::MAP_FAILED {
        return None;
    }
    // SAFETY: advice on the mapping made above.
    unsafe { libc::madvise(base, map_len, libc::MADV_RANDOM) };
    let mut hits = 0;
    for &pos in positions {
        let before = major_faults();
        // SAFETY: one page inside the mapping; POPULATE_READ returns an error
        // (never SIGBUS) for a page that cannot be read.
        let rc = unsafe {
            libc::madvise(
                base.cast::<u8>().add((pos - start) as usize).cast(),
                page as usize,
                crate::read::MADV_POPULATE_READ,
            )
        };
        if rc == 0 && major_faults() == before {
            hits += 1;
        }
    }
    // SAFETY: the mapping made above, unmapped once.
    unsafe { libc::munmap(base, map_len) };
    Some(hits)
}

fn major_faults() -> i64 {
    // SAFETY: an all-zero rusage is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    usage.ru_majflt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_fall_one_in_each_block_on_page_boundaries() {
        let page = 4096;
        let p = positions(0, 1000, 10, page);
        assert_eq!(p.len(), 10);
        for (i, &pos) in p.iter().enumerate() {
            assert_eq!(pos % page, 0);
            assert!((i as u64 * 100..(i as u64 + 1) * 100).contains(&(pos / page)));
        }
    }

    #[test]
    fn a_cached_file_samples_fully_resident_and_an_evicted_one_not() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![3u8; 4 << 20]).unwrap();
        let f = File::open(&p).unwrap();
        f.sync_all().unwrap();
        let _ = std::fs::read(&p).unwrap();
        let s = resident_bytes(&f, 0, 4 << 20).unwrap();
        assert_eq!((s.hits, s.samples), (16, 16));
        assert!(fadvise(&f, 0, 0, libc::POSIX_FADV_DONTNEED));
        // tmpfs cannot evict (its pages are the file): check only where it did.
        if crate::pagecache::exact::resident_bytes(&f, 0, 4 << 20) == Some(0) {
            let s = resident_bytes(&f, 0, 4 << 20).unwrap();
            assert_eq!(s.hits, 0, "{s:?}");
        }
    }

    #[test]
    fn the_fault_probe_agrees_with_the_nowait_probe() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![3u8; 1 << 20]).unwrap();
        let f = File::open(&p).unwrap();
        f.sync_all().unwrap();
        let _ = std::fs::read(&p).unwrap();
        let pos = positions(0, 256, 16, 4096);
        assert_eq!(fault_hits(&f, 0, 1 << 20, &pos), Some(16));
        assert!(fadvise(&f, 0, 0, libc::POSIX_FADV_DONTNEED));
        let cold = fault_hits(&f, 0, 1 << 20, &pos).unwrap();
        let after = nowait_hits(&f, &pos).unwrap();
        // The fault probe brought exactly its sampled pages back.
        if cold == 0 {
            assert_eq!(after, 16);
        }
    }
}
