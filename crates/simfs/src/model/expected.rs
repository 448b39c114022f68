//! The curve a model should deliver: throughput as a function of the number
//! of readers, for a few ways of reading that make it computable.
//!
//! Symbols: `P` readers, `s` the stream cap, `T` the total cap (a missing cap
//! is infinite), `N` the server slots (`max_inflight`), `c(P)` the contention
//! multiplier ([`super::Contention::multiplier`], 1 without contention), `E`
//! the mean latency ([`Model::mean_latency`]), `M` the metadata latency.
//! Contention multiplies every time a read request spends in service (its
//! latency and its transfers) by `c`, so it divides throughput by `c`.

use std::time::Duration;

use super::{Model, scaled};

/// How the readers use the mount, for [`Model::expected_throughput_for`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Buffered sequential reads of large files, one file per reader: the
    /// kernel's readahead keeps requests in flight and hides the latency
    /// (while it is short, see the crate documentation).
    /// `min(P x s, T) / c(P)`.
    Sequential,
    /// Each reader keeps one request of `request` bytes in flight and waits
    /// for it (direct I/O with `request`-sized reads; no readahead helps).
    /// With `t = E + request / s`:
    /// `min(min(P, N) x request / t, T) / c(P)`.
    OneAtATime {
        /// Bytes per request (at most 1 MiB: the kernel splits larger ones).
        request: u64,
    },
    /// Each reader reads whole files of `len` bytes one after another; each
    /// file costs `meta_ops` metadata round trips, then one read request
    /// (files up to 128 KiB are read in one request). With
    /// `t = meta_ops x M + c(P) x (E + len / s)`:
    /// `min(P x len / t, T / c(P))` (and at most `N` requests in service).
    /// A cold file costs 2 round trips (lookup, open); one whose entry the
    /// kernel still caches (for 5 s after a lookup, e.g. by a walk) costs 1.
    /// Contention counts only streams with a read in flight, so `c(P)` is an
    /// upper bound here and the formula a lower bound when contention is set.
    SmallFiles {
        /// Bytes per file.
        len: u64,
        /// Metadata requests per file that reach the mount.
        meta_ops: u32,
    },
}

/// `bytes / seconds`, infinite for a zero time.
fn per_sec(bytes: f64, time: Duration) -> f64 {
    if time.is_zero() {
        f64::INFINITY
    } else {
        bytes / time.as_secs_f64()
    }
}

fn finite(rate: f64) -> Option<u64> {
    rate.is_finite().then(|| rate.round() as u64)
}

impl Model {
    /// The throughput the model predicts for `readers` sequential readers on
    /// distinct large files, in bytes per second, once any burst credit is
    /// spent: `min(P x stream_bw, total_bw) / c(P)` (see [`Access::Sequential`]),
    /// or `None` when neither cap is set (the limit is then this machine's CPU
    /// and the readahead, see the crate documentation).
    pub fn expected_throughput(&self, readers: usize) -> Option<u64> {
        self.expected_throughput_for(readers, Access::Sequential)
    }

    /// The throughput the model predicts for `readers` readers that read as
    /// `access` says, in bytes per second, once any burst credit is spent;
    /// `None` when nothing in the model bounds it.
    pub fn expected_throughput_for(&self, readers: usize, access: Access) -> Option<u64> {
        finite(self.rate(readers, access, self.total_bw))
    }

    /// The throughput while burst credit lasts ([`Access::Sequential`] with the
    /// burst rate as the total cap); `None` without burst credit.
    pub fn expected_burst_throughput(&self, readers: usize) -> Option<u64> {
        let burst = self.burst?;
        finite(self.rate(readers, Access::Sequential, Some(burst.rate)))
    }

    /// How long full burst credit lasts under `readers` sequential readers:
    /// `bytes / (min(P x stream_bw, burst rate) - total_bw)` seconds (credit
    /// counts bytes times the contention multiplier). `None` without burst
    /// credit, or when those readers ask no more than `total_bw` (the credit
    /// then never drains).
    pub fn burst_duration(&self, readers: usize) -> Option<Duration> {
        let burst = self.burst?;
        let sustained = self.total_bw? as f64;
        let streams = self
            .stream_bw
            .map_or(f64::INFINITY, |s| s as f64 * readers as f64);
        let drain = streams.min(burst.rate as f64) - sustained;
        (drain > 0.0).then(|| Duration::from_secs_f64(burst.bytes as f64 / drain))
    }

    /// Bytes per second for `readers`, with `total` as the total cap.
    fn rate(&self, readers: usize, access: Access, total: Option<u64>) -> f64 {
        let p = readers as f64;
        let c = self.contention.map_or(1.0, |k| k.multiplier(readers));
        let total = total.map_or(f64::INFINITY, |t| t as f64);
        let stream = self.stream_bw.map_or(f64::INFINITY, |s| s as f64);
        let slots = self.max_inflight.map_or(f64::INFINITY, |n| n as f64);
        // Time one request of `bytes` spends in service, without contention.
        let service = |bytes: u64| {
            let transfer =
                Duration::try_from_secs_f64(bytes as f64 / stream).unwrap_or(Duration::MAX);
            self.mean_latency().saturating_add(transfer)
        };
        match access {
            Access::Sequential => (p * stream).min(total) / c,
            Access::OneAtATime { request } => {
                let per_reader = per_sec(request as f64, service(request));
                (p.min(slots) * per_reader).min(total) / c
            }
            Access::SmallFiles { len, meta_ops } => {
                let in_service = scaled(service(len), c);
                let per_file = self
                    .meta_latency
                    .saturating_mul(meta_ops)
                    .saturating_add(in_service);
                let slot_bound = slots * per_sec(len as f64, in_service);
                (p * per_sec(len as f64, per_file))
                    .min(slot_bound)
                    .min(total / c)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn expected_throughput_is_min_of_streams_and_total() {
        let m = Model::new().stream_bw(50 * MIB).total_bw(400 * MIB);
        assert_eq!(m.expected_throughput(1), Some(50 * MIB));
        assert_eq!(m.expected_throughput(4), Some(200 * MIB));
        assert_eq!(m.expected_throughput(8), Some(400 * MIB));
        assert_eq!(m.expected_throughput(16), Some(400 * MIB));
    }

    #[test]
    fn expected_throughput_without_caps_is_unknown() {
        assert_eq!(Model::default().expected_throughput(4), None);
        assert_eq!(Model::new().total_bw(MIB).expected_throughput(4), Some(MIB));
        let one = Access::OneAtATime { request: MIB };
        assert_eq!(Model::default().expected_throughput_for(4, one), None);
    }

    #[test]
    fn contention_divides_past_the_limit() {
        let m = Model::new()
            .stream_bw(50 * MIB)
            .total_bw(200 * MIB)
            .contention(4, 0.25);
        assert_eq!(m.expected_throughput(4), Some(200 * MIB));
        assert_eq!(m.expected_throughput(8), Some(100 * MIB));
        assert_eq!(m.expected_throughput(16), Some(50 * MIB));
    }

    #[test]
    fn one_at_a_time_is_latency_bound_and_slot_bound() {
        let m = Model::new()
            .latency(Duration::from_millis(10))
            .stream_bw(100 * MIB);
        // 10 ms latency + 10 ms transfer per MiB: 50 MiB/s per reader.
        let one = Access::OneAtATime { request: MIB };
        assert_eq!(m.expected_throughput_for(1, one), Some(50 * MIB));
        assert_eq!(m.expected_throughput_for(4, one), Some(200 * MIB));
        let slots = m.clone().max_inflight(2);
        assert_eq!(slots.expected_throughput_for(4, one), Some(100 * MIB));
        // A 10% tail of 11x doubles the mean latency: 20 + 10 ms per MiB.
        let tail = m.tail(0.1, 11.0);
        let per_reader = tail.expected_throughput_for(1, one).unwrap() as f64;
        assert!((per_reader / (MIB as f64 / 0.030) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn small_files_pay_metadata_per_file() {
        let m = Model::new().meta_latency(Duration::from_millis(5));
        let files = Access::SmallFiles {
            len: 64 * 1024,
            meta_ops: 2,
        };
        // 10 ms per file of 64 KiB: 6.25 MiB/s per reader.
        let one = m.expected_throughput_for(1, files).unwrap() as f64;
        assert!((one / (6.25 * MIB as f64) - 1.0).abs() < 1e-6, "{one}");
        let capped = m.total_bw(10 * MIB).expected_throughput_for(4, files);
        assert_eq!(capped, Some(10 * MIB));
    }

    #[test]
    fn burst_runs_at_its_rate_then_drains_at_the_excess() {
        let m = Model::new()
            .stream_bw(100 * MIB)
            .total_bw(100 * MIB)
            .burst(300 * MIB, 400 * MIB);
        assert_eq!(m.expected_burst_throughput(8), Some(400 * MIB));
        assert_eq!(m.expected_throughput(8), Some(100 * MIB));
        // 300 MiB of credit drained at 400 - 100 MiB/s.
        assert_eq!(m.burst_duration(8), Some(Duration::from_secs(1)));
        // Two readers ask 200 MiB/s: the credit drains at 100 MiB/s.
        assert_eq!(m.burst_duration(2), Some(Duration::from_secs(3)));
        assert_eq!(m.burst_duration(1), None, "one reader never drains it");
        assert_eq!(Model::new().burst_duration(8), None);
    }
}
