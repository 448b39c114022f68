//! When each request is answered, and by whom.
//!
//! The FUSE session threads never sleep: a read becomes a [`Task`] that is
//! admitted (at once, or when a server slot frees up under `max_inflight`),
//! given a deadline by the cost model ([`Service`]), and put on a timer heap;
//! a delayed metadata reply or a server-cache hit is a plain [`Work`] put on
//! the same heap. One timer thread hands due jobs to a small pool of workers
//! that read the backing file and reply. Waiting is a condition-variable
//! timeout, so an idle or latency-bound mount burns no CPU, and any number of
//! requests can be waiting at once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::model::Model;
use crate::service::Service;
use crate::stats::Counters;
#[cfg(test)]
use crate::stats::Stats;

mod job;

use job::{Job, Timed};
pub(crate) use job::{Stream, Task, Work};

/// Worker threads that do the backing reads and replies (the waiting is not theirs).
const WORKERS: usize = 8;

struct State {
    heap: BinaryHeap<Reverse<Timed>>,
    /// Reads waiting for a server slot.
    pending: VecDeque<Task>,
    /// Reads in service (admitted, not yet answered).
    inflight: usize,
    /// Reads received and not yet answered (in service or pending).
    outstanding: usize,
    /// Streams with a read outstanding.
    active_streams: usize,
    service: Service,
    seq: u64,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    max_inflight: Option<usize>,
    counters: Arc<Counters>,
}

/// Schedules requests through the model; dropping it stops its threads.
pub(crate) struct Scheduler {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("max_inflight", &self.shared.max_inflight)
            .finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Scheduler {
    /// Starts the timer thread and the workers for `model`'s costs.
    pub(crate) fn start(model: &Model) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                pending: VecDeque::new(),
                inflight: 0,
                outstanding: 0,
                active_streams: 0,
                service: Service::new(model),
                seq: 0,
                shutdown: false,
            }),
            wake: Condvar::new(),
            max_inflight: model.max_inflight,
            counters: Arc::new(Counters::default()),
        });
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        let mut threads = Vec::with_capacity(WORKERS + 1);
        let timer_shared = Arc::clone(&shared);
        threads.push(
            std::thread::Builder::new()
                .name("simfs-timer".into())
                .spawn(move || timer_loop(&timer_shared, &tx))?,
        );
        for i in 0..WORKERS {
            let rx = rx.clone();
            let shared = Arc::clone(&shared);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("simfs-io-{i}"))
                    .spawn(move || worker_loop(&shared, &rx))?,
            );
        }
        Ok(Self { shared, threads })
    }

    /// Takes a read request; it is answered at the time the model says.
    pub(crate) fn submit(&self, task: Task) {
        let counters = &self.shared.counters;
        counters.request(task.bytes);
        let mut st = lock(&self.shared.state);
        st.outstanding += 1;
        counters.outstanding(st.outstanding);
        {
            let mut stream = task.stream.lock();
            if stream.outstanding == 0 {
                st.active_streams += 1;
                counters.streams(st.active_streams);
            }
            stream.outstanding += 1;
        }
        let full = self
            .shared
            .max_inflight
            .is_some_and(|max| st.inflight >= max);
        if full {
            st.pending.push_back(task);
        } else {
            self.shared.admit(&mut st, task);
        }
    }

    /// Runs `work` after `delay`, outside the model (no slot, no cap, no
    /// contention): a delayed metadata reply, or a server-cache hit.
    pub(crate) fn after(&self, delay: Duration, work: Work) {
        let now = Instant::now();
        let at = now.checked_add(delay).unwrap_or(now);
        let mut st = lock(&self.shared.state);
        self.shared.push(&mut st, at, Job::Plain(work));
    }

    /// Answers a read of `bytes` at once, outside the model: a server-cache hit.
    pub(crate) fn hit(&self, bytes: u64, work: Work) {
        self.shared.counters.request(bytes);
        self.shared.counters.cache_hit(bytes);
        self.after(Duration::ZERO, work);
    }

    /// Counters so far.
    #[cfg(test)]
    pub(crate) fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// The live counters, to read after the scheduler has moved into the session.
    pub(crate) fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.shared.counters)
    }

    /// Stops the threads; jobs not yet run are dropped (the kernel gets EIO).
    pub(crate) fn shutdown(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let mut st = lock(&self.shared.state);
        st.heap.clear();
        st.pending.clear();
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Shared {
    /// Puts a read in service: its deadline from the cost model, then the timer.
    fn admit(&self, st: &mut State, task: Task) {
        let now = Instant::now();
        let due = {
            let mut stream = task.stream.lock();
            let streams = st.active_streams;
            st.service
                .due(now, task.bytes, stream.bucket.as_mut(), streams)
        };
        let at = due.checked_add(task.extra).unwrap_or(due);
        st.inflight += 1;
        self.counters.inflight(st.inflight);
        self.push(st, at, Job::Read(task));
    }

    fn push(&self, st: &mut State, at: Instant, job: Job) {
        st.seq += 1;
        let seq = st.seq;
        st.heap.push(Reverse(Timed { at, seq, job }));
        self.wake.notify_one();
    }

    /// A read has been answered: its stream may go idle, its slot goes to the
    /// next one waiting.
    fn finish(&self, stream: &Stream) {
        let mut st = lock(&self.state);
        st.inflight = st.inflight.saturating_sub(1);
        st.outstanding = st.outstanding.saturating_sub(1);
        {
            let mut stream = stream.lock();
            stream.outstanding = stream.outstanding.saturating_sub(1);
            if stream.outstanding == 0 {
                st.active_streams = st.active_streams.saturating_sub(1);
            }
        }
        let room = self.max_inflight.is_none_or(|max| st.inflight < max);
        if room && let Some(next) = st.pending.pop_front() {
            self.admit(&mut st, next);
        }
    }
}

fn timer_loop(shared: &Shared, tx: &crossbeam_channel::Sender<Job>) {
    let mut st = lock(&shared.state);
    loop {
        if st.shutdown {
            return;
        }
        let now = Instant::now();
        let next = st.heap.peek().map(|Reverse(t)| t.at);
        match next {
            Some(at) if at <= now => {
                if let Some(Reverse(t)) = st.heap.pop() {
                    shared.counters.late(now - t.at);
                    // The workers outlive the timer, so the channel is open.
                    let _ = tx.send(t.job);
                }
            }
            Some(at) => {
                st = shared
                    .wake
                    .wait_timeout(st, at - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            None => {
                st = shared.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}

fn worker_loop(shared: &Shared, rx: &crossbeam_channel::Receiver<Job>) {
    let mut buf = Vec::new();
    for job in rx {
        let start = Instant::now();
        match job {
            Job::Read(Task { stream, work, .. }) => {
                work(&mut buf);
                shared.counters.busy(start.elapsed());
                shared.finish(&stream);
            }
            Job::Plain(work) => {
                work(&mut buf);
                shared.counters.busy(start.elapsed());
            }
        }
    }
}

#[cfg(test)]
mod tests;
