//! What one read request costs: the instant its reply is due.
//!
//! A request put in service at `now`, with `n` streams active, is charged
//! `bytes x c(n)` on its stream's cap and on the mount's caps (each a
//! [`Bucket`]) and then waits its latency sample `x c(n)`:
//!
//! ```text
//! due = max(stream free, total free, burst-peak free) + c(n) x latency sample
//! latency sample = max(0, latency + U(-jitter, +jitter)) [x tail factor, with probability tail fraction]
//! ```
//!
//! `c(n)` is the contention multiplier (1 without contention). Multiplying
//! both the charge and the latency makes contention divide throughput by `c`
//! whatever bounds it (a cap, the latency, or server slots), which is what
//! keeps [`crate::Model::expected_throughput_for`] a closed formula.
//!
//! Burst credit is a dual token bucket, the usual form of a cloud volume's
//! burst balance: the total cap is a bucket at the sustained rate that may
//! lag `credit / rate` seconds behind now (so it has `credit` bytes to give
//! after an idle spell, and refills at the sustained rate), and a second
//! bucket at the burst rate bounds how fast that credit is spent.

use std::time::{Duration, Instant};

use rand::Rng;

use crate::bucket::Bucket;
use crate::model::{Contention, Model, Tail, scaled};

/// The mount-wide part of the cost model (the per-stream cap lives with its handle).
#[derive(Debug)]
pub(crate) struct Service {
    latency: Duration,
    jitter: Duration,
    tail: Option<Tail>,
    contention: Option<Contention>,
    /// The total cap (the sustained rate when there is burst credit).
    total: Option<Bucket>,
    /// The burst rate, bounding how fast burst credit is spent.
    peak: Option<Bucket>,
}

impl Service {
    /// The mount-wide costs of `model`.
    pub(crate) fn new(model: &Model) -> Self {
        let credit = |total: u64| {
            model.burst.map_or(Duration::ZERO, |b| {
                Duration::try_from_secs_f64(b.bytes as f64 / total.max(1) as f64)
                    .unwrap_or(Duration::MAX)
            })
        };
        Self {
            latency: model.latency,
            jitter: model.jitter,
            tail: model.tail,
            contention: model.contention,
            total: model.total_bw.map(|t| Bucket::new(t, credit(t))),
            peak: model
                .burst
                .filter(|_| model.total_bw.is_some())
                .map(|b| Bucket::new(b.rate, Duration::ZERO)),
        }
    }

    /// The service-time multiplier with `streams` active.
    pub(crate) fn multiplier(&self, streams: usize) -> f64 {
        self.contention.map_or(1.0, |c| c.multiplier(streams))
    }

    /// When a request of `bytes` put in service at `now` is done, with its
    /// stream's cap (if any) and `streams` active.
    pub(crate) fn due(
        &mut self,
        now: Instant,
        bytes: u64,
        stream: Option<&mut Bucket>,
        streams: usize,
    ) -> Instant {
        let c = self.multiplier(streams);
        // Saturating float-to-int cast: a charge beyond u64 is "forever" anyway.
        let charge = (bytes as f64 * c) as u64;
        let buckets = [stream, self.total.as_mut(), self.peak.as_mut()];
        let ready = buckets
            .into_iter()
            .flatten()
            .map(|b| b.reserve(now, charge))
            .fold(now, Instant::max);
        let wait = scaled(self.latency_sample(), c);
        ready.checked_add(wait).unwrap_or(ready)
    }

    /// `max(0, latency + U(-jitter, +jitter))`, times the tail factor for a
    /// tail fraction of the requests.
    pub(crate) fn latency_sample(&self) -> Duration {
        let mut rng = rand::rng();
        let mut sample = self.latency;
        if !self.jitter.is_zero() {
            let j = self.jitter.as_secs_f64();
            let offset = rng.random_range(-j..=j);
            sample = Duration::from_secs_f64((self.latency.as_secs_f64() + offset).max(0.0));
        }
        match self.tail {
            Some(t) if rng.random_bool(t.fraction) => scaled(sample, t.factor),
            _ => sample,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(10)
    }

    #[test]
    fn jitter_stays_around_latency() {
        let model = Model::new()
            .latency(Duration::from_millis(2))
            .jitter(Duration::from_millis(1));
        let s = Service::new(&model);
        for _ in 0..1000 {
            let l = s.latency_sample();
            assert!(l >= Duration::from_millis(1) && l <= Duration::from_millis(3));
        }
    }

    #[test]
    fn tail_slows_the_given_fraction() {
        let model = Model::new()
            .latency(Duration::from_millis(1))
            .tail(0.1, 20.0);
        let s = Service::new(&model);
        let slow = (0..20_000)
            .filter(|_| s.latency_sample() == Duration::from_millis(20))
            .count();
        // Binomial(20000, 0.1): mean 2000, sd 42.
        assert!((1800..2200).contains(&slow), "{slow}");
    }

    #[test]
    fn contention_multiplies_transfer_and_latency() {
        let model = Model::new()
            .latency(Duration::from_millis(10))
            .total_bw(100 * MIB)
            .contention(2, 0.5);
        let mut s = Service::new(&model);
        let now = Instant::now();
        // 2 streams: 10 ms transfer + 10 ms latency.
        assert!(close(
            s.due(now, MIB, None, 2) - now,
            Duration::from_millis(20)
        ));
        // 4 streams, x2, on an idle bucket a second later: 20 + 20 ms.
        let later = now + Duration::from_secs(1);
        let due = s.due(later, MIB, None, 4) - later;
        assert!(close(due, Duration::from_millis(40)), "{due:?}");
    }

    #[test]
    fn burst_credit_runs_at_the_burst_rate_then_the_sustained_one() {
        // 10 MiB of credit at 100 MiB/s over a 10 MiB/s sustained rate.
        let model = Model::new().total_bw(10 * MIB).burst(10 * MIB, 100 * MIB);
        let mut s = Service::new(&model);
        let now = Instant::now();
        let first = s.due(now, MIB, None, 1) - now;
        assert!(close(first, Duration::from_millis(10)), "{first:?}");
        // Back to back, the credit lasts 10 MiB / (100 - 10) MiB/s = 111 ms,
        // i.e. 11.1 MiB at the burst rate, then 100 ms per MiB.
        let mut last = now;
        for _ in 1..11 {
            last = s.due(now, MIB, None, 1);
        }
        assert!(
            close(last - now, Duration::from_millis(110)),
            "{:?}",
            last - now
        );
        let twelfth = s.due(now, MIB, None, 1);
        assert!(
            close(twelfth - now, Duration::from_millis(200)),
            "{:?}",
            twelfth - now
        );
        let thirteenth = s.due(now, MIB, None, 1);
        assert!(close(thirteenth - twelfth, Duration::from_millis(100)));
    }
}
