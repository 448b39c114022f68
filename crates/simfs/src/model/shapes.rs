//! The parameters of the storage shapes beyond latency and caps.

/// Contention past a concurrency limit, like the Universal Scalability Law's
/// coherency term: with `n` streams active (streams with a read request
/// received and not yet answered), every read request's service time (its
/// latency and its transfer time on each bandwidth cap) is multiplied by
/// `1 + factor x max(0, n - limit)`.
///
/// Counting streams rather than requests keeps the curve a function of the
/// number of readers: how many requests one reader keeps in flight depends on
/// the kernel's readahead, not on the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contention {
    /// Streams that can be active at no extra cost.
    pub limit: usize,
    /// Extra service time per stream past the limit, as a fraction of the base.
    pub factor: f64,
}

impl Contention {
    /// The service-time multiplier with `streams` active: `1 + factor x max(0, streams - limit)`.
    pub fn multiplier(&self, streams: usize) -> f64 {
        1.0 + self.factor * streams.saturating_sub(self.limit) as f64
    }
}

/// Burst credit on the total cap, as a cloud volume's burst bucket: the mount
/// starts with `bytes` of credit; while any is left the total cap is `rate`
/// instead of `total_bw`. Credit drains by what is served beyond `total_bw`
/// and refills at `total_bw` while less is asked, up to `bytes` again. Under a
/// demand of `D > total_bw` bytes per second it lasts
/// `bytes / (min(D, rate) - total_bw)` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst {
    /// Credit when full, in bytes served beyond the sustained rate.
    pub bytes: u64,
    /// The total cap while credit is left, in bytes per second.
    pub rate: u64,
}

/// A heavy tail of the latency: each read request, with probability
/// `fraction`, waits `factor` times its sampled latency (latency and jitter).
/// The mean latency becomes `latency x (1 + fraction x (factor - 1))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    /// Fraction of requests that are slow, in `[0, 1]`.
    pub fraction: f64,
    /// How many times their latency the slow ones take.
    pub factor: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contention_multiplier_starts_past_the_limit() {
        let c = Contention {
            limit: 4,
            factor: 0.5,
        };
        assert_eq!(c.multiplier(0), 1.0);
        assert_eq!(c.multiplier(4), 1.0);
        assert_eq!(c.multiplier(6), 2.0);
    }
}
