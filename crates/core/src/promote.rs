//! Keeping what a warm read in memory: each read's pages are accessed a
//! second time, so that the kernel's reclaim takes other data first.

use std::fs::File;

use crate::mapping::Mapping;
use crate::read::page_size;

/// The second access that keeps warmed pages in memory.
///
/// The kernel's page reclaim (the two-list LRU) puts a page read once on
/// the inactive list and takes pages from there first; a page accessed
/// twice moves to the active list and outlives them. A node's page cache
/// is usually full of a previous job's data, used more than once and so
/// active; a warm's own reads (and, on a FUSE mount served from the same
/// node, the daemon's) then reclaimed what it had just read.
/// On this project's VM (23 GiB, 22 GiB of it active file pages), a warm
/// of 2 GiB on the loopback MooseFS ended with 47-100% of it resident
/// (reports/2026-12-03-vm/promote).
///
/// So after each `read` call its bytes are mapped and faulted in
/// (`MADV_POPULATE_READ` counts an access per page, the unmapping one
/// more): every page of it ends on the active list, with no storage I/O
/// and no copy. The `mmap` and `willneed` methods read that way already.
/// A chunk skipped because it was all resident (a neighbour's readahead
/// brought it in, nobody read it) is promoted the same way. Measured by
/// `/proc/kpageflags` (crates/cli/tests/promote.rs, 256 MiB on ext4): one
/// `pread` pass leaves none of it active; a warm without promotion, 0 MiB;
/// with it, 255-256 MiB with each method.
///
/// Bytes not all in the cache are not promoted (`mincore(2)` on the
/// mapping, before faulting it in), so a mount that keeps nothing is not
/// read twice. A caller who cannot write the file is told every page is
/// resident (the kernel hides the page cache from it), so for it they are
/// promoted unchecked; a mount that refuses mappings (direct-I/O FUSE,
/// which keeps nothing either) is never promoted. Not `cachestat(2)`: on
/// overlayfs it looks at the overlay file's own page cache, always empty,
/// and promotion never happened there (a container image's model).
pub(crate) struct Promote {
    on: bool,
    /// The caller has just found the range all resident: no second look.
    known_cached: bool,
}

impl Promote {
    pub(crate) fn new(on: bool) -> Self {
        Promote {
            on,
            known_cached: false,
        }
    }

    /// For a range the caller has just measured all resident.
    pub(crate) fn cached(on: bool) -> Self {
        Promote {
            on,
            known_cached: true,
        }
    }

    /// After `n` bytes at `pos` were read: maps and faults them in when
    /// they are all cached.
    pub(crate) fn after(&mut self, file: &File, pos: u64, n: u64) {
        if !self.on || n == 0 {
            return;
        }
        let page = page_size();
        let pages = (pos + n).div_ceil(page) - pos / page;
        let map = match Mapping::new(file, pos, n) {
            Ok(map) => map,
            // No mappings on this mount: none for the rest of the chunk.
            Err(_) => {
                self.on = false;
                return;
            }
        };
        if !self.known_cached && map.resident_pages().is_ok_and(|r| r < pages) {
            return;
        }
        let _ = map.populate(0, n);
    }
}
