//! The work list: files split into byte ranges (chunks).
//!
//! The unit of work is a chunk, not a file, so that a model stored as one
//! 10 GiB shard still gets as many concurrent streams as the storage wants.
//! Chunks of a file are listed in order, so workers taking chunks from the
//! front of the queue read each file front to back, together.
//!
//! # What a plan costs
//!
//! A plan holds one [`FileEntry`] per file (48 bytes plus the path's bytes
//! on the heap) and one [`Chunk`] per chunk (24 bytes). Every file has at
//! least one chunk, and a file of `size` bytes has `ceil(size / chunk_size)`,
//! so with chunks of at least [`MIN_CHUNK_SIZE`] the plan costs at most
//! `72 bytes + path` per file plus 24 bytes per MiB of data: 2.4 MiB for a
//! 100 GiB model, 24 MiB for a 1 TiB tree. [`Plan::new`] never splits finer
//! than that; a tiny chunk size used to cost 24 bytes per byte of data (64
//! MiB of input with `--chunk-size 1`: over 1 GiB of plan).

use crate::walk::FileEntry;

/// Smallest chunk size, 1 MiB: one read call of the default buffer.
///
/// A smaller chunk buys nothing: each chunk costs an open, an fadvise and at
/// least one read, a chunk below the buffer size is a single short read, and
/// 1 MiB chunks already split a 64 MiB file into 64 streams, more than any
/// published knee (4 to 48). It also bounds a plan's memory at 24 bytes per
/// MiB of data (see the module documentation). `preload warm --chunk-size`
/// and [`crate::Warmer::prepare`] refuse smaller values; [`Plan::new`]
/// raises them to this.
pub const MIN_CHUNK_SIZE: u64 = 1024 * 1024;

/// Default chunk size, 32 MiB. Large enough that opening a file per chunk
/// and the per-chunk fadvise cost nothing next to the read (a chunk is 32
/// reads of 1 MiB), small enough that a 1 GiB shard becomes 32 streams and a
/// run's tail (the last chunks in flight) is short. See the README's
/// benchmark section for the measurement behind it.
pub const DEFAULT_CHUNK_SIZE: u64 = 32 * 1024 * 1024;

/// Default chunk size of a warm beside its loader (`preload run`, Python's
/// `warming`, bench's `run`), 8 MiB. The loader reads at the front of the
/// order and every reader works there, so the front advances in waves of
/// one chunk per reader that arrive together: with 8 readers of 32 MiB at
/// 25 MiB/s each, 256 MiB land at once every 1.3 s and the loader waits
/// for the whole wave, then races through it, and is still at it when the
/// warm ends. 8 MiB waves keep it close behind (simfs, 1 GiB model, `-P
/// 8`, the `--work 0.75` loader: 5.72 s against 6.05 s, medians of 5
/// interleaved rounds; reports/2026-12-01-vm/loader/overlap.md). A whole
/// warm keeps [`DEFAULT_CHUNK_SIZE`]: smaller chunks cost a FUSE client
/// more CPU per byte and gain nothing there.
pub const FRONT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// A byte range of one file of a [`Plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Index into [`Plan::files`].
    pub file: usize,
    /// First byte.
    pub offset: u64,
    /// Length in bytes (the last chunk of a file may be shorter).
    pub len: u64,
}

/// Files and the chunks to read from them.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The files, as walked.
    pub files: Vec<FileEntry>,
    /// Byte ranges in reading order. A zero-length file has one empty chunk,
    /// so it is still opened (and counted as read, or as failed).
    pub chunks: Vec<Chunk>,
}

impl Plan {
    /// Splits every file into chunks of at most `chunk_size` bytes; a
    /// `chunk_size` below [`MIN_CHUNK_SIZE`] is raised to it, so the plan's
    /// memory stays bounded whatever the caller passes.
    pub fn new(files: Vec<FileEntry>, chunk_size: u64) -> Plan {
        Plan::split(files, chunk_size.max(MIN_CHUNK_SIZE))
    }

    /// [`Plan::new`] with an even tail for `readers` readers: near the end
    /// of the plan a chunk is at most the bytes left over `readers`
    /// (rounded down to whole MiB, never below [`MIN_CHUNK_SIZE`]), as
    /// OpenMP's `guided` schedule sizes its chunks.
    ///
    /// With equal chunks the last wave is `readers` chunks that end
    /// together: readers with nothing left idle while the others finish a
    /// whole chunk each at their share of the bandwidth (16 readers, 32 MiB,
    /// 200 MiB/s: 2.6 s), and a loader beside the warm (`preload run`),
    /// which reads the plan's order as it completes, then has that whole
    /// wave (512 MiB) to process after the warm ends. Shrinking the
    /// chunks as the work runs out keeps every reader busy to the end and
    /// the last wave small. Only the tail is split finer: the chunk size
    /// holds until fewer than `readers x chunk_size` bytes are left, which
    /// costs about `readers x ln(chunk_size / MIN_CHUNK_SIZE)` chunks more
    /// (55 for 16 readers at 32 MiB).
    ///
    /// With a chunk size above [`DEFAULT_CHUNK_SIZE`], a file the chunk
    /// size keeps whole stays whole: such a size asks for longer streams
    /// (`preload tune`'s "whole files" is the largest file rounded up to a
    /// power of two; the one-liner reads one stream per file), and
    /// splitting those files' tails would put several readers in each. At
    /// the default size small files still get the finer tail: on storage
    /// that limits each stream, a 64 MiB tree of four 16 MiB files warms
    /// at 16 readers only in 4 MiB pieces (the shape matrix's tiny tree).
    /// Measured on the loopback MooseFS: reports/2026-12-02-vm/realfs-gap.
    pub fn with_even_tail(files: Vec<FileEntry>, chunk_size: u64, readers: usize) -> Plan {
        let chunk_size = chunk_size.max(MIN_CHUNK_SIZE);
        let readers = readers.max(1) as u64;
        Plan::split_by(files, |left, file_size| {
            if chunk_size > DEFAULT_CHUNK_SIZE && file_size <= chunk_size {
                return chunk_size;
            }
            ((left / readers) / MIN_CHUNK_SIZE * MIN_CHUNK_SIZE).clamp(MIN_CHUNK_SIZE, chunk_size)
        })
    }

    /// [`Plan::new`] without the minimum, for tests that need many chunks
    /// of small files.
    #[cfg(test)]
    pub(crate) fn new_unbounded(files: Vec<FileEntry>, chunk_size: u64) -> Plan {
        Plan::split(files, chunk_size.max(1))
    }

    fn split(files: Vec<FileEntry>, chunk_size: u64) -> Plan {
        Plan::split_by(files, |_, _| chunk_size)
    }

    /// Splits every file in order into chunks of at most `size(left,
    /// file_size)` bytes, where `left` is what the plan has still to cover.
    fn split_by(files: Vec<FileEntry>, size: impl Fn(u64, u64) -> u64) -> Plan {
        let mut left: u64 = files.iter().map(|f| f.size).sum();
        let mut chunks = Vec::new();
        for (i, f) in files.iter().enumerate() {
            if f.size == 0 {
                chunks.push(Chunk {
                    file: i,
                    offset: 0,
                    len: 0,
                });
                continue;
            }
            let mut offset = 0;
            while offset < f.size {
                let len = size(left, f.size).min(f.size - offset);
                chunks.push(Chunk {
                    file: i,
                    offset,
                    len,
                });
                offset += len;
                left -= len;
            }
        }
        Plan { files, chunks }
    }

    /// A plan over explicit chunks (a tune shard: parts of files). The
    /// caller built the chunks, so it has already paid for them; nothing is
    /// split here.
    pub fn from_chunks(files: Vec<FileEntry>, chunks: Vec<Chunk>) -> Plan {
        Plan { files, chunks }
    }

    /// Total bytes of all chunks.
    pub fn bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.len).sum()
    }

    /// Number of chunks per file, indexed like [`Plan::files`].
    pub fn chunks_per_file(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.files.len()];
        for c in &self.chunks {
            counts[c.file] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64) -> FileEntry {
        FileEntry {
            path: "f".into(),
            size,
            dev: 1,
            ino: size,
        }
    }

    #[test]
    fn chunk_boundaries_cover_each_file_exactly_once() {
        let plan = Plan::new_unbounded(vec![file(10), file(0), file(4), file(3)], 4);
        let ranges: Vec<(usize, u64, u64)> = plan
            .chunks
            .iter()
            .map(|c| (c.file, c.offset, c.len))
            .collect();
        assert_eq!(
            ranges,
            [
                (0, 0, 4),
                (0, 4, 4),
                (0, 8, 2),
                (1, 0, 0),
                (2, 0, 4),
                (3, 0, 3)
            ]
        );
        assert_eq!(plan.bytes(), 17);
        assert_eq!(plan.chunks_per_file(), [3, 1, 1, 1]);
    }

    /// The case: `--chunk-size 1` over 64 MiB built 64 Mi chunks
    /// (1.5 GiB of plan). Now it is 64 chunks.
    #[test]
    fn tiny_chunk_sizes_are_raised_to_the_minimum() {
        for asked in [0, 1, 4096, MIN_CHUNK_SIZE - 1] {
            let plan = Plan::new(vec![file(64 << 20), file(1)], asked);
            assert_eq!(plan.chunks.len(), 64 + 1, "chunk size {asked}");
            assert!(plan.chunks.iter().all(|c| c.len <= MIN_CHUNK_SIZE));
        }
        let plan = Plan::new(vec![file(64 << 20)], 4 << 20);
        assert_eq!(plan.chunks.len(), 16, "larger sizes are kept");
    }

    #[test]
    fn an_even_tail_shrinks_only_the_last_chunks() {
        const MIB: u64 = 1 << 20;
        // 1 GiB in 4 shards, 16 readers, 32 MiB chunks.
        let files: Vec<FileEntry> = (0..4).map(|_| file(256 * MIB)).collect();
        let plan = Plan::with_even_tail(files.clone(), 32 * MIB, 16);
        let even = Plan::new(files, 32 * MIB);
        assert_eq!(plan.bytes(), even.bytes());
        let lens: Vec<u64> = plan.chunks.iter().map(|c| c.len / MIB).collect();
        // Full chunks while 16 x 32 MiB or more are left (the first 512 MiB).
        assert!(lens[..16].iter().all(|&l| l == 32), "{lens:?}");
        // Then never growing (but for a file's cut-off last piece), down
        // to the minimum at the very end.
        let sizes: Vec<u64> = plan
            .chunks
            .iter()
            .filter(|c| c.offset + c.len < 256 * MIB)
            .map(|c| c.len)
            .collect();
        assert!(sizes.windows(2).all(|w| w[1] <= w[0]), "{lens:?}");
        assert_eq!(*lens.last().unwrap(), 1);
        // The last wave (16 chunks) is small: under 32 MiB in all.
        let last_wave: u64 = lens[lens.len() - 16..].iter().sum();
        assert!(last_wave < 32, "{lens:?}");
        assert!(
            plan.chunks.len() < even.chunks.len() + 64,
            "{}",
            plan.chunks.len()
        );
        // Each file still covered exactly once, in order.
        for (f, per_file) in plan.chunks_per_file().iter().enumerate() {
            let mine: Vec<&Chunk> = plan.chunks.iter().filter(|c| c.file == f).collect();
            assert_eq!(mine.len(), *per_file as usize);
            let mut at = 0;
            for c in mine {
                assert_eq!(c.offset, at);
                at += c.len;
            }
            assert_eq!(at, 256 * MIB);
        }
    }

    #[test]
    fn an_even_tail_never_splits_a_file_the_chunk_size_keeps_whole() {
        const MIB: u64 = 1 << 20;
        // 8 shards of 256 MiB and a small file, "whole files" for 8 readers.
        let mut files: Vec<FileEntry> = (0..8).map(|_| file(256 * MIB)).collect();
        files.push(file(MIB / 2));
        let plan = Plan::with_even_tail(files.clone(), 512 * MIB, 8);
        assert_eq!(plan.chunks, Plan::new(files.clone(), 512 * MIB).chunks);
        assert!(plan.chunks_per_file().iter().all(|&n| n == 1));
        // A file larger than the chunk size still gets the finer tail.
        files.push(file(1024 * MIB));
        let plan = Plan::with_even_tail(files, 512 * MIB, 8);
        let last: Vec<u64> = plan
            .chunks
            .iter()
            .filter(|c| c.file == 9)
            .map(|c| c.len / MIB)
            .collect();
        assert!(last.len() > 2 && *last.last().unwrap() < 512, "{last:?}");
    }

    #[test]
    fn at_the_default_chunk_size_small_files_still_get_the_finer_tail() {
        let files: Vec<FileEntry> = (0..4).map(|_| file(16 << 20)).collect();
        let plan = Plan::with_even_tail(files, DEFAULT_CHUNK_SIZE, 16);
        // 4 MiB pieces first (64 MiB over 16 readers), smaller after.
        assert!(plan.chunks.len() >= 16, "{:?}", plan.chunks_per_file());
        assert!(plan.chunks.iter().all(|c| c.len <= 4 << 20));
    }

    #[test]
    fn one_reader_gets_the_even_split() {
        let files: Vec<FileEntry> = vec![file(100 << 20), file(0), file(7 << 20)];
        let a = Plan::with_even_tail(files.clone(), 8 << 20, 1);
        let b = Plan::new(files, 8 << 20);
        assert_eq!(a.chunks, b.chunks);
    }

    /// The figures the module documentation promises.
    #[test]
    fn a_plan_costs_what_the_docs_say() {
        assert_eq!(std::mem::size_of::<Chunk>(), 24);
        assert_eq!(std::mem::size_of::<FileEntry>(), 48);
        // 100 GiB in 1 GiB files: 100 files, 102 400 chunks, 2.4 MiB.
        let files: Vec<FileEntry> = (0..100).map(|_| file(1 << 30)).collect();
        let plan = Plan::new(files, 1);
        assert_eq!(plan.chunks.len(), 100 * 1024);
        let bytes = plan.chunks.len() * std::mem::size_of::<Chunk>()
            + plan.files.len() * std::mem::size_of::<FileEntry>();
        assert!(bytes < 2_500_000, "{bytes} bytes of plan for 100 GiB");
    }
}
