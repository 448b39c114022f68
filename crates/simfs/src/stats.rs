//! Counters a mount keeps about the read requests it served.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What a mount has seen so far (see [`crate::Mounted::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Read requests received from the kernel.
    pub read_requests: u64,
    /// Bytes those requests asked for (after clipping at end of file), counted
    /// when they arrive.
    pub bytes_read: u64,
    /// Bytes actually sent back in replies, counted when sent: what the
    /// storage served, server-cache hits included. Below `bytes_read` by the
    /// requests still in flight and those that failed (injected EIO).
    pub bytes_served: u64,
    /// Largest single read request, in bytes.
    pub largest_request: u64,
    /// Peak of read requests in service at the same time (admitted to a
    /// server slot, not yet answered; server-cache hits excluded).
    pub max_inflight_seen: u64,
    /// Peak of read requests received and not yet answered: in service plus
    /// those queued for a slot under `max_inflight` (what the client had in flight).
    pub max_outstanding: u64,
    /// Peak of streams (open file handles) with a read request outstanding:
    /// the `n` of the contention multiplier.
    pub max_active_streams: u64,
    /// Read requests answered from the server-side cache.
    pub server_cache_hits: u64,
    /// Bytes answered from the server-side cache.
    pub server_cache_hit_bytes: u64,
    /// Metadata requests received (lookup, getattr, open, readdir, readlink),
    /// each delayed by the metadata latency.
    pub meta_requests: u64,
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

/// One line for the exit message: `120 read requests, 125829120 bytes served
/// (0 from the server cache in 0 hits), peak 14 requests in flight (14 in
/// service, 4 active streams), 9 metadata requests`.
impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} read requests, {} bytes served ({} from the server cache in {} hits), \
             peak {} requests in flight ({} in service, {} active streams), {} metadata requests",
            self.read_requests,
            self.bytes_served,
            self.server_cache_hit_bytes,
            self.server_cache_hits,
            self.max_outstanding,
            self.max_inflight_seen,
            self.max_active_streams,
            self.meta_requests,
        )
    }
}

/// The atomics behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    read_requests: AtomicU64,
    bytes_read: AtomicU64,
    bytes_served: AtomicU64,
    largest_request: AtomicU64,
    max_inflight_seen: AtomicU64,
    max_outstanding: AtomicU64,
    max_active_streams: AtomicU64,
    server_cache_hits: AtomicU64,
    server_cache_hit_bytes: AtomicU64,
    meta_requests: AtomicU64,
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

    pub(crate) fn served(&self, bytes: u64) {
        self.bytes_served.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn inflight(&self, now: usize) {
        self.max_inflight_seen
            .fetch_max(now as u64, Ordering::Relaxed);
    }

    pub(crate) fn outstanding(&self, now: usize) {
        self.max_outstanding
            .fetch_max(now as u64, Ordering::Relaxed);
    }

    pub(crate) fn streams(&self, now: usize) {
        self.max_active_streams
            .fetch_max(now as u64, Ordering::Relaxed);
    }

    pub(crate) fn cache_hit(&self, bytes: u64) {
        self.server_cache_hits.fetch_add(1, Ordering::Relaxed);
        self.server_cache_hit_bytes
            .fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn meta(&self) {
        self.meta_requests.fetch_add(1, Ordering::Relaxed);
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
            bytes_served: self.bytes_served.load(Ordering::Relaxed),
            largest_request: self.largest_request.load(Ordering::Relaxed),
            max_inflight_seen: self.max_inflight_seen.load(Ordering::Relaxed),
            max_outstanding: self.max_outstanding.load(Ordering::Relaxed),
            max_active_streams: self.max_active_streams.load(Ordering::Relaxed),
            server_cache_hits: self.server_cache_hits.load(Ordering::Relaxed),
            server_cache_hit_bytes: self.server_cache_hit_bytes.load(Ordering::Relaxed),
            meta_requests: self.meta_requests.load(Ordering::Relaxed),
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
        c.outstanding(5);
        c.streams(2);
        c.served(25);
        c.cache_hit(10);
        c.meta();
        let s = c.snapshot();
        assert_eq!(s.read_requests, 2);
        assert_eq!(s.bytes_read, 40);
        assert_eq!(s.largest_request, 30);
        assert_eq!(s.max_inflight_seen, 3);
        assert_eq!(s.max_outstanding, 5);
        assert_eq!(s.max_active_streams, 2);
        assert_eq!(s.bytes_served, 25);
        assert_eq!((s.server_cache_hits, s.server_cache_hit_bytes), (1, 10));
        assert_eq!(s.meta_requests, 1);
        assert_eq!(
            s.to_string(),
            "2 read requests, 25 bytes served (10 from the server cache in 1 hits), \
             peak 5 requests in flight (3 in service, 2 active streams), 1 metadata requests"
        );
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
