//! The worker pool: chunks of a [`Plan`] read by up to N workers at once.
//!
//! Workers take chunks from one shared scheduler (the front of the plan or
//! one reader per file first, around files that stall: see
//! [`Scheduling`]), each with its own
//! [`ChunkReader`](crate::read::ChunkReader) and buffer, so memory is P x buffer whatever the file
//! sizes. The calling thread is the monitor: every tick it samples
//! progress, reports it, and every control interval asks the
//! [`Controller`] for the level; workers whose index is at or above the
//! level park until it rises again. A failing file is recorded once and its
//! remaining chunks are skipped; the run goes on.
//!
//! Workers are detached threads over shared state, not scoped ones: on
//! cancel the monitor returns at once with what was counted so far, without
//! joining readers blocked in a read call of slow storage (a call can take
//! seconds). They stop after that call, count nothing more, and a process
//! that exits ends them. So the plan is copied once for them (paths and
//! chunks). Runs that end otherwise (the plan read, a deadline or byte
//! limit) still wait for every worker, so that nothing of one tune probe
//! overlaps the next.
//!
//! Here: [`run`] and the monitor; what a run is told and reports is in
//! `types`, a reader's loop in `worker`.

mod types;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use preload_schema::mib_per_s;

use crate::CancelToken;
use crate::backoff::{BackOff, BackOffGate};
use crate::control::{Controller, Interval};
use crate::plan::Plan;
use crate::rate::TokenBucket;
use crate::schedule::Scheduler;
pub use crate::schedule::Scheduling;
pub use types::{
    DEFAULT_BUFFER_SIZE, EngineConfig, MAX_BUFFER_TOTAL, Pacing, Progress, RunStats,
    buffer_per_worker,
};
use worker::{Shared, worker};

/// Reads every chunk of `plan`. Never fails as a whole: per-file errors are
/// in [`RunStats::failures`].
///
/// On cancel it returns as soon as the monitor wakes (at once: it sleeps on
/// the token), without waiting for the workers: those blocked in a read
/// call stop after it, and what they read after the return is not counted.
pub fn run(
    plan: &Plan,
    cfg: &EngineConfig,
    controller: &mut dyn Controller,
    cancel: &CancelToken,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> RunStats {
    run_paced(plan, cfg, &Pacing::default(), controller, cancel, progress)
}

/// [`run`] with a rate cap and back-off ([`Pacing`]).
pub fn run_paced(
    plan: &Plan,
    cfg: &EngineConfig,
    pacing: &Pacing,
    controller: &mut dyn Controller,
    cancel: &CancelToken,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> RunStats {
    controller.plan_bytes(plan.bytes());
    let max = controller.max_level().max(1);
    let initial = controller.initial_level().clamp(1, max);
    let workers = max.min(plan.chunks.len().max(1));
    let shared = Arc::new(Shared {
        schedule: Mutex::new(Scheduler::new(
            &plan.chunks,
            plan.files.len(),
            workers,
            cfg.scheduling,
        )),
        plan: plan.clone(),
        cfg: *cfg,
        cancel: cancel.clone(),
        stop: AtomicBool::new(false),
        drained: AtomicBool::new(plan.chunks.is_empty()),
        busy: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
        skipped_bytes: AtomicU64::new(0),
        files_done: AtomicU64::new(0),
        chunks_done: AtomicUsize::new(0),
        remaining: plan
            .chunks_per_file()
            .into_iter()
            .map(AtomicU32::new)
            .collect(),
        failed: plan.files.iter().map(|_| AtomicBool::new(false)).collect(),
        failures: Mutex::new(Vec::new()),
        level: Mutex::new(initial),
        level_changed: Condvar::new(),
        start: Instant::now(),
        drain_started: OnceLock::new(),
        finished: AtomicUsize::new(0),
        workers,
        last_end: Mutex::new(Duration::ZERO),
        latencies: Mutex::new(Vec::new()),
        bucket: pacing.max_rate.map(TokenBucket::new),
        gate: BackOffGate::default(),
    });
    let mut stats = RunStats {
        levels: vec![(Duration::ZERO, initial)],
        ..RunStats::default()
    };
    let buffer = buffer_per_worker(cfg.buffer_size, workers);
    let handles: Vec<JoinHandle<()>> = (0..workers)
        .map(|id| {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("preload-worker-{id}"))
                .spawn(move || worker(id, &shared, buffer))
                .expect("spawning a worker thread")
        })
        .collect();
    let mut backoff = pacing.backoff.map(BackOff::new);
    let all_finished = monitor(
        &shared,
        controller,
        backoff.as_mut(),
        workers,
        progress,
        &mut stats,
    );
    stats.backoffs = backoff.map(|b| b.events().to_vec()).unwrap_or_default();
    if all_finished {
        for h in handles {
            // A worker that panicked already said so on stderr; its chunk
            // counts as not read.
            let _ = h.join();
        }
        stats.elapsed = *shared.last_end.lock().expect("lock");
    } else {
        // Cancelled: the workers are left to end on their own.
        drop(handles);
        stats.elapsed = shared.start.elapsed();
    }
    stats.bytes = shared.bytes.load(Ordering::SeqCst);
    stats.skipped_bytes = shared.skipped_bytes.load(Ordering::SeqCst);
    stats.files_read = shared.files_done.load(Ordering::SeqCst);
    stats.failures = shared.failures.lock().expect("lock").clone();
    stats.drain_started = shared.drain_started.get().copied();
    stats.latencies = std::mem::take(&mut *shared.latencies.lock().expect("lock"));
    stats.chunks_taken = shared.schedule().taken_end();
    stats.stopped_at_limit = shared.stop.load(Ordering::SeqCst);
    stats.cancelled =
        cancel.is_cancelled() && shared.chunks_done.load(Ordering::SeqCst) < plan.chunks.len();
    stats.timeline.push((stats.elapsed, stats.bytes));
    stats.final_level = controller
        .settled()
        .unwrap_or_else(|| stats.levels.last().map_or(initial, |l| l.1));
    if let Some(last) = stats.backoffs.last() {
        stats.final_level = stats.final_level.min(last.to);
    }
    stats
}

/// Samples progress and drives the controller until every worker finished
/// (true) or the run was cancelled (false).
fn monitor(
    shared: &Shared,
    controller: &mut dyn Controller,
    mut backoff: Option<&mut BackOff>,
    workers: usize,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
    stats: &mut RunStats,
) -> bool {
    let interval = controller.interval();
    let bytes_total = shared.plan.bytes();
    let (mut last_control, mut last_bytes) = (Duration::ZERO, 0u64);
    let mut busy = (usize::MAX, 0usize);
    // The latest back-off's level (see `crate::backoff`).
    let mut backoff_cap = usize::MAX;
    loop {
        // Wakes at once on cancel: the stop must not wait for a tick.
        let cancelled = shared.cancel.wait_timeout(shared.cfg.tick);
        let elapsed = shared.start.elapsed();
        let bytes = shared.bytes.load(Ordering::Relaxed);
        stats.timeline.push((elapsed, bytes));
        let level = *shared.level.lock().expect("lock");
        let now_busy = shared.busy.load(Ordering::SeqCst);
        busy = (busy.0.min(now_busy), busy.1.max(now_busy));
        if let Some(b) = backoff.as_deref_mut() {
            b.note_readers(elapsed, now_busy, shared.gate.paused());
        }
        if let Some(report) = progress {
            report(&Progress {
                bytes_done: bytes,
                bytes_total,
                files_done: shared.files_done.load(Ordering::Relaxed),
                files_total: shared.plan.files.len() as u64,
                elapsed,
                level,
            });
        }
        if shared.finished.load(Ordering::SeqCst) == workers {
            return true;
        }
        if cancelled {
            shared.level_changed.notify_all();
            return false;
        }
        if shared.over_limit(bytes) {
            shared.level_changed.notify_all();
        }
        if elapsed - last_control >= interval && shared.drain_started.get().is_none() {
            let dt = (elapsed - last_control).as_secs_f64();
            let mib_s = mib_per_s(bytes - last_bytes, dt);
            let mut next = controller
                .on_interval(&Interval { level, busy, mib_s })
                .clamp(1, workers);
            if let Some(cap) = backoff
                .as_deref_mut()
                .and_then(|b| b.observe(elapsed, elapsed - last_control, level, mib_s))
            {
                // For the rest of the run: a controller that climbs again
                // must not lift it.
                backoff_cap = cap;
            }
            next = next.min(backoff_cap);
            if next != level {
                *shared.level.lock().expect("lock") = next;
                // A lowered level (a back-off's, or the controller's) takes
                // effect between two read calls: readers above it left to
                // finish 32 MiB chunks at a few MiB/s each kept the old
                // level for seconds, and no interval of the new one could
                // be measured. A raised level releases the readers it held.
                shared.gate.set_cap(next);
                shared.level_changed.notify_all();
                stats.levels.push((elapsed, next));
            }
            (last_control, last_bytes) = (elapsed, bytes);
            busy = (usize::MAX, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::FixedLevel;
    use crate::walk::FileEntry;
    use std::path::Path;

    fn plan_of(dir: &Path, sizes: &[usize], chunk: u64) -> Plan {
        let files = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let path = dir.join(format!("f{i}"));
                std::fs::write(&path, vec![i as u8; n]).unwrap();
                FileEntry {
                    path,
                    size: n as u64,
                    dev: 0,
                    ino: i as u64,
                }
            })
            .collect();
        Plan::new_unbounded(files, chunk)
    }

    /// A plan whose first file is a FIFO without a writer, with
    /// `blocked_chunks` chunks of 4 KiB planned on it: opening it blocks in
    /// the kernel until someone opens it for writing, like a read of stalled
    /// storage. Then regular files of `others` bytes.
    fn plan_with_a_blocked_file(dir: &Path, blocked_chunks: u64, others: &[usize]) -> Plan {
        use std::os::unix::ffi::OsStrExt;
        let fifo = dir.join("a-blocked");
        let name = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let mut plan = plan_of(dir, others, 4096);
        plan.files.insert(
            0,
            FileEntry {
                path: fifo,
                size: blocked_chunks * 4096,
                dev: 0,
                ino: 1000,
            },
        );
        Plan::new(plan.files, 4096)
    }

    /// Lets the readers blocked opening the FIFO go (they then fail: a FIFO
    /// cannot be read at an offset), so no thread outlives the test blocked.
    fn unblock(plan: &Plan) {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking: opens only while a reader is waiting, never waits.
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&plan.files[0].path);
    }

    /// Runs `plan` on another thread; returns the token and the result.
    fn run_in_background(
        plan: &Plan,
        level: usize,
        progress: Arc<AtomicU64>,
    ) -> (CancelToken, std::sync::mpsc::Receiver<RunStats>) {
        let cancel = CancelToken::new();
        let (tx, rx) = std::sync::mpsc::channel();
        let (plan, token) = (plan.clone(), cancel.clone());
        std::thread::spawn(move || {
            let report = |p: &Progress| progress.store(p.bytes_done, Ordering::SeqCst);
            let stats = run(&plan, &cfg(), &mut FixedLevel(level), &token, Some(&report));
            let _ = tx.send(stats);
        });
        (cancel, rx)
    }

    /// Regression (issue 10, item 9): a cancelled run used to join its
    /// workers, so it lasted as long as the slowest read call in flight.
    #[test]
    fn cancel_returns_without_waiting_for_a_reader_blocked_in_the_kernel() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_with_a_blocked_file(dir.path(), 1, &[]);
        let (cancel, done) = run_in_background(&plan, 1, Arc::default());
        std::thread::sleep(Duration::from_millis(200));
        cancel.cancel();
        let stats = done.recv_timeout(Duration::from_secs(10));
        unblock(&plan);
        let stats = stats.expect("the run waited for its blocked reader");
        assert!(stats.cancelled);
        assert_eq!(stats.bytes, 0);
        assert_eq!(stats.files_read, 0);
    }

    /// Regression (issue 10, item 10): the blocked file's chunks come first
    /// and there are more of them than readers, so plan order put every
    /// reader on it and nothing else was read.
    #[test]
    fn a_blocked_file_holds_one_reader_while_the_others_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_with_a_blocked_file(dir.path(), 8, &[64 << 10; 3]);
        let others = 3 * (64 << 10);
        let seen = Arc::new(AtomicU64::new(0));
        let (cancel, done) = run_in_background(&plan, 4, Arc::clone(&seen));
        let t = Instant::now();
        while seen.load(Ordering::SeqCst) < others && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let read_meanwhile = seen.load(Ordering::SeqCst);
        // With nothing else left, idle readers wait on the blocked file too;
        // cancelling must not wait for them either.
        std::thread::sleep(Duration::from_millis(100));
        cancel.cancel();
        let stats = done.recv_timeout(Duration::from_secs(10));
        unblock(&plan);
        assert_eq!(read_meanwhile, others, "the other files were not read");
        let stats = stats.expect("the run waited for its blocked readers");
        assert_eq!(stats.files_read, 3);
        assert_eq!(stats.bytes, others);
        assert!(stats.cancelled);
        assert!(stats.failures.is_empty(), "{:?}", stats.failures);
    }

    #[test]
    fn buffers_shrink_at_high_parallelism() {
        assert_eq!(buffer_per_worker(1 << 20, 16), 1 << 20);
        assert_eq!(buffer_per_worker(1 << 20, 64), 512 << 10);
        assert_eq!(buffer_per_worker(1 << 20, 1024), 256 << 10);
        assert_eq!(buffer_per_worker(64 << 10, 64), 64 << 10);
    }

    #[test]
    fn a_byte_limit_stops_early_and_counts_taken_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[1 << 20; 64], 1 << 20);
        let cfg = EngineConfig {
            byte_limit: Some(1),
            tick: Duration::from_millis(1),
            ..cfg()
        };
        let stats = run(&plan, &cfg, &mut FixedLevel(1), &CancelToken::new(), None);
        assert!(stats.stopped_at_limit);
        assert!(!stats.cancelled, "a limit is not a user cancel");
        assert!(stats.chunks_taken < 64);
        assert!(stats.bytes <= stats.chunks_taken as u64 * (1 << 20));
    }

    fn cfg() -> EngineConfig {
        EngineConfig {
            buffer_size: 4096,
            tick: Duration::from_millis(5),
            ..EngineConfig::default()
        }
    }

    #[test]
    fn reads_every_byte_of_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[0, 1, 5000, 100_000], 8192);
        let stats = run(&plan, &cfg(), &mut FixedLevel(3), &CancelToken::new(), None);
        assert_eq!(stats.bytes, 105_001);
        assert_eq!(stats.files_read, 4);
        assert!(stats.failures.is_empty());
        assert!(!stats.cancelled);
        assert!(stats.drain_started.is_some());
    }

    /// Opens of the files of `plan` while `f` runs, as inotify sees them.
    fn opens_during(plan: &Plan, f: impl FnOnce()) -> usize {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: inotify_init1 takes flags only; the descriptor is ours.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        assert!(fd >= 0, "inotify_init1");
        for file in &plan.files {
            let path = std::ffi::CString::new(file.path.as_os_str().as_bytes()).unwrap();
            // Closes too: inotify merges an event into an identical one
            // queued right before it, so opens alone would count as one.
            let mask = libc::IN_OPEN | libc::IN_CLOSE_NOWRITE;
            // SAFETY: `path` is a NUL-terminated string that outlives the call.
            assert!(unsafe { libc::inotify_add_watch(fd, path.as_ptr(), mask) } >= 0);
        }
        f();
        let mut opens = 0;
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: reads at most `buf.len()` bytes into `buf`.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            // A watch on a file reports events without a name: 16 bytes each.
            let size = std::mem::size_of::<libc::inotify_event>();
            for event in buf[..n as usize].chunks_exact(size) {
                let mask = u32::from_ne_bytes(event[4..8].try_into().unwrap());
                opens += usize::from(mask & libc::IN_OPEN != 0);
            }
        }
        // SAFETY: closes the descriptor opened above, once.
        unsafe { libc::close(fd) };
        opens
    }

    #[test]
    fn keep_open_reads_the_chunks_of_a_file_a_reader_has_alone_through_one_open() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[4 << 20, 3 << 20], 1 << 20);
        for scheduling in [Scheduling::SpreadFiles, Scheduling::AroundStalls] {
            let opens = |keep_open| {
                let cfg = EngineConfig {
                    scheduling,
                    skip_resident: false,
                    keep_open,
                    ..cfg()
                };
                opens_during(&plan, || {
                    let stats = run(&plan, &cfg, &mut FixedLevel(1), &CancelToken::new(), None);
                    assert_eq!(stats.bytes, 7 << 20);
                })
            };
            let kept = opens(true);
            assert_eq!(kept, 2, "{scheduling:?}: one open per file, not per chunk");
            // Without it, a fresh open per chunk (inotify may merge two).
            let fresh = opens(false);
            assert!(fresh >= 5, "{scheduling:?}: {fresh} opens for 7 chunks");
        }
    }

    #[test]
    fn a_vanished_file_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[10_000, 20_000, 30_000], 4096);
        std::fs::remove_file(&plan.files[1].path).unwrap();
        let stats = run(&plan, &cfg(), &mut FixedLevel(2), &CancelToken::new(), None);
        assert_eq!(stats.files_read, 2);
        assert_eq!(
            stats.failures.len(),
            1,
            "one failure per file, not per chunk"
        );
        assert!(stats.failures[0].path.ends_with("f1"));
        assert_eq!(stats.bytes, 40_000);
    }

    #[test]
    fn a_shrunk_file_is_reported_with_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[10_000], 4096);
        std::fs::write(&plan.files[0].path, vec![0u8; 3000]).unwrap();
        let stats = run(&plan, &cfg(), &mut FixedLevel(1), &CancelToken::new(), None);
        assert_eq!(stats.files_read, 0);
        assert!(
            stats.failures[0].error.contains("shrank"),
            "{:?}",
            stats.failures
        );
    }

    #[test]
    fn cancelled_before_start_reads_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[100_000], 4096);
        let cancel = CancelToken::new();
        cancel.cancel();
        let stats = run(&plan, &cfg(), &mut FixedLevel(4), &cancel, None);
        assert_eq!(stats.bytes, 0);
        assert!(stats.cancelled);
    }

    #[test]
    fn progress_is_reported_and_levels_follow_the_controller() {
        struct Step(usize);
        impl Controller for Step {
            fn initial_level(&self) -> usize {
                1
            }
            fn max_level(&self) -> usize {
                4
            }
            fn interval(&self) -> Duration {
                Duration::from_millis(1)
            }
            fn on_interval(&mut self, seen: &Interval) -> usize {
                let level = seen.level;
                self.0 += 1;
                (level + 1).min(4)
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[4 << 20; 8], 1 << 20);
        let seen = AtomicUsize::new(0);
        let report = |_: &Progress| {
            seen.fetch_add(1, Ordering::Relaxed);
        };
        let mut ctl = Step(0);
        let stats = run(&plan, &cfg(), &mut ctl, &CancelToken::new(), Some(&report));
        assert_eq!(stats.bytes, 32 << 20);
        assert!(seen.load(Ordering::Relaxed) >= 1);
        assert_eq!(stats.levels[0].1, 1);
    }

    /// The controller learns the plan's size before it names its start.
    #[test]
    fn the_controller_is_told_the_plan_before_it_starts() {
        struct Sized(u64);
        impl Controller for Sized {
            fn plan_bytes(&mut self, bytes: u64) {
                self.0 = bytes;
            }
            fn initial_level(&self) -> usize {
                assert_eq!(self.0, 12 << 20, "asked before the plan was told");
                2
            }
            fn max_level(&self) -> usize {
                2
            }
            fn interval(&self) -> Duration {
                Duration::from_millis(5)
            }
            fn on_interval(&mut self, _: &Interval) -> usize {
                2
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_of(dir.path(), &[4 << 20; 3], 1 << 20);
        let stats = run(&plan, &cfg(), &mut Sized(0), &CancelToken::new(), None);
        assert_eq!(stats.bytes, 12 << 20);
    }

    /// A lowered level holds the readers above it at their next read call,
    /// not at the end of their chunk (-P auto's refine step from 64 to 24
    /// used to wait on 40 readers finishing 32 MiB chunks).
    #[test]
    fn a_lowered_level_takes_effect_within_a_chunk() {
        use std::sync::atomic::AtomicU64;
        struct Lower<'a> {
            bytes: &'a AtomicU64,
            full: usize,
            lowered_at: Option<u64>,
            single_at: Option<u64>,
        }
        impl Controller for Lower<'_> {
            fn initial_level(&self) -> usize {
                4
            }
            fn max_level(&self) -> usize {
                4
            }
            fn interval(&self) -> Duration {
                Duration::from_millis(20)
            }
            fn on_interval(&mut self, seen: &Interval) -> usize {
                let (level, busy) = (seen.level, seen.busy);
                let now = self.bytes.load(Ordering::SeqCst);
                if self.lowered_at.is_none() {
                    self.full += usize::from(busy == (4, 4));
                    if self.full >= 3 {
                        self.lowered_at = Some(now);
                        return 1;
                    }
                    return level;
                }
                if busy.1 <= 1 && self.single_at.is_none() {
                    self.single_at = Some(now);
                }
                1
            }
        }
        let dir = tempfile::tempdir().unwrap();
        // Four 8 MiB chunks read at 16 MiB/s in all: each reader is at
        // most a quarter into its chunk when the level drops.
        let plan = plan_of(dir.path(), &[8 << 20; 4], 8 << 20);
        let bytes = AtomicU64::new(0);
        let report = |p: &Progress| bytes.store(p.bytes_done, Ordering::SeqCst);
        let mut ctl = Lower {
            bytes: &bytes,
            full: 0,
            lowered_at: None,
            single_at: None,
        };
        let pacing = Pacing {
            max_rate: Some(16 << 20),
            ..Pacing::default()
        };
        let stats = run_paced(
            &plan,
            &cfg(),
            &pacing,
            &mut ctl,
            &CancelToken::new(),
            Some(&report),
        );
        assert_eq!(stats.bytes, 32 << 20, "the held chunks are finished");
        let lowered = ctl.lowered_at.expect("lowered");
        let single = ctl.single_at.expect("one reader at last");
        // Finishing the three chunks above the level first would read
        // at least 3 x 6 MiB more before one reader is left.
        assert!(
            single < lowered + (8 << 20),
            "one reader left only after {} MiB more",
            (single - lowered) >> 20
        );
    }
}
