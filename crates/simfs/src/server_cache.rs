//! A server-side cache: the blocks a mount has served, least recently used out.
//!
//! Distributed storage keeps recently read data in its servers' memory, where
//! no client can drop it: a re-read after the client evicted its page cache
//! is fast, faster than truly cold (realfs.md measured this on MooseFS). A
//! tuner that re-reads bytes between probes measures this cache instead of
//! the storage; this module lets simfs play that trap.
//!
//! The cache holds whole blocks of [`BLOCK`] bytes (a server reads and keeps
//! whole blocks, so a request that covered part of a block caches all of
//! it). A request is a hit only when every block it touches is cached. A
//! miss counts as cached from the moment it arrives (a concurrent read of the
//! same block is a hit), which keeps the LRU order the order of arrival.

use std::collections::{BTreeMap, HashMap};

/// Bytes per cached block.
pub(crate) const BLOCK: u64 = 64 * 1024;

/// A backing file, by device and inode (stable across opens and renames).
pub(crate) type FileId = (u64, u64);

type Key = (FileId, u64);

/// The blocks cached so far, with their last use.
#[derive(Debug)]
pub(crate) struct ServerCache {
    capacity: usize,
    /// Block -> the tick of its last use.
    used: HashMap<Key, u64>,
    /// Tick -> block, oldest first.
    order: BTreeMap<u64, Key>,
    tick: u64,
}

fn blocks(offset: u64, len: u64) -> std::ops::Range<u64> {
    let end = offset.saturating_add(len.max(1));
    offset / BLOCK..end.div_ceil(BLOCK)
}

impl ServerCache {
    /// A cache of `bytes` (rounded down to whole blocks, at least one).
    pub(crate) fn new(bytes: u64) -> Self {
        let capacity = usize::try_from(bytes / BLOCK).unwrap_or(usize::MAX).max(1);
        Self {
            capacity,
            used: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
        }
    }

    fn touch(&mut self, key: Key) {
        self.tick += 1;
        if let Some(old) = self.used.insert(key, self.tick) {
            self.order.remove(&old);
        }
        self.order.insert(self.tick, key);
    }

    /// Serves a read of `len` bytes at `offset` of `file`: whether every
    /// block it touches was cached (a hit). Either way its blocks become the
    /// most recently used: a miss is read from the backing store and kept,
    /// evicting the least recently used blocks beyond the capacity.
    pub(crate) fn serve(&mut self, file: FileId, offset: u64, len: u64) -> bool {
        let range = blocks(offset, len);
        let hit = range.clone().all(|b| self.used.contains_key(&(file, b)));
        for b in range {
            self.touch((file, b));
        }
        while self.used.len() > self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.used.remove(&oldest);
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = (1, 7);

    #[test]
    fn a_read_block_is_a_hit_whatever_part_is_read_again() {
        let mut c = ServerCache::new(1 << 20);
        assert!(!c.serve(F, 100, 10), "cold");
        assert!(c.serve(F, 0, BLOCK), "the whole first block was cached");
        assert!(!c.serve(F, 0, BLOCK + 1), "the second was not");
        assert!(c.serve(F, BLOCK, 1), "but is now");
        assert!(!c.serve((1, 8), 0, 10), "another file");
    }

    #[test]
    fn least_recently_used_blocks_go_first() {
        let mut c = ServerCache::new(2 * BLOCK);
        c.serve(F, 0, BLOCK);
        c.serve(F, BLOCK, BLOCK);
        assert!(c.serve(F, 0, 1), "block 0 is now the most recent");
        c.serve(F, 2 * BLOCK, BLOCK);
        assert!(c.serve(F, 0, 1));
        assert!(!c.serve(F, BLOCK, 1), "block 1 was the oldest");
    }

    #[test]
    fn a_scan_larger_than_the_cache_never_hits() {
        // The classic LRU behaviour: reading 4 blocks twice through a cache of 3.
        let mut c = ServerCache::new(3 * BLOCK);
        for round in 0..2 {
            for b in 0..4 {
                assert!(!c.serve(F, b * BLOCK, BLOCK), "round {round} block {b}");
            }
        }
    }
}
