//! A cap on bytes read per second, shared by every worker of a run.
//!
//! `warm --max-rate` exists for fleets: 64 nodes warming the same model at
//! once share the storage's total bandwidth, and a node that takes all it
//! can hurts the others and the other tenants (JuiceFS keeps its warm-up
//! gentle for this reason). The cap is a token bucket without burst credit,
//! kept as a virtual schedule (GCRA, the "theoretical arrival time" of
//! ATM traffic shaping, ITU-T I.371): each read call reserves its bytes at
//! the end of the schedule and waits for its start. So grants follow the
//! rate exactly whatever the number of workers, and a worker that idled
//! earns no credit to burst later: over any window, the bytes granted are
//! at most `rate x window` plus one read call per worker.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest single sleep while waiting for a reservation: a cancelled run
/// notices within this.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// A token bucket over bytes, shared by reference between workers.
#[derive(Debug)]
pub struct TokenBucket {
    bytes_per_sec: u64,
    /// When the next reservation may start (the end of the schedule).
    next: Mutex<Option<Instant>>,
}

impl TokenBucket {
    /// A bucket that grants `bytes_per_sec` (at least 1).
    pub fn new(bytes_per_sec: u64) -> Self {
        TokenBucket {
            bytes_per_sec: bytes_per_sec.max(1),
            next: Mutex::new(None),
        }
    }

    /// The rate, bytes per second.
    pub fn bytes_per_sec(&self) -> u64 {
        self.bytes_per_sec
    }

    /// Reserves `bytes` at `now`; returns when the caller may start.
    pub fn reserve(&self, bytes: u64, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        // No credit for idle time: a schedule in the past restarts at now.
        let start = next.map_or(now, |n| n.max(now));
        let cost = Duration::from_secs_f64(bytes as f64 / self.bytes_per_sec as f64);
        *next = Some(start + cost);
        start
    }

    /// Blocks until `bytes` may be read. Polls `stop` while waiting and
    /// returns false as soon as it answers true (the reservation is lost:
    /// a stopping run reads nothing more).
    pub fn acquire(&self, bytes: u64, stop: &dyn Fn() -> bool) -> bool {
        let start = self.reserve(bytes, Instant::now());
        loop {
            if stop() {
                return false;
            }
            let now = Instant::now();
            if now >= start {
                return true;
            }
            std::thread::sleep((start - now).min(CANCEL_POLL));
        }
    }
}

/// A rate: per process, or a fleet budget split among its members.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateShare {
    /// The budget as given, bytes per second.
    pub total_bytes_per_sec: u64,
    /// How many processes share it (1 for a plain per-process rate).
    pub members: u64,
}

impl RateShare {
    /// This process's share, bytes per second (at least 1).
    pub fn per_member(&self) -> u64 {
        (self.total_bytes_per_sec / self.members.max(1)).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn reservations_follow_the_rate_whoever_asks() {
        let bucket = TokenBucket::new(10 * MIB);
        let t0 = Instant::now();
        let starts: Vec<Duration> = (0..5).map(|_| bucket.reserve(MIB, t0) - t0).collect();
        let ms: Vec<u128> = starts.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 100, 200, 300, 400]);
    }

    #[test]
    fn idle_time_earns_no_burst() {
        let bucket = TokenBucket::new(10 * MIB);
        let t0 = Instant::now();
        bucket.reserve(MIB, t0);
        // Asked again 5 s later: it starts then, and the one after it waits
        // a full call's time, as if the bucket had just been made.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(bucket.reserve(MIB, later), later);
        assert_eq!(
            bucket.reserve(MIB, later) - later,
            Duration::from_millis(100)
        );
    }

    #[test]
    fn a_stop_ends_the_wait() {
        let bucket = TokenBucket::new(1);
        bucket.reserve(1 << 40, Instant::now());
        let t = Instant::now();
        assert!(!bucket.acquire(1, &|| t.elapsed() > Duration::from_millis(30)));
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "waited for the schedule"
        );
    }

    #[test]
    fn shares_divide_the_budget() {
        let share = RateShare {
            total_bytes_per_sec: 800 * MIB,
            members: 8,
        };
        assert_eq!(share.per_member(), 100 * MIB);
        let none = RateShare {
            total_bytes_per_sec: 3,
            members: 0,
        };
        assert_eq!(none.per_member(), 3);
    }
}
