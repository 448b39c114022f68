//! The sample a tune reads: fresh byte ranges, each read at most once.
//!
//! Distributed storage has server-side caches no client can drop, so a
//! byte read by one probe must not be read again by the next: the second
//! read would measure the server's cache. The tree is cut into units (whole
//! small files, ranges of large ones), shuffled with a seed in runs of
//! neighbours so every probe draws from all over the tree while readahead
//! past a unit feeds the next one, and handed out from the front: a probe
//! reads from the cursor on and the cursor moves past what it took.

use std::path::Path;

use preload_core::plan::{Chunk, MIN_CHUNK_SIZE, Plan};
use preload_core::walk::FileEntry;
use preload_core::{pagecache, par};
use preload_schema::Residency;

use preload_stats::{Draw, seeded};

/// Fresh units of a tree, consumed front to back.
#[derive(Debug, Clone)]
pub struct SamplePool {
    files: Vec<FileEntry>,
    units: Vec<Chunk>,
    cursor: usize,
    unit_size: u64,
    /// How many times the pool was re-read after eviction.
    pub refills: usize,
    /// The last probe's units, for what its readahead brings in after it.
    landing: Option<Landing>,
    /// Bytes the probes' readahead brought into their units after their
    /// stops, found by [`Self::served`] one probe later and by
    /// [`Self::settle`].
    pub landed_late: u64,
}

/// A probe's units (file, offset, len) and how much of them was resident
/// when it stopped. The readers stop at their next call, but readahead the
/// kernel issued before is still being served, and a page counts as
/// resident only once its read completes: measured at the stop, a probe of
/// the shape matrix's knee48 (1 MiB requests of 170 ms) missed 15-30% of
/// what simfs served to it, all found in its own units a moment later.
/// Waiting for it cost 0.6 s per probe; measuring it one probe later costs
/// nothing.
#[derive(Debug, Clone)]
struct Landing {
    spans: Vec<(usize, u64, u64)>,
    seen: u64,
}

/// Neighbouring units shuffled together.
pub(crate) const RUN: usize = 8;

impl SamplePool {
    /// Cuts `files` into units of `unit_size` (at least
    /// [`MIN_CHUNK_SIZE`], as [`Plan::new`] splits) and shuffles them with `seed`.
    pub fn new(files: Vec<FileEntry>, unit_size: u64, seed: u64) -> SamplePool {
        // Raised here too, so that unit_size() is the size the units have.
        let unit_size = unit_size.max(MIN_CHUNK_SIZE);
        let plan = Plan::new(files, unit_size);
        let units: Vec<Chunk> = plan.chunks.into_iter().filter(|c| c.len > 0).collect();
        // Runs of neighbouring units are shuffled, not single units: readers
        // take a run's units side by side, so the readahead that runs past
        // one unit lands in the next, which the same probe reads, instead of
        // in data a later probe evicts and has served again.
        let mut runs: Vec<&[Chunk]> = units.chunks(RUN).collect();
        let mut rng = seeded(seed);
        // Fisher-Yates.
        for i in (1..runs.len()).rev() {
            runs.swap(i, rng.below(i + 1));
        }
        let units = runs.concat();
        SamplePool {
            files: plan.files,
            units,
            cursor: 0,
            unit_size,
            refills: 0,
            landing: None,
            landed_late: 0,
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

    /// Files holding at least one byte.
    pub(crate) fn files_with_data(&self) -> usize {
        self.files.iter().filter(|f| f.size > 0).count()
    }

    /// Size of the largest file, bytes.
    pub(crate) fn largest_file(&self) -> u64 {
        self.files.iter().map(|f| f.size).max().unwrap_or(0)
    }

    /// Units read so far (the cursor).
    pub(crate) fn consumed(&self) -> usize {
        self.cursor
    }

    /// Marks the first `n` remaining units as read.
    pub fn consume(&mut self, n: usize) {
        self.cursor = (self.cursor + n).min(self.units.len());
    }

    /// Evicts the next `bytes` worth of units and returns their residency
    /// afterwards: ~0 means the probe starts cold. Readahead of an earlier
    /// probe can spill into a neighbouring unit; this removes it.
    ///
    /// This and the other per-unit calls around a probe run on
    /// [`par::map_all`]'s threads: behind a metadata latency every open is
    /// a round trip, and done one unit after the other they took about six
    /// seconds per probe of 1 MiB files behind 5 ms lookups (simfs's
    /// metadata-bound shape), three times the probe, and pushed the tune
    /// past its time budget.
    pub fn make_cold(&self, bytes: u64) -> Residency {
        let n = self.units_for(bytes);
        let measured = par::map_all(&self.units[self.cursor..self.cursor + n], |c| {
            let path: &Path = &self.files[c.file].path;
            let _ = pagecache::evict_range(path, c.offset, c.len);
            pagecache::range_residency(path, c.offset, c.len).ok()
        });
        measured
            .into_iter()
            .flatten()
            .fold(Residency::default(), |mut total, r| {
                total.resident_bytes += r.resident_bytes;
                total.total_bytes += r.total_bytes;
                total
            })
    }

    /// Bytes the storage served for the `taken` units just before the
    /// cursor, as the page cache shows it: the units and up to `guard` bytes
    /// past each (readahead runs past a unit's end and past a probe's stop,
    /// bytes the probe pays for and never counts). None when residency
    /// cannot be measured exactly (a non-owner) or a file cannot be opened.
    /// What the probe before brought in after its stop goes to
    /// [`Self::landed_late`] ([`Landing`]).
    pub fn served(&mut self, taken: usize, guard: u64) -> Option<u64> {
        let units = self.cursor.saturating_sub(taken)..self.cursor;
        self.land();
        let served = self.resident(&self.reach(units.clone(), guard));
        let spans = self.reach(units, 0);
        self.landing = self.resident(&spans).map(|seen| Landing { spans, seen });
        served
    }

    /// Counts in [`Self::landed_late`] what the last probe's readahead has
    /// brought into its units since it stopped, after waiting `wait` for
    /// the rest of it: for the last probe of a tune.
    pub fn settle(&mut self, wait: std::time::Duration) {
        if self.landing.is_some() {
            std::thread::sleep(wait);
        }
        self.land();
    }

    /// Moves `other`'s late bytes and last probe into this pool: `other` is
    /// one of its [`Self::regrouped`] pools, done with.
    pub(crate) fn absorb(&mut self, other: &mut SamplePool) {
        self.landing = other.landing.take();
        self.landed_late += std::mem::take(&mut other.landed_late);
    }

    /// What the last probe's units gained since its stop, into `landed_late`.
    fn land(&mut self) {
        if let Some(l) = self.landing.take() {
            let now = self.resident(&l.spans).unwrap_or(l.seen);
            self.landed_late += now.saturating_sub(l.seen);
        }
    }

    /// Resident bytes of `spans`; None if any cannot be measured exactly.
    fn resident(&self, spans: &[(usize, u64, u64)]) -> Option<u64> {
        let measured = par::map_all(spans, |&(file, offset, len)| {
            pagecache::range_residency(&self.files[file].path, offset, len)
                .ok()
                .filter(|r| r.sampled_bytes == 0 && r.unknown_bytes == 0)
        });
        measured
            .into_iter()
            .map(|r| r.map(|r| r.resident_bytes))
            .sum()
    }

    /// Evicts `guard` bytes past each of the next units worth `bytes`, so
    /// that what a probe's readahead brings there is served, and counted,
    /// by that probe alone.
    pub fn evict_guards(&self, bytes: u64, guard: u64) {
        let n = self.units_for(bytes);
        let spans = self.reach(self.cursor..self.cursor + n, guard);
        par::map_all(&spans, |&(file, offset, len)| {
            let _ = pagecache::evict_range(&self.files[file].path, offset, len);
        });
    }

    /// Units from the cursor that hold `bytes`.
    fn units_for(&self, bytes: u64) -> usize {
        let mut taken = 0;
        self.units[self.cursor..]
            .iter()
            .take_while(|c| {
                let more = taken < bytes;
                taken += c.len;
                more
            })
            .count()
    }

    /// The byte ranges of units `range`, each extended by `guard` (within
    /// its file), merged per file: (file, offset, len).
    fn reach(&self, range: std::ops::Range<usize>, guard: u64) -> Vec<(usize, u64, u64)> {
        let mut spans: Vec<(usize, u64, u64)> = self.units[range]
            .iter()
            .map(|c| {
                let end = (c.offset + c.len + guard).min(self.files[c.file].size);
                (c.file, c.offset, end)
            })
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(usize, u64, u64)> = Vec::new();
        for (file, start, end) in spans {
            match merged.last_mut() {
                Some((f, _, e)) if *f == file && start <= *e => *e = (*e).max(end),
                _ => merged.push((file, start, end)),
            }
        }
        merged
            .into_iter()
            .map(|(file, start, end)| (file, start, end - start))
            .collect()
    }

    /// The remaining units put back in file order and cut again into work
    /// units of `size` (at least [`MIN_CHUNK_SIZE`]): larger units merge
    /// neighbours that touch in one file, smaller ones split. File order is
    /// the order `warm` reads in (a file's chunks one after the other), and
    /// it lets a unit span a whole file. With `spread: Some(level)`, the new
    /// units of each `level` files in turn are dealt one file at a time
    /// instead (those files' first units, then their second units, ...), so
    /// `level` readers taking them from the front are each in a file of
    /// their own, reading it in order, as `warm --schedule spread` reads (at
    /// level 1 that is file order); with fewer files than `level`, each
    /// file's units are dealt as parts of it, one reader each, as spread
    /// splits a file. Returns the
    /// new pool and, per new unit, how many of this pool's remaining units
    /// it and the ones before it reach into (for [`Self::consume`]; this
    /// pool's remaining units are put in the matching order). For the last
    /// probes of a tune: the shuffle of what is left is gone.
    pub fn regrouped(&mut self, size: u64, spread: Option<usize>) -> (SamplePool, Vec<usize>) {
        let size = size.max(MIN_CHUNK_SIZE);
        self.units[self.cursor..].sort_unstable_by_key(|c| (c.file, c.offset));
        let mut units: Vec<Chunk> = Vec::new();
        // Per remaining unit of this pool: the first new unit it is part of.
        let mut owner: Vec<usize> = Vec::new();
        for c in &self.units[self.cursor..] {
            let mut offset = c.offset;
            let end = c.offset + c.len;
            let mut first = None;
            while offset < end {
                let len = size.min(end - offset);
                match units.last_mut() {
                    Some(last)
                        if last.file == c.file
                            && last.offset + last.len == offset
                            && last.len + len <= size =>
                    {
                        last.len += len;
                    }
                    _ => units.push(Chunk {
                        file: c.file,
                        offset,
                        len,
                    }),
                }
                first.get_or_insert(units.len() - 1);
                offset += len;
            }
            owner.push(first.unwrap_or(units.len().saturating_sub(1)));
        }
        // The new position of each new unit.
        let mut position: Vec<usize> = (0..units.len()).collect();
        if let Some(level) = spread {
            // Per new unit: its file's batch of `level` files, and how many
            // units of its file come before it.
            let (mut batch, mut rank) = (vec![0usize; units.len()], vec![0usize; units.len()]);
            let mut files_seen = 0;
            for j in 0..units.len() {
                if j > 0 && units[j].file == units[j - 1].file {
                    rank[j] = rank[j - 1] + 1;
                } else {
                    files_seen += 1;
                }
                batch[j] = (files_seen - 1) / level.max(1);
            }
            // A batch of fewer files than readers: warm's spread splits
            // each file into about level / files parts, one reader each
            // (a joining reader starts in the middle of what is left, not
            // behind another reader), so the units are dealt part by part:
            // every part's first unit, then every part's second, ...
            let mut units_of = vec![0usize; units.len()];
            let mut files_in = vec![0usize; batch.last().map_or(0, |b| b + 1)];
            for j in 0..units.len() {
                let last_of_file = j + 1 == units.len() || units[j + 1].file != units[j].file;
                if last_of_file {
                    let n = rank[j] + 1;
                    units_of[j + 1 - n..=j].fill(n);
                    files_in[batch[j]] += 1;
                }
            }
            let part_rank = |j: usize| {
                let (n, r) = (units_of[j], rank[j]);
                let parts = level.div_ceil(files_in[batch[j]]).clamp(1, n);
                let part = r * parts / n;
                r - (part * n).div_ceil(parts)
            };
            let mut order: Vec<usize> = (0..units.len()).collect();
            order.sort_by_key(|&j| (batch[j], part_rank(j), j));
            for (p, &j) in order.iter().enumerate() {
                position[j] = p;
            }
            units = order.iter().map(|&j| units[j]).collect();
        }
        // This pool's remaining units in the order the new ones are taken.
        let mut keyed: Vec<(usize, Chunk)> = owner
            .iter()
            .map(|&j| position[j])
            .zip(self.units[self.cursor..].iter().copied())
            .collect();
        keyed.sort_by_key(|(p, _)| *p);
        for (slot, (_, c)) in self.units[self.cursor..].iter_mut().zip(&keyed) {
            *slot = *c;
        }
        let reach = (0..units.len())
            .map(|n| keyed.partition_point(|(p, _)| *p <= n))
            .collect();
        let pool = SamplePool {
            files: self.files.clone(),
            units,
            cursor: 0,
            unit_size: size,
            refills: self.refills,
            landing: self.landing.take(),
            landed_late: 0,
        };
        (pool, reach)
    }

    /// Starts over from the first unit: only when the tree holds too little
    /// fresh data. Server-side caches may then make results optimistic.
    pub fn refill(&mut self) {
        // Before the last probe's units are read again.
        self.land();
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
    fn regrouping_merges_touching_neighbours_and_splits_larger_units() {
        let mut pool = SamplePool::new(files(), 2 << 20, 7);
        let unit = |file, offset: u64, len: u64| Chunk { file, offset, len };
        pool.units = vec![
            unit(0, 0, 2 << 20),
            unit(0, 2 << 20, 2 << 20),
            unit(0, 4 << 20, 2 << 20),
            unit(3, 0, 2 << 20),
            unit(0, 8 << 20, 2 << 20),
        ];
        pool.consume(1);
        let (big, reach) = pool.regrouped(4 << 20, None);
        assert_eq!(big.unit_size(), 4 << 20);
        // File order: file 0's units first, the touching ones merged.
        assert_eq!(
            big.shard().chunks,
            vec![
                unit(0, 2 << 20, 4 << 20),
                unit(0, 8 << 20, 2 << 20),
                unit(3, 0, 2 << 20)
            ]
        );
        // Taking the first big unit reads two of the remaining units.
        assert_eq!(reach, vec![2, 3, 4]);
        assert_eq!(big.remaining_bytes(), pool.remaining_bytes());
        assert_eq!(pool.shard().chunks[2], unit(0, 8 << 20, 2 << 20));

        let (small, reach) = pool.regrouped(1 << 20, None);
        assert_eq!(small.remaining_units(), 8);
        assert_eq!(small.shard().chunks[1], unit(0, 3 << 20, 1 << 20));
        assert_eq!(reach, vec![1, 1, 2, 2, 3, 3, 4, 4]);

        // A whole file is one unit when the size allows it.
        let (whole, _) = pool.regrouped(pool.largest_file(), None);
        assert_eq!(whole.shard().chunks[0], unit(0, 2 << 20, 4 << 20));
    }

    #[test]
    fn units_are_never_below_the_plan_minimum() {
        let pool = SamplePool::new(files(), 4096, 7);
        assert_eq!(pool.unit_size(), MIN_CHUNK_SIZE);
        assert_eq!(pool.remaining_units(), 14);
    }

    #[test]
    fn reach_merges_neighbours_and_stops_at_the_end_of_the_file() {
        let mut pool = SamplePool::new(files(), 2 << 20, 7);
        pool.units = vec![
            Chunk {
                file: 0,
                offset: 0,
                len: 2 << 20,
            },
            Chunk {
                file: 0,
                offset: 2 << 20,
                len: 2 << 20,
            },
            Chunk {
                file: 0,
                offset: 8 << 20,
                len: 2 << 20,
            },
            Chunk {
                file: 3,
                offset: 2 << 20,
                len: 1 << 20,
            },
        ];
        assert_eq!(
            pool.reach(0..4, 1 << 20),
            [
                (0, 0, 5 << 20),
                (0, 8 << 20, 2 << 20),
                (3, 2 << 20, 1 << 20)
            ]
        );
        assert_eq!(pool.units_for(3 << 20), 2);
        // A guard longer than a unit runs over its neighbour: one span,
        // each byte counted once.
        assert_eq!(pool.reach(0..2, 3 << 20), [(0, 0, 7 << 20)]);
    }

    #[test]
    fn unit_size_scales_with_the_tree() {
        assert_eq!(SamplePool::unit_size_for(100 << 20), 1 << 20);
        assert_eq!(SamplePool::unit_size_for(1 << 30), 4 << 20);
        assert_eq!(SamplePool::unit_size_for(4 << 30), 16 << 20);
        assert_eq!(SamplePool::unit_size_for(1 << 40), 32 << 20);
    }

    fn big_file() -> Vec<FileEntry> {
        vec![FileEntry {
            path: "big".into(),
            size: 256 << 20,
            dev: 1,
            ino: 9,
        }]
    }

    #[test]
    fn the_seed_decides_the_order() {
        let a = SamplePool::new(big_file(), 1 << 20, 1).shard().chunks;
        let b = SamplePool::new(big_file(), 1 << 20, 1).shard().chunks;
        let c = SamplePool::new(big_file(), 1 << 20, 2).shard().chunks;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn neighbours_stay_together_in_runs() {
        let units = SamplePool::new(big_file(), 1 << 20, 3).shard().chunks;
        for run in units.chunks(RUN) {
            for pair in run.windows(2) {
                assert_eq!(pair[1].offset, pair[0].offset + pair[0].len, "{run:?}");
            }
        }
        let starts: Vec<u64> = units.chunks(RUN).map(|r| r[0].offset).collect();
        assert!(starts.windows(2).any(|w| w[1] < w[0]), "runs are shuffled");
    }

    #[test]
    fn spread_regrouping_deals_one_unit_per_file_and_consumes_what_was_taken() {
        let mut pool = SamplePool::new(files(), 2 << 20, 7);
        let unit = |file, offset: u64, len: u64| Chunk { file, offset, len };
        pool.units = vec![
            unit(3, 2 << 20, 1 << 20),
            unit(0, 0, 2 << 20),
            unit(1, 0, 1 << 20),
            unit(0, 2 << 20, 2 << 20),
            unit(3, 0, 2 << 20),
            unit(0, 6 << 20, 2 << 20),
        ];
        // One reader: file order, as warm reads with one reader.
        let (one, _) = pool.clone().regrouped(2 << 20, Some(1));
        let (file_order, _) = pool.clone().regrouped(2 << 20, None);
        assert_eq!(one.shard().chunks, file_order.shard().chunks);
        // Two readers: files 0 and 1 dealt in turn, then file 3 alone.
        let (two, _) = pool.clone().regrouped(2 << 20, Some(2));
        let files: Vec<usize> = two.shard().chunks.iter().map(|c| c.file).collect();
        assert_eq!(files, vec![0, 1, 0, 0, 3, 3]);
        let (spread, reach) = pool.regrouped(2 << 20, Some(3));
        // Each file's first unit, then each file's second.
        assert_eq!(
            spread.shard().chunks,
            vec![
                unit(0, 0, 2 << 20),
                unit(1, 0, 1 << 20),
                unit(3, 0, 2 << 20),
                unit(0, 2 << 20, 2 << 20),
                unit(3, 2 << 20, 1 << 20),
                unit(0, 6 << 20, 2 << 20),
            ]
        );
        assert_eq!(reach, vec![1, 2, 3, 4, 5, 6]);
        // A probe that took the first three new units consumed exactly
        // those three of this pool: one unit of each file.
        pool.consume(reach[2]);
        let left: Vec<(usize, u64)> = pool
            .shard()
            .chunks
            .iter()
            .map(|c| (c.file, c.offset))
            .collect();
        assert_eq!(left, vec![(0, 2 << 20), (3, 2 << 20), (0, 6 << 20)]);
    }

    #[test]
    fn spread_regrouping_of_fewer_files_than_readers_deals_parts_of_them() {
        let mut pool = SamplePool::new(files(), 1 << 20, 7);
        // File 0 (10 MiB) alone at level 4: parts of 3, 2, 3 and 2 units
        // (units 0-2, 3-4, 5-7, 8-9), their first units first.
        pool.units.retain(|c| c.file == 0);
        let (four, _) = pool.regrouped(1 << 20, Some(4));
        let offsets: Vec<u64> = four.shard().chunks.iter().map(|c| c.offset >> 20).collect();
        assert_eq!(offsets, vec![0, 3, 5, 8, 1, 4, 6, 9, 2, 7]);
        // As many readers as files: each file read in order.
        let (one, _) = pool.regrouped(1 << 20, Some(1));
        let offsets: Vec<u64> = one.shard().chunks.iter().map(|c| c.offset >> 20).collect();
        assert_eq!(offsets, (0..10).collect::<Vec<u64>>());
    }
}
