//! When each read request is answered, and by whom.
//!
//! The FUSE session threads never sleep: a read becomes a [`Task`] that is
//! admitted (at once, or when a server slot frees up under `max_inflight`),
//! given a deadline from the model (bandwidth reservations, then latency and
//! jitter), and put on a timer heap. One timer thread hands due tasks to a
//! small pool of workers that read the backing file and reply. Waiting is a
//! condition-variable timeout, so an idle or latency-bound mount burns no CPU,
//! and any number of requests can be waiting at once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::bucket::Bucket;
use crate::stats::Counters;
#[cfg(test)]
use crate::stats::Stats;

/// Worker threads that do the backing reads and replies (the waiting is not theirs).
const WORKERS: usize = 8;

/// The work to run at a task's deadline; it gets a reusable buffer.
pub(crate) type Work = Box<dyn FnOnce(&mut Vec<u8>) + Send>;

/// One read request on its way through the model.
pub(crate) struct Task {
    /// Bytes the request will transfer (what the buckets are charged).
    pub(crate) bytes: u64,
    /// The stream's own bandwidth cap, if any.
    pub(crate) stream: Option<Arc<Mutex<Bucket>>>,
    /// Extra delay on top of the model (an injected stall).
    pub(crate) extra: Duration,
    /// Reads and replies.
    pub(crate) work: Work,
}

/// The timing part of the model.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    pub(crate) latency: Duration,
    pub(crate) jitter: Duration,
    pub(crate) total_bw: Option<u64>,
    pub(crate) max_inflight: Option<usize>,
}

struct Timed {
    at: Instant,
    seq: u64,
    task: Task,
}

impl PartialEq for Timed {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct State {
    heap: BinaryHeap<Reverse<Timed>>,
    pending: VecDeque<Task>,
    inflight: usize,
    total: Option<Bucket>,
    seq: u64,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    timing: Timing,
    counters: Arc<Counters>,
}

/// Schedules read requests through the model; dropping it stops its threads.
pub(crate) struct Scheduler {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("timing", &self.shared.timing)
            .finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Scheduler {
    /// Starts the timer thread and the workers.
    pub(crate) fn start(timing: Timing) -> std::io::Result<Self> {
        let total = timing.total_bw.map(|bw| Bucket::new(bw, Duration::ZERO));
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                pending: VecDeque::new(),
                inflight: 0,
                total,
                seq: 0,
                shutdown: false,
            }),
            wake: Condvar::new(),
            timing,
            counters: Arc::new(Counters::default()),
        });
        let (tx, rx) = crossbeam_channel::unbounded::<Task>();
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
        self.shared.counters.request(task.bytes);
        let mut st = lock(&self.shared.state);
        let full = self
            .shared
            .timing
            .max_inflight
            .is_some_and(|max| st.inflight >= max);
        if full {
            st.pending.push_back(task);
        } else {
            self.shared.admit(&mut st, task);
        }
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

    /// Stops the threads; tasks not yet answered are dropped (the kernel gets EIO).
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
    /// Puts a task in service: reserves bandwidth, picks its deadline, arms the timer.
    fn admit(&self, st: &mut State, task: Task) {
        let now = Instant::now();
        let mut ready = now;
        if let Some(stream) = &task.stream {
            let mut b = stream.lock().unwrap_or_else(PoisonError::into_inner);
            ready = ready.max(b.reserve(now, task.bytes));
        }
        if let Some(total) = st.total.as_mut() {
            ready = ready.max(total.reserve(now, task.bytes));
        }
        let at = ready + self.latency_sample() + task.extra;
        st.inflight += 1;
        self.counters.inflight(st.inflight);
        st.seq += 1;
        let seq = st.seq;
        st.heap.push(Reverse(Timed { at, seq, task }));
        self.wake.notify_one();
    }

    /// `latency + U(-jitter, +jitter)`, never below zero.
    fn latency_sample(&self) -> Duration {
        let Timing {
            latency, jitter, ..
        } = self.timing;
        if jitter.is_zero() {
            return latency;
        }
        let j = jitter.as_secs_f64();
        let offset = rand::rng().random_range(-j..=j);
        Duration::from_secs_f64((latency.as_secs_f64() + offset).max(0.0))
    }

    /// A task has been answered: free its slot and admit the next one waiting.
    fn finish(&self) {
        let mut st = lock(&self.state);
        st.inflight = st.inflight.saturating_sub(1);
        let room = self.timing.max_inflight.is_none_or(|max| st.inflight < max);
        if room && let Some(next) = st.pending.pop_front() {
            self.admit(&mut st, next);
        }
    }
}

fn timer_loop(shared: &Shared, tx: &crossbeam_channel::Sender<Task>) {
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
                    let _ = tx.send(t.task);
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

fn worker_loop(shared: &Shared, rx: &crossbeam_channel::Receiver<Task>) {
    let mut buf = Vec::new();
    for task in rx {
        let start = Instant::now();
        (task.work)(&mut buf);
        shared.counters.busy(start.elapsed());
        shared.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn timing(latency_ms: u64, max_inflight: Option<usize>) -> Timing {
        Timing {
            latency: Duration::from_millis(latency_ms),
            jitter: Duration::ZERO,
            total_bw: None,
            max_inflight,
        }
    }

    fn task(tx: &mpsc::Sender<Instant>) -> Task {
        let tx = tx.clone();
        Task {
            bytes: 0,
            stream: None,
            extra: Duration::ZERO,
            work: Box::new(move |_| {
                let _ = tx.send(Instant::now());
            }),
        }
    }

    #[test]
    fn requests_wait_concurrently_not_in_series() {
        let sched = Scheduler::start(timing(100, None)).unwrap();
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        for _ in 0..50 {
            sched.submit(task(&tx));
        }
        for _ in 0..50 {
            rx.recv_timeout(Duration::from_secs(30)).unwrap();
        }
        let took = start.elapsed();
        // In series this would take 5 s; concurrently about 0.1 s.
        assert!(took >= Duration::from_millis(100), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
        assert_eq!(sched.stats().read_requests, 50);
        assert!(sched.stats().max_inflight_seen >= 2);
    }

    #[test]
    fn max_inflight_queues_the_rest() {
        let sched = Scheduler::start(timing(50, Some(2))).unwrap();
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        for _ in 0..6 {
            sched.submit(task(&tx));
        }
        for _ in 0..6 {
            rx.recv_timeout(Duration::from_secs(30)).unwrap();
        }
        // Three rounds of two slots: at least 150 ms.
        assert!(start.elapsed() >= Duration::from_millis(150));
        assert_eq!(sched.stats().max_inflight_seen, 2);
    }

    #[test]
    fn stall_adds_to_the_deadline() {
        let sched = Scheduler::start(timing(0, None)).unwrap();
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        let mut t = task(&tx);
        t.extra = Duration::from_millis(200);
        sched.submit(t);
        let done = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(done - start >= Duration::from_millis(200));
    }

    #[test]
    fn jitter_stays_around_latency() {
        let mut t = timing(2, None);
        t.jitter = Duration::from_millis(1);
        let sched = Scheduler::start(t).unwrap();
        for _ in 0..1000 {
            let l = sched.shared.latency_sample();
            assert!(l >= Duration::from_millis(1) && l <= Duration::from_millis(3));
        }
    }
}
