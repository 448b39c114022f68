//! Estimated residency, for callers the kernel will not tell (see
//! [`super::exact`]): a non-root pod reading a shared, read-only model store.
//!
//! No interface reports page-cache state of another user's file without
//! side effects, so this probes pages the way a reader would and counts
//! which were already there: a page fault (`MADV_POPULATE_READ` of one page
//! of a mapping) and the thread's major-fault count
//! (`getrusage(RUSAGE_THREAD)`), which the kernel raises exactly when the
//! page was not in the cache, or was and had to be waited for (still under
//! read I/O). The verdict is taken when the kernel looks the page up, so it
//! holds however fast the storage answers a miss. (`preadv2(RWF_NOWAIT)`
//! looks similar but is not: it starts reading a missing page and returns
//! it when the read completes before its second look, which a fast local
//! disk often does, so a cold page reads as resident; FUSE and NFS refuse
//! it anyway.) A miss waits for its one page to be read: sampling a cold
//! file on storage with latency L costs about samples x L.
//!
//! Random readahead is switched off (`MADV_RANDOM`), so a missed sample
//! reads exactly one page: probing a cold file makes at most one page per
//! sample resident (1 in 256 for a 1 GiB file). Sample positions are random
//! within equal blocks, so a second probe does not meet the pages the first
//! one brought in. A hole of a sparse file counts as a miss the first time
//! (it has no page yet). Sampling a resident 8 GiB file (1024 pages) takes
//! a few milliseconds.

use std::fs::File;
use std::hash::BuildHasher;

use crate::mapping::Mapping;
use crate::read::page_size;

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

/// Samples `[offset, offset + len)` of `file`; None when the file cannot be
/// mapped (a direct-I/O FUSE mount).
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
    let hits = fault_hits(file, offset, len, &positions)?;
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

/// Hits by faulting one page at each position and watching the thread's
/// major-fault counter; None when the file cannot be mapped.
fn fault_hits(file: &File, offset: u64, len: u64, positions: &[u64]) -> Option<u64> {
    let map = Mapping::new(file, offset, len).ok()?;
    map.advise(libc::MADV_RANDOM);
    let mut hits = 0;
    for &pos in positions {
        let before = major_faults();
        // POPULATE_READ returns an error (never SIGBUS) for a page that
        // cannot be read: not resident.
        let read = map.populate(pos.saturating_sub(offset), 1).is_ok();
        if read && major_faults() == before {
            hits += 1;
        }
    }
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
        assert!(crate::read::fadvise(&f, 0, 0, libc::POSIX_FADV_DONTNEED));
        // tmpfs cannot evict (its pages are the file): check only where it did.
        if crate::pagecache::exact::resident_bytes(&f, 0, 4 << 20) == Some(0) {
            let s = resident_bytes(&f, 0, 4 << 20).unwrap();
            assert_eq!(s.hits, 0, "{s:?}");
        }
    }

    #[test]
    fn a_sampled_page_is_resident_after_the_probe_and_seen_so_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![3u8; 1 << 20]).unwrap();
        let f = File::open(&p).unwrap();
        f.sync_all().unwrap();
        assert!(crate::read::fadvise(&f, 0, 0, libc::POSIX_FADV_DONTNEED));
        if crate::pagecache::exact::resident_bytes(&f, 0, 1 << 20) != Some(0) {
            return; // tmpfs: nothing can be evicted
        }
        let pos = positions(0, 256, 16, 4096);
        assert_eq!(fault_hits(&f, 0, 1 << 20, &pos), Some(0));
        // The probe's only side effect: exactly its sampled pages came back.
        assert_eq!(fault_hits(&f, 0, 1 << 20, &pos), Some(16));
        assert_eq!(
            crate::pagecache::exact::resident_bytes(&f, 0, 1 << 20),
            Some(16 * 4096)
        );
    }
}
