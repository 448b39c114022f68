//! The work list: files split into byte ranges (chunks).
//!
//! The unit of work is a chunk, not a file, so that a model stored as one
//! 10 GiB shard still gets as many concurrent streams as the storage wants.
//! Chunks of a file are listed in order, so workers taking chunks from the
//! front of the queue read each file front to back, together.

use crate::walk::FileEntry;

/// Default chunk size, 32 MiB. Large enough that opening a file per chunk
/// and the per-chunk fadvise cost nothing next to the read (a chunk is 32
/// reads of 1 MiB), small enough that a 1 GiB shard becomes 32 streams and a
/// run's tail (the last chunks in flight) is short. See the README's
/// benchmark section for the measurement behind it.
pub const DEFAULT_CHUNK_SIZE: u64 = 32 * 1024 * 1024;

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
    /// Splits every file into chunks of at most `chunk_size` bytes.
    pub fn new(files: Vec<FileEntry>, chunk_size: u64) -> Plan {
        let chunk_size = chunk_size.max(1);
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
                let len = chunk_size.min(f.size - offset);
                chunks.push(Chunk {
                    file: i,
                    offset,
                    len,
                });
                offset += len;
            }
        }
        Plan { files, chunks }
    }

    /// A plan over explicit chunks (a tune shard: parts of files).
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
        let plan = Plan::new(vec![file(10), file(0), file(4), file(3)], 4);
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

    #[test]
    fn zero_chunk_size_is_treated_as_one_byte() {
        let plan = Plan::new(vec![file(2)], 0);
        assert_eq!(plan.chunks.len(), 2);
    }
}
