//! How one chunk is pulled into the page cache: the read methods.
//!
//! - `read`: `pread(2)` into one reused buffer, with `POSIX_FADV_SEQUENTIAL`
//!   so the kernel reads ahead aggressively. Copies every byte once into a
//!   buffer that is thrown away, but the completion of each call proves the
//!   bytes arrived, and it works on every filesystem.
//! - `willneed`: `readahead(2)` over the whole chunk, in buffer-sized steps
//!   (falls back to `posix_fadvise(POSIX_FADV_WILLNEED)`), then a wait for
//!   the pages step by step (`MADV_POPULATE_READ` on a mapping: no copy).
//!   readahead returns before the pages arrive, and the kernel may cap or
//!   drop the request, so without the wait the warm would end, and count
//!   bytes, before the data is in memory; the wait reads what was dropped.
//! - `mmap`: `mmap` + `madvise(MADV_POPULATE_READ)` (Linux 5.14+) per step:
//!   faults the pages in without copying, synchronously.
//!
//! With every method a chunk's bytes count only once they are in memory, so
//! a run's elapsed time and throughput cover the whole transfer.
//!
//! Files are opened `O_RDONLY | O_NOATIME` (warming must not write, not even
//! atime), falling back to plain `O_RDONLY` where the kernel refuses
//! `O_NOATIME` (files the caller does not own). Never `O_DIRECT`: it bypasses
//! the page cache, which is the whole point.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::mapping::Mapping;
use crate::promote::Promote;

/// How chunks are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadMethod {
    /// `pread` into a reused buffer (default).
    #[default]
    Read,
    /// `readahead(2)` / `posix_fadvise(WILLNEED)`, no copy.
    WillNeed,
    /// `mmap` + `MADV_POPULATE_READ`, no copy.
    Mmap,
}

impl ReadMethod {
    /// Every method, for benchmarks.
    pub const ALL: [ReadMethod; 3] = [ReadMethod::Read, ReadMethod::WillNeed, ReadMethod::Mmap];

    /// The name used on the command line and in results.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadMethod::Read => "read",
            ReadMethod::WillNeed => "willneed",
            ReadMethod::Mmap => "mmap",
        }
    }
}

impl FromStr for ReadMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(ReadMethod::Read),
            "willneed" => Ok(ReadMethod::WillNeed),
            "mmap" => Ok(ReadMethod::Mmap),
            other => Err(format!(
                "unknown read method {other:?} (expected read, willneed or mmap)"
            )),
        }
    }
}

/// Why a chunk was not read completely.
#[derive(Debug)]
pub enum ChunkError {
    /// An OS error.
    Io(io::Error),
    /// The file ended before the chunk did.
    Shrank {
        /// Offset where end-of-file was met.
        at: u64,
    },
    /// The run was cancelled mid-chunk.
    Cancelled,
}

/// Reads chunks with one method and one reused buffer. One per worker.
#[derive(Debug)]
pub struct ChunkReader {
    method: ReadMethod,
    step: usize,
    buf: Vec<u8>,
    readahead: bool,
    promote: bool,
}

impl ChunkReader {
    /// `step` is the buffer size: bytes per read call (and per readahead or
    /// populate call). Only `Read` allocates it.
    pub fn new(method: ReadMethod, step: usize) -> Self {
        let step = step.max(4096);
        let buf = if method == ReadMethod::Read {
            vec![0; step]
        } else {
            Vec::new()
        };
        ChunkReader {
            method,
            step,
            buf,
            readahead: true,
            promote: false,
        }
    }

    /// Accesses each `read` call's bytes a second time, in the page cache,
    /// when all of them are there, so that reclaim takes other data first
    /// (see `promote::Promote`). No storage I/O.
    pub fn promoting(mut self) -> Self {
        self.promote = true;
        self
    }

    /// Asks the kernel not to read ahead of the `read` method's calls
    /// (`POSIX_FADV_RANDOM` instead of `SEQUENTIAL`). Under a rate cap the
    /// bucket grants each call; readahead would send the storage requests
    /// nobody granted, in bursts at every chunk start, so the storage would
    /// see a lumpy rate (+-10% over 1 s windows on simfs with SEQUENTIAL or
    /// NORMAL, +-1% with RANDOM) instead of the cap. The price: one request
    /// in flight per reader, so a reader is slower where the cap does not
    /// bind (docs/fleet.md).
    pub fn without_readahead(mut self) -> Self {
        self.readahead = false;
        self
    }

    /// Promotes `[offset, offset + len)` of `file`, found all resident and
    /// so not read (a neighbour's readahead brought it in): without this,
    /// pages nobody accessed stay the first that reclaim takes. No-op
    /// unless [`ChunkReader::promoting`].
    pub fn promote_resident(&mut self, file: &File, offset: u64, len: u64) {
        let mut promote = Promote::cached(self.promote);
        let end = offset + len;
        let mut pos = offset;
        while pos < end {
            let n = (end - pos).min(self.step as u64);
            promote.after(file, pos, n);
            pos += n;
        }
    }

    /// Reads `len` bytes at `offset` of `path`. `on_step(bytes, latency)` is
    /// called after each call and returns false to cancel.
    pub fn read_chunk(
        &mut self,
        path: &Path,
        offset: u64,
        len: u64,
        on_step: &mut dyn FnMut(u64, Duration) -> bool,
    ) -> Result<(), ChunkError> {
        let file = open_for_warming(path).map_err(ChunkError::Io)?;
        self.read_chunk_paced(&file, offset, len, &|_| true, on_step)
    }

    /// [`ChunkReader::read_chunk`] on a file the caller opened (the engine
    /// opens each chunk's file once, for its residency check and the read:
    /// on a FUSE mount every open is a round trip to the daemon), with
    /// `pace(bytes)` called before each call that starts a transfer (a
    /// read, a populate, a readahead); it blocks for a rate cap and returns
    /// false to cancel.
    pub fn read_chunk_paced(
        &mut self,
        file: &File,
        offset: u64,
        len: u64,
        pace: &dyn Fn(u64) -> bool,
        on_step: &mut dyn FnMut(u64, Duration) -> bool,
    ) -> Result<(), ChunkError> {
        if len == 0 {
            return Ok(());
        }
        let mut steps = Steps {
            offset,
            len,
            step: self.step as u64,
            pace,
            on_step,
        };
        let mut promote = Promote::new(self.promote);
        match self.method {
            ReadMethod::Read => {
                let advice = if self.readahead {
                    libc::POSIX_FADV_SEQUENTIAL
                } else {
                    libc::POSIX_FADV_RANDOM
                };
                fadvise(file, offset, len, advice);
                pread_steps(file, &mut self.buf, steps, &mut promote)
            }
            ReadMethod::WillNeed => {
                let mut pos = offset;
                while pos < offset + len {
                    let n = steps.step.min(offset + len - pos);
                    // Readahead starts the transfer: the cap paces it, and
                    // the wait below (for pages already asked for) is free.
                    if !pace(n) {
                        return Err(ChunkError::Cancelled);
                    }
                    // SAFETY: readahead only reads the fd; the range may exceed the file.
                    let rc = unsafe { libc::readahead(file.as_raw_fd(), pos as i64, n as usize) };
                    if rc != 0 {
                        // Filesystems without readahead support: the portable hint.
                        fadvise(file, pos, n, libc::POSIX_FADV_WILLNEED);
                    }
                    pos += n;
                }
                steps.pace = &|_| true;
                match Mapping::new(file, offset, len.min(steps.step)) {
                    Ok(_) => populate_steps(file, steps),
                    // No mmap on this mount (direct I/O FUSE): wait by reading.
                    Err(_) => {
                        self.buf.resize(self.step, 0);
                        pread_steps(file, &mut self.buf, steps, &mut promote)
                    }
                }
            }
            ReadMethod::Mmap => populate_steps(file, steps),
        }
    }
}

/// Reads `[offset, offset + len)` with `pread` into `buf`, one step at a
/// time, each step promoted once counted (its latency is the read's alone).
fn pread_steps(
    file: &File,
    buf: &mut [u8],
    steps: Steps<'_>,
    promote: &mut Promote,
) -> Result<(), ChunkError> {
    steps.through(
        |pos, want| pread_once(file, &mut buf[..want as usize], pos),
        |pos, n| promote.after(file, pos, n),
    )
}

/// One `pread` of `buf.len()` bytes at `pos` (retried when interrupted);
/// end of file is an error: the chunk was planned past it.
fn pread_once(file: &File, buf: &mut [u8], pos: u64) -> Result<u64, ChunkError> {
    loop {
        match file.read_at(buf, pos) {
            Ok(0) => return Err(ChunkError::Shrank { at: pos }),
            Ok(n) => return Ok(n as u64),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ChunkError::Io(e)),
        }
    }
}

/// Faults `[offset, offset + len)` in, one step at a time; each step
/// returns once its pages are up to date. Each step has its own mapping,
/// unmapped at once, so a worker maps at most one step of page cache (its
/// RSS stays at the buffer size, not the chunk size).
fn populate_steps(file: &File, steps: Steps<'_>) -> Result<(), ChunkError> {
    steps.through(
        |pos, n| {
            let map = Mapping::new(file, pos, n).map_err(ChunkError::Io)?;
            map.populate(0, n)
                .map_err(|e| populate_error(file, e, pos + n))?;
            Ok(n)
        },
        |_, _| {},
    )
}

/// What a failed populate means: EFAULT is a page that could not be read,
/// either past a new end of file (the file shrank) or an I/O error.
fn populate_error(file: &File, err: io::Error, end: u64) -> ChunkError {
    if err.raw_os_error() != Some(libc::EFAULT) {
        return ChunkError::Io(err);
    }
    match file.metadata() {
        Ok(m) if m.len() < end => ChunkError::Shrank { at: m.len() },
        _ => ChunkError::Io(io::Error::from_raw_os_error(libc::EIO)),
    }
}

/// A chunk `[offset, offset + len)` walked in calls of at most `step`
/// bytes: `pace(bytes)` before each (false cancels), `on_step(bytes,
/// latency)` after each (false cancels).
struct Steps<'a> {
    offset: u64,
    len: u64,
    step: u64,
    pace: &'a dyn Fn(u64) -> bool,
    on_step: &'a mut dyn FnMut(u64, Duration) -> bool,
}

impl Steps<'_> {
    /// Calls `call(pos, want)` until the chunk is done; it returns the
    /// bytes it covered. `then(pos, n)` runs after each step is counted,
    /// outside its latency.
    fn through(
        self,
        mut call: impl FnMut(u64, u64) -> Result<u64, ChunkError>,
        mut then: impl FnMut(u64, u64),
    ) -> Result<(), ChunkError> {
        let end = self.offset + self.len;
        let mut pos = self.offset;
        while pos < end {
            let want = (end - pos).min(self.step);
            if !(self.pace)(want) {
                return Err(ChunkError::Cancelled);
            }
            let t = Instant::now();
            let n = call(pos, want)?;
            if !(self.on_step)(n, t.elapsed()) {
                return Err(ChunkError::Cancelled);
            }
            then(pos, n);
            pos += n;
        }
        Ok(())
    }
}

/// Opens a file read-only without updating its access time where permitted.
pub fn open_for_warming(path: &Path) -> io::Result<File> {
    let open = |flags| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags)
            .open(path)
    };
    match open(libc::O_NOATIME) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => open(0),
        other => other,
    }
}

/// `posix_fadvise`; a failed hint is not an error worth reporting.
pub(crate) fn fadvise(file: &File, offset: u64, len: u64, advice: libc::c_int) -> bool {
    // SAFETY: posix_fadvise only reads its integer arguments.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), offset as i64, len as i64, advice) == 0 }
}

pub(crate) fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as u64 } else { 4096 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(
        method: ReadMethod,
        path: &Path,
        offset: u64,
        len: u64,
    ) -> (u64, Result<(), ChunkError>) {
        let mut reader = ChunkReader::new(method, 4096);
        let mut total = 0;
        let r = reader.read_chunk(path, offset, len, &mut |n, _| {
            total += n;
            true
        });
        (total, r)
    }

    #[test]
    fn every_method_covers_the_range() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![7u8; 3 * 4096 + 123]).unwrap();
        for m in ReadMethod::ALL {
            let (n, r) = read_all(m, &p, 4096 + 5, 2 * 4096);
            assert!(r.is_ok(), "{m:?}");
            assert_eq!(n, 2 * 4096, "{m:?}");
        }
    }

    #[test]
    fn reading_past_the_end_reports_a_shrunk_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 5000]).unwrap();
        let (n, r) = read_all(ReadMethod::Read, &p, 0, 9000);
        assert_eq!(n, 5000);
        assert!(matches!(r, Err(ChunkError::Shrank { at: 5000 })));
    }

    #[test]
    fn cancel_stops_mid_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 5 * 4096]).unwrap();
        let mut reader = ChunkReader::new(ReadMethod::Read, 4096);
        let r = reader.read_chunk(&p, 0, 5 * 4096, &mut |_, _| false);
        assert!(matches!(r, Err(ChunkError::Cancelled)));
    }

    #[test]
    fn method_names_round_trip() {
        for m in ReadMethod::ALL {
            assert_eq!(m.as_str().parse::<ReadMethod>().unwrap(), m);
        }
        assert!("direct".parse::<ReadMethod>().is_err());
    }
}
