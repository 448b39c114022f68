//! What a run is told ([`EngineConfig`], [`Pacing`], the buffer sizes) and
//! what it reports ([`Progress`], [`RunStats`]).

use std::time::Duration;

use preload_schema::{Failure, mib_per_s};

use crate::backoff::{BackOffEvent, BackOffRule};
use crate::read::ReadMethod;
use crate::schedule::Scheduling;

/// Default bytes per read call, 1 MiB: the largest request the kernel sends
/// to FUSE and NFS clients with rsize=1M, so a bigger buffer buys nothing.
pub const DEFAULT_BUFFER_SIZE: usize = 1 << 20;

/// Most memory all workers' buffers may take together, 32 MiB: at high
/// parallelism each worker gets a smaller buffer. The size of a read call
/// barely matters for warming, since the kernel's readahead (sequential
/// hint) issues the storage requests ahead of the calls.
pub const MAX_BUFFER_TOTAL: usize = 32 << 20;

/// Smallest buffer a worker gets however many there are.
const MIN_BUFFER: usize = 256 << 10;

/// Each worker's buffer: the configured size, shrunk so that all of them
/// together stay within [`MAX_BUFFER_TOTAL`] (never below 256 KiB).
pub fn buffer_per_worker(configured: usize, workers: usize) -> usize {
    configured.min((MAX_BUFFER_TOTAL / workers.max(1)).max(MIN_BUFFER))
}

/// How the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// Read method.
    pub method: ReadMethod,
    /// Bytes per read call (the one buffer each worker owns).
    pub buffer_size: usize,
    /// How often the monitor samples progress.
    pub tick: Duration,
    /// Stop reading after this long (a tune probe); None = read everything.
    pub deadline: Option<Duration>,
    /// Stop reading after about this many bytes (a tune probe's budget).
    pub byte_limit: Option<u64>,
    /// How workers pick their next chunk.
    pub scheduling: Scheduling,
    /// Before reading a chunk, check (exactly, where the kernel tells this
    /// caller the truth) whether it is all resident already, and skip it
    /// if so: a re-warm after partial eviction reads only what is missing.
    pub skip_resident: bool,
    /// A reader that goes on into the next chunk of a file nobody has
    /// shared with it reads through the handle it has instead of opening
    /// the file again (see `worker::Held`; `warm --keep-open`).
    pub keep_open: bool,
    /// Access each call's bytes a second time in the page cache (a mapping
    /// faulted in), so that reclaim takes other data first (see
    /// `promote::Promote`). A warm does; tune probes, which measure the
    /// storage, do not.
    pub promote: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            method: ReadMethod::Read,
            buffer_size: DEFAULT_BUFFER_SIZE,
            tick: Duration::from_millis(50),
            deadline: None,
            byte_limit: None,
            scheduling: Scheduling::default(),
            skip_resident: false,
            keep_open: false,
            promote: false,
        }
    }
}

/// How gently a run treats shared storage: a rate cap and back-off. Apart
/// from [`EngineConfig`] because tune probes never use it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pacing {
    /// Most bytes per second all workers together may read (a token
    /// bucket every read call draws from before it is issued).
    pub max_rate: Option<u64>,
    /// Halve the level when throughput collapses while it holds.
    pub backoff: Option<BackOffRule>,
}

/// A progress snapshot, passed to the progress callback every tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Bytes read so far.
    pub bytes_done: u64,
    /// Bytes planned.
    pub bytes_total: u64,
    /// Files read completely.
    pub files_done: u64,
    /// Files planned.
    pub files_total: u64,
    /// Time since the run started.
    pub elapsed: Duration,
    /// Workers allowed to read now.
    pub level: usize,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    /// Bytes read: only bytes whose read call returned before the run ended.
    pub bytes: u64,
    /// From start until the last worker finished, or until the cancel.
    pub elapsed: Duration,
    /// Files whose every chunk was read without error.
    pub files_read: u64,
    /// Files that failed, with the first error of each.
    pub failures: Vec<Failure>,
    /// True when the run was cancelled before every chunk was read.
    pub cancelled: bool,
    /// (time since start, cumulative bytes) sampled every tick; the last
    /// sample is the end of the run.
    pub timeline: Vec<(Duration, u64)>,
    /// When a worker first found the queue empty: from then on fewer than
    /// `level` workers are busy, so steady-state measurements stop here.
    pub drain_started: Option<Duration>,
    /// Per-read-call latencies (a bounded sample; on cancel, only those of
    /// workers that had stopped).
    pub latencies: Vec<Duration>,
    /// (time since start, level) at every level change, starting at 0.
    pub levels: Vec<(Duration, usize)>,
    /// The level the controller settled on (or the last level used).
    pub final_level: usize,
    /// One past the last chunk taken (read completely or in part): the
    /// chunks from here on were not touched. With
    /// [`Scheduling::PlanOrder`] every chunk before it was taken too.
    pub chunks_taken: usize,
    /// True when the run stopped at [`EngineConfig::deadline`] or
    /// [`EngineConfig::byte_limit`] rather than at the end of the plan.
    pub stopped_at_limit: bool,
    /// Bytes of chunks found resident and not read
    /// ([`EngineConfig::skip_resident`]); included in `bytes`.
    pub skipped_bytes: u64,
    /// Every back-off of [`Pacing::backoff`], in order.
    pub backoffs: Vec<BackOffEvent>,
}

impl RunStats {
    /// Throughput over the whole run, MiB/s.
    pub fn mib_s(&self) -> f64 {
        mib_per_s(self.bytes, self.elapsed.as_secs_f64())
    }
}
