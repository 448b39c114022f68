//! A bandwidth cap as a virtual-time token bucket.
//!
//! This is the generic cell rate algorithm (GCRA), the virtual-scheduling form
//! of a token bucket: the bucket remembers the theoretical time at which the
//! bytes reserved so far have been transferred; a new reservation of `n` bytes
//! starts at that time (or now, when the link has been idle) and ends `n / rate`
//! later. Nothing waits inside the bucket: the caller gets the instant at which
//! the transfer is done and schedules its reply for then, so no thread sleeps
//! per request and nothing is serialised.

use std::time::{Duration, Instant};

/// A bandwidth cap in bytes per second.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: f64,
    /// Theoretical arrival time: when everything reserved so far is transferred.
    tat: Option<Instant>,
    /// How far the bucket may lag behind now (burst credit after an idle spell).
    burst: Duration,
}

impl Bucket {
    /// A bucket that transfers `bytes_per_sec`, with `burst` of credit after idling.
    pub(crate) fn new(bytes_per_sec: u64, burst: Duration) -> Self {
        Self {
            rate: bytes_per_sec.max(1) as f64,
            tat: None,
            burst,
        }
    }

    /// Reserves `bytes` at `now` and returns when their transfer is done.
    pub(crate) fn reserve(&mut self, now: Instant, bytes: u64) -> Instant {
        let earliest = now.checked_sub(self.burst).unwrap_or(now);
        let start = match self.tat {
            Some(tat) if tat > earliest => tat,
            _ => earliest,
        };
        let done = start + Duration::from_secs_f64(bytes as f64 / self.rate);
        self.tat = Some(done);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn back_to_back_reservations_queue_at_the_rate() {
        let mut b = Bucket::new(50 * MIB, Duration::ZERO);
        let now = Instant::now();
        let first = b.reserve(now, MIB);
        let second = b.reserve(now, MIB);
        assert_eq!(first - now, Duration::from_millis(20));
        assert_eq!(second - now, Duration::from_millis(40));
    }

    #[test]
    fn idle_link_starts_from_now() {
        let mut b = Bucket::new(MIB, Duration::ZERO);
        let now = Instant::now();
        b.reserve(now, MIB);
        let later = now + Duration::from_secs(10);
        assert_eq!(
            b.reserve(later, MIB / 2) - later,
            Duration::from_millis(500)
        );
    }

    #[test]
    fn burst_credit_is_bounded() {
        let mut b = Bucket::new(MIB, Duration::from_millis(100));
        let now = Instant::now();
        b.reserve(now, 1);
        let later = now + Duration::from_secs(10);
        // Only 100 ms of credit survives the idle spell.
        assert_eq!(
            b.reserve(later, MIB / 2) - later,
            Duration::from_millis(400)
        );
    }

    #[test]
    fn throughput_over_many_requests_matches_rate() {
        let mut b = Bucket::new(400 * MIB, Duration::ZERO);
        let now = Instant::now();
        let mut last = now;
        for _ in 0..400 {
            last = b.reserve(now, MIB);
        }
        let secs = (last - now).as_secs_f64();
        assert!((secs - 1.0).abs() < 1e-6, "{secs}");
    }
}
