//! Counters a mount keeps about the read requests it served.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What a mount has seen so far (see [`crate::Mounted::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Read requests received from the kernel.
    pub read_requests: u64,
    /// Bytes those requests transferred (after clipping at end of file).
    pub bytes_read: u64,
    /// Largest single read request, in bytes.
    pub largest_request: u64,
    /// Most requests in service at the same time.
    pub max_inflight_seen: u64,
    /// Time the worker threads spent reading the backing files and replying.
    pub worker_busy: Duration,
    /// Sum over requests of how late the timer handed them to a worker
    /// (scheduling delay of this process; large when the machine is overloaded).
    pub total_lateness: Duration,
    /// Largest such delay of a single request.
    pub max_lateness: Duration,
}

impl Stats {
    /// Mean timer lateness per request since `earlier` (zero without requests):
    /// above a millisecond or so, the machine was too busy to follow the model.
    pub fn mean_lateness_since(&self, earlier: &Stats) -> Duration {
        let n = self.read_requests.saturating_sub(earlier.read_requests);
        let total = self.total_lateness.saturating_sub(earlier.total_lateness);
        match u32::try_from(n) {
            Ok(0) => Duration::ZERO,
            Ok(n) => total / n,
            Err(_) => total / u32::MAX,
        }
    }
}

/// The atomics behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    read_requests: AtomicU64,
    bytes_read: AtomicU64,
    largest_request: AtomicU64,
    max_inflight_seen: AtomicU64,
    worker_busy_nanos: AtomicU64,
    lateness_nanos: AtomicU64,
    max_lateness_nanos: AtomicU64,
}

impl Counters {
    pub(crate) fn request(&self, bytes: u64) {
        self.read_requests.fetch_add(1, Ordering::Relaxed);
        self.bytes_read.fetch_add(bytes, Ordering::Relaxed);
        self.largest_request.fetch_max(bytes, Ordering::Relaxed);
    }

    pub(crate) fn inflight(&self, now: usize) {
        self.max_inflight_seen
            .fetch_max(now as u64, Ordering::Relaxed);
    }

    pub(crate) fn busy(&self, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.worker_busy_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub(crate) fn late(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.lateness_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.max_lateness_nanos.fetch_max(nanos, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            read_requests: self.read_requests.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            largest_request: self.largest_request.load(Ordering::Relaxed),
            max_inflight_seen: self.max_inflight_seen.load(Ordering::Relaxed),
            worker_busy: Duration::from_nanos(self.worker_busy_nanos.load(Ordering::Relaxed)),
            total_lateness: Duration::from_nanos(self.lateness_nanos.load(Ordering::Relaxed)),
            max_lateness: Duration::from_nanos(self.max_lateness_nanos.load(Ordering::Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_reflects_counts() {
        let c = Counters::default();
        c.request(10);
        c.request(30);
        c.inflight(3);
        c.inflight(1);
        let s = c.snapshot();
        assert_eq!(s.read_requests, 2);
        assert_eq!(s.bytes_read, 40);
        assert_eq!(s.largest_request, 30);
        assert_eq!(s.max_inflight_seen, 3);
        c.late(Duration::from_millis(4));
        c.late(Duration::from_millis(2));
        let later = c.snapshot();
        assert_eq!(later.max_lateness, Duration::from_millis(4));
        assert_eq!(later.total_lateness, Duration::from_millis(6));
        assert_eq!(
            later.mean_lateness_since(&Stats::default()),
            Duration::from_millis(3)
        );
        assert_eq!(later.mean_lateness_since(&later), Duration::ZERO);
    }
}
