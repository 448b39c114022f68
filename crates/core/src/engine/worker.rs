//! One reader of the pool: takes chunks from the shared scheduler, waits
//! its turn under the level, reads through its own [`ChunkReader`], and
//! counts what it read into the state it shares with the monitor.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use preload_schema::Failure;

use super::EngineConfig;
use crate::CancelToken;
use crate::backoff::BackOffGate;
use crate::plan::Plan;
use crate::rate::TokenBucket;
use crate::read::{ChunkError, ChunkReader, open_for_warming};
use crate::schedule::Scheduler;

/// Most per-read latencies kept per worker (enough for percentiles).
const LATENCY_SAMPLES_PER_WORKER: usize = 100_000;

/// What the monitor and the workers share; workers hold it by `Arc`, so it
/// outlives a cancelled run's return.
pub(super) struct Shared {
    pub(super) plan: Plan,
    pub(super) cfg: EngineConfig,
    pub(super) cancel: CancelToken,
    /// Set by the monitor at a deadline or byte limit.
    pub(super) stop: AtomicBool,
    pub(super) schedule: Mutex<Scheduler>,
    /// Set when a worker found no chunk left to take.
    pub(super) drained: AtomicBool,
    /// Workers reading a chunk now.
    pub(super) busy: AtomicUsize,
    pub(super) bytes: AtomicU64,
    pub(super) skipped_bytes: AtomicU64,
    pub(super) files_done: AtomicU64,
    /// Chunks read to their end or given up because their file failed.
    pub(super) chunks_done: AtomicUsize,
    pub(super) remaining: Vec<AtomicU32>,
    pub(super) failed: Vec<AtomicBool>,
    pub(super) failures: Mutex<Vec<Failure>>,
    pub(super) level: Mutex<usize>,
    pub(super) level_changed: Condvar,
    pub(super) start: Instant,
    pub(super) drain_started: OnceLock<Duration>,
    pub(super) finished: AtomicUsize,
    /// Worker threads started; the last to finish wakes the monitor.
    pub(super) workers: usize,
    pub(super) last_end: Mutex<Duration>,
    pub(super) latencies: Mutex<Vec<Duration>>,
    /// [`Pacing::max_rate`](super::Pacing::max_rate)'s bucket.
    pub(super) bucket: Option<TokenBucket>,
    /// Holds readers above a back-off's level between read calls.
    pub(super) gate: BackOffGate,
}

impl Shared {
    /// Checks the deadline and byte limit; sets the stop flag when passed.
    pub(super) fn over_limit(&self, bytes: u64) -> bool {
        let over_time = self.cfg.deadline.is_some_and(|d| self.start.elapsed() >= d);
        let over_bytes = self.cfg.byte_limit.is_some_and(|b| bytes >= b);
        if over_time || over_bytes {
            self.stop.store(true, Ordering::SeqCst);
        }
        over_time || over_bytes
    }

    fn stopping(&self) -> bool {
        self.cancel.is_cancelled() || self.stop.load(Ordering::Relaxed)
    }

    pub(super) fn schedule(&self) -> std::sync::MutexGuard<'_, Scheduler> {
        self.schedule.lock().expect("lock")
    }
}

/// Counts a worker as finished when it ends, by return or by panic, so the
/// monitor never waits for a worker that is gone.
struct Finished<'a>(&'a Shared);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        let mut end = shared
            .last_end
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *end = (*end).max(shared.start.elapsed());
        drop(end);
        if shared.finished.fetch_add(1, Ordering::SeqCst) + 1 == shared.workers {
            shared.cancel.wake();
        }
    }
}

/// The handle a reader keeps after a chunk: its file, and where the chunk
/// ended.
///
/// With [`super::EngineConfig::keep_open`], a reader that goes on into the
/// next chunk of a file it has had to itself reads it through the same
/// handle instead of opening the file again. Some FUSE clients read ahead
/// per open file: on the loopback MooseFS an open every 32 MiB threw away
/// what mfsmount had read ahead for the last one, and the servers read 15%
/// more than the tree (8 GiB, 16 shards, -P 16, medians of 5 cold runs:
/// 18.48 s; kept open 16.78 s, the servers within 1% of the tree; 2 GiB at
/// -P 8: 3.15 -> 2.74 s; reports/2026-12-03-vm/held-handle). Other storage
/// prefers a fresh open, hence a flag: GlusterFS read 29% slower at -P 8
/// (2.80 -> 3.62 s), ext4 behind an 8 MiB `read_ahead_kb` 46% slower
/// (4.99 -> 7.31 s, 8 GiB). A file two readers have shared (spread's
/// parts, the front's neighbours) is opened afresh for every chunk even
/// so (GlusterFS 2.56 -> 3.33 s when those were kept too), and a handle
/// not reused is closed before the next open.
struct Held {
    file: usize,
    end: u64,
    handle: std::fs::File,
}

pub(super) fn worker(id: usize, shared: &Shared, buffer: usize) {
    let _finished = Finished(shared);
    let mut reader = ChunkReader::new(shared.cfg.method, buffer);
    if shared.bucket.is_some() {
        reader = reader.without_readahead();
    }
    if shared.cfg.promote {
        reader = reader.promoting();
    }
    let mut latencies = Vec::new();
    let chunks = &shared.plan.chunks;
    let mut held: Option<Held> = None;
    loop {
        if !wait_for_turn(id, shared) {
            break;
        }
        let (taken, alone) = {
            let mut schedule = shared.schedule();
            let taken = schedule.take(id, chunks, Instant::now());
            if schedule.drained() {
                // Parked workers need not wake for a chunk any more.
                shared.drained.store(true, Ordering::SeqCst);
            }
            let alone = taken.is_some_and(|i| schedule.never_shared(chunks[i].file));
            (taken, alone)
        };
        let Some(i) = taken else {
            shared.drained.store(true, Ordering::SeqCst);
            shared.drain_started.get_or_init(|| shared.start.elapsed());
            break;
        };
        let chunk = chunks[i];
        if shared.failed[chunk.file].load(Ordering::Relaxed) {
            shared.schedule().skipped(id);
            finish_chunk(shared, chunk.file);
            continue;
        }
        let path = &shared.plan.files[chunk.file].path;
        // One open for the residency check and the read (see
        // `range_fully_resident`); a failed open fails the read below.
        // A handle that is not reused is closed before the next open.
        let reused = held
            .take()
            .filter(|h| alone && h.file == chunk.file && h.end == chunk.offset);
        let opened = reused.map_or_else(|| open_for_warming(path), |h| Ok(h.handle));
        let end = chunk.offset + chunk.len;
        let keeps = alone && shared.cfg.keep_open;
        let keep = |handle| Held {
            file: chunk.file,
            end,
            handle,
        };
        if shared.cfg.skip_resident
            && chunk.len > 0
            && opened.as_ref().is_ok_and(|file| {
                crate::pagecache::range_fully_resident(path, file, chunk.offset, chunk.len)
                    == Some(true)
            })
        {
            if let Ok(file) = &opened {
                reader.promote_resident(file, chunk.offset, chunk.len);
            }
            held = opened.ok().filter(|_| keeps).map(keep);
            // Nothing was read: no first-call latency to learn from.
            shared.schedule().skipped(id);
            shared.bytes.fetch_add(chunk.len, Ordering::Relaxed);
            shared.skipped_bytes.fetch_add(chunk.len, Ordering::Relaxed);
            finish_chunk(shared, chunk.file);
            continue;
        }
        let mut answered = false;
        let mut on_step = |n: u64, latency: Duration| {
            if !answered {
                // The file answered: another reader may take its next chunk.
                answered = true;
                shared.schedule().answered(id, Instant::now());
            }
            let total = shared.bytes.fetch_add(n, Ordering::Relaxed) + n;
            shared.over_limit(total);
            if latencies.len() < LATENCY_SAMPLES_PER_WORKER {
                latencies.push(latency);
            }
            !shared.stopping()
        };
        // Before each read call, the back-off's gate and the rate cap's
        // reservation.
        let stopping = || shared.stopping();
        let drained = || shared.drained.load(Ordering::SeqCst);
        let pace = |n: u64| {
            shared.gate.pass(id, &shared.busy, &drained, &stopping)
                && shared
                    .bucket
                    .as_ref()
                    .is_none_or(|b| b.acquire(n, &stopping))
        };
        shared.busy.fetch_add(1, Ordering::SeqCst);
        let read = opened.map_err(ChunkError::Io).and_then(|file| {
            let read = reader.read_chunk_paced(&file, chunk.offset, chunk.len, &pace, &mut on_step);
            if read.is_ok() && keeps {
                held = Some(keep(file));
            }
            read
        });
        shared.busy.fetch_sub(1, Ordering::SeqCst);
        // The reader leaves the file (an empty chunk, or an error before
        // the first call returned, also answers it).
        shared.schedule().finished(id, Instant::now());
        match read {
            Ok(()) => {}
            Err(ChunkError::Cancelled) => break,
            Err(err) => {
                let message = match err {
                    ChunkError::Io(e) => e.to_string(),
                    ChunkError::Shrank { at } => format!(
                        "file shrank while reading: end of file at byte {at}, {} bytes were planned",
                        shared.plan.files[chunk.file].size
                    ),
                    ChunkError::Cancelled => unreachable!("handled above"),
                };
                if !shared.failed[chunk.file].swap(true, Ordering::SeqCst) {
                    shared
                        .failures
                        .lock()
                        .expect("lock")
                        .push(Failure::new(path, message));
                }
            }
        }
        finish_chunk(shared, chunk.file);
    }
    shared.latencies.lock().expect("lock").extend(latencies);
}

/// Blocks while this worker is above the current level. False when the
/// worker should stop (cancelled, or nothing left to take).
fn wait_for_turn(id: usize, shared: &Shared) -> bool {
    let mut level = shared.level.lock().expect("lock");
    let mut released = false;
    loop {
        if shared.stopping() {
            return false;
        }
        if shared.drained.load(Ordering::SeqCst) {
            shared.drain_started.get_or_init(|| shared.start.elapsed());
            return false;
        }
        if id < *level {
            return true;
        }
        if !released {
            // A parked reader gives up the rest of its part (see
            // `Scheduler::release`); never under the level's lock.
            drop(level);
            shared.schedule().release(id);
            released = true;
            level = shared.level.lock().expect("lock");
            continue;
        }
        level = shared
            .level_changed
            .wait_timeout(level, Duration::from_millis(50))
            .expect("lock")
            .0;
    }
}

fn finish_chunk(shared: &Shared, file: usize) {
    shared.chunks_done.fetch_add(1, Ordering::SeqCst);
    if shared.remaining[file].fetch_sub(1, Ordering::SeqCst) == 1
        && !shared.failed[file].load(Ordering::SeqCst)
    {
        shared.files_done.fetch_add(1, Ordering::Relaxed);
    }
}
