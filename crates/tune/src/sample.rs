//! The sample a tune reads: fresh byte ranges, each read at most once.
//!
//! Distributed storage has server-side caches no client can drop, so a
//! byte read by one probe must not be read again by the next: the second
//! read would measure the server's cache. The tree is cut into units (whole
//! small files, ranges of large ones), shuffled with a seed so every probe
//! draws from all over the tree, and handed out from the front: a probe
//! reads from the cursor on and the cursor moves past what it took.

use std::path::Path;

use preload_core::pagecache;
use preload_core::plan::{Chunk, MIN_CHUNK_SIZE, Plan};
use preload_core::walk::FileEntry;
use preload_schema::Residency;

use crate::rng::SplitMix64;

/// Fresh units of a tree, consumed front to back.
#[derive(Debug, Clone)]
pub struct SamplePool {
    files: Vec<FileEntry>,
    units: Vec<Chunk>,
    cursor: usize,
    unit_size: u64,
    /// How many times the pool was re-read after eviction.
    pub refills: usize,
}

impl SamplePool {
    /// Cuts `files` into units of `unit_size` (at least
    /// [`MIN_CHUNK_SIZE`], as [`Plan::new`] splits) and shuffles them with `seed`.
    pub fn new(files: Vec<FileEntry>, unit_size: u64, seed: u64) -> SamplePool {
        // Raised here too, so that unit_size() is the size the units have.
        let unit_size = unit_size.max(MIN_CHUNK_SIZE);
        let plan = Plan::new(files, unit_size);
        let mut units: Vec<Chunk> = plan.chunks.into_iter().filter(|c| c.len > 0).collect();
        let mut rng = SplitMix64::new(seed);
        // Fisher-Yates.
        for i in (1..units.len()).rev() {
            units.swap(i, rng.below(i + 1));
        }
        SamplePool {
            files: plan.files,
            units,
            cursor: 0,
            unit_size,
            refills: 0,
        }
    }

    /// A unit size that gives about 256 units, between 1 and 32 MiB, a power of two.
    pub fn unit_size_for(total_bytes: u64) -> u64 {
        let target = (total_bytes / 256).clamp(1 << 20, 32 << 20);
        1 << (63 - target.leading_zeros())
    }

    /// Bytes per unit.
    pub fn unit_size(&self) -> u64 {
        self.unit_size
    }

    /// Bytes not read yet.
    pub fn remaining_bytes(&self) -> u64 {
        self.units[self.cursor..].iter().map(|c| c.len).sum()
    }

    /// Units not read yet.
    pub fn remaining_units(&self) -> usize {
        self.units.len() - self.cursor
    }

    /// Every remaining unit, as a plan the engine reads from the front.
    pub fn shard(&self) -> Plan {
        Plan::from_chunks(self.files.clone(), self.units[self.cursor..].to_vec())
    }

    /// Marks the first `n` remaining units as read.
    pub fn consume(&mut self, n: usize) {
        self.cursor = (self.cursor + n).min(self.units.len());
    }

    /// Evicts the next `bytes` worth of units and returns their residency
    /// afterwards: ~0 means the probe starts cold. Readahead of an earlier
    /// probe can spill into a neighbouring unit; this removes it.
    pub fn make_cold(&self, bytes: u64) -> Residency {
        let mut total = Residency::default();
        let mut taken = 0;
        for c in &self.units[self.cursor..] {
            if taken >= bytes {
                break;
            }
            let path: &Path = &self.files[c.file].path;
            let _ = pagecache::evict_range(path, c.offset, c.len);
            if let Ok(r) = pagecache::range_residency(path, c.offset, c.len) {
                total.resident_bytes += r.resident_bytes;
                total.total_bytes += r.total_bytes;
            }
            taken += c.len;
        }
        total
    }

    /// Starts over from the first unit: only when the tree holds too little
    /// fresh data. Server-side caches may then make results optimistic.
    pub fn refill(&mut self) {
        self.cursor = 0;
        self.refills += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<FileEntry> {
        [10u64 << 20, 1 << 20, 0, 3 << 20]
            .iter()
            .enumerate()
            .map(|(i, &size)| FileEntry {
                path: format!("f{i}").into(),
                size,
                dev: 1,
                ino: i as u64,
            })
            .collect()
    }

    #[test]
    fn units_cover_every_byte_once_and_skip_empty_files() {
        let pool = SamplePool::new(files(), 2 << 20, 7);
        assert_eq!(pool.remaining_bytes(), 14 << 20);
        let mut seen: Vec<(usize, u64)> = pool
            .shard()
            .chunks
            .iter()
            .map(|c| (c.file, c.offset))
            .collect();
        let n = seen.len();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), n, "no unit twice");
        assert_eq!(n, 5 + 1 + 2);
    }

    #[test]
    fn consuming_moves_past_what_was_taken() {
        let mut pool = SamplePool::new(files(), 2 << 20, 7);
        let first = pool.shard().chunks[0];
        pool.consume(3);
        assert_eq!(pool.remaining_units(), 5);
        assert!(!pool.shard().chunks.contains(&first));
        pool.consume(100);
        assert_eq!(pool.remaining_bytes(), 0);
        pool.refill();
        assert_eq!(pool.remaining_units(), 8);
        assert_eq!(pool.refills, 1);
    }

    #[test]
    fn units_are_never_below_the_plan_minimum() {
        let pool = SamplePool::new(files(), 4096, 7);
        assert_eq!(pool.unit_size(), MIN_CHUNK_SIZE);
        assert_eq!(pool.remaining_units(), 14);
    }

    #[test]
    fn unit_size_scales_with_the_tree() {
        assert_eq!(SamplePool::unit_size_for(100 << 20), 1 << 20);
        assert_eq!(SamplePool::unit_size_for(1 << 30), 4 << 20);
        assert_eq!(SamplePool::unit_size_for(4 << 30), 16 << 20);
        assert_eq!(SamplePool::unit_size_for(1 << 40), 32 << 20);
    }

    #[test]
    fn the_seed_decides_the_order() {
        let a = SamplePool::new(files(), 1 << 20, 1).shard().chunks;
        let b = SamplePool::new(files(), 1 << 20, 1).shard().chunks;
        let c = SamplePool::new(files(), 1 << 20, 2).shard().chunks;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
