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
    /// The instant times are counted from: the first reservation's `now`.
    base: Option<Instant>,
    /// Theoretical arrival time, in seconds since `base`: when everything
    /// reserved so far is transferred. Seconds rather than an `Instant`
    /// because with burst credit it starts before `base`, possibly before
    /// the machine booted, which an `Instant` cannot express.
    tat: f64,
    /// How far the bucket may lag behind now, in seconds (burst credit after
    /// an idle spell; a fresh bucket starts with all of it).
    burst: f64,
}

impl Bucket {
    /// A bucket that transfers `bytes_per_sec`, with `burst` of credit after
    /// idling (and when new).
    pub(crate) fn new(bytes_per_sec: u64, burst: Duration) -> Self {
        Self {
            rate: bytes_per_sec.max(1) as f64,
            base: None,
            tat: f64::NEG_INFINITY,
            burst: burst.as_secs_f64(),
        }
    }

    /// Reserves `bytes` at `now` and returns when their transfer is done
    /// (never before `now`).
    pub(crate) fn reserve(&mut self, now: Instant, bytes: u64) -> Instant {
        let base = *self.base.get_or_insert(now);
        let now_secs = match now.checked_duration_since(base) {
            Some(d) => d.as_secs_f64(),
            None => -(base - now).as_secs_f64(),
        };
        let start = self.tat.max(now_secs - self.burst);
        self.tat = start + bytes as f64 / self.rate;
        let ahead = Duration::try_from_secs_f64(self.tat - now_secs).unwrap_or(Duration::ZERO);
        now + ahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    /// Equal but for float rounding (a microsecond).
    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(1)
    }

    #[test]
    fn back_to_back_reservations_queue_at_the_rate() {
        let mut b = Bucket::new(50 * MIB, Duration::ZERO);
        let now = Instant::now();
        let first = b.reserve(now, MIB);
        let second = b.reserve(now, MIB);
        assert!(close(first - now, Duration::from_millis(20)));
        assert!(close(second - now, Duration::from_millis(40)));
    }

    #[test]
    fn idle_link_starts_from_now() {
        let mut b = Bucket::new(MIB, Duration::ZERO);
        let now = Instant::now();
        b.reserve(now, MIB);
        let later = now + Duration::from_secs(10);
        assert!(close(
            b.reserve(later, MIB / 2) - later,
            Duration::from_millis(500)
        ));
    }

    #[test]
    fn burst_credit_is_bounded() {
        let mut b = Bucket::new(MIB, Duration::from_millis(100));
        let now = Instant::now();
        b.reserve(now, 1);
        let later = now + Duration::from_secs(10);
        // Only 100 ms of credit survives the idle spell.
        assert!(close(
            b.reserve(later, MIB / 2) - later,
            Duration::from_millis(400)
        ));
    }

    #[test]
    fn a_new_bucket_starts_with_full_credit_however_large() {
        // A week of credit: more than the machine's uptime, which an Instant
        // could not go back by.
        let week = Duration::from_secs(7 * 24 * 3600);
        let mut b = Bucket::new(MIB, week);
        let now = Instant::now();
        assert_eq!(
            b.reserve(now, 1000 * MIB),
            now,
            "within credit: done at once"
        );
        // Back to back, the credit drains at the rate: 604800 s x 1 MiB/s.
        let mut last = now;
        for _ in 0..604 {
            last = b.reserve(now, 1000 * MIB);
        }
        assert!(last > now, "credit spent");
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
