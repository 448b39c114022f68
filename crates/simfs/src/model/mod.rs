//! The storage model: what a mount costs per request, and which faults it injects.
//!
//! [`Model`] is plain data; [`crate::mount`] turns it into a running filesystem
//! and [`Model::expected_throughput`] (in `expected.rs`) says what it should
//! deliver. Globs in [`Faults`] are matched against the path relative to the
//! backing directory (`a/b.bin`, no leading slash), with [`globset`] defaults:
//! `*` also matches `/`, so `*.bin` matches `a/b.bin`.

mod display;
mod expected;
mod shapes;

use std::time::Duration;

pub use expected::Access;
pub use shapes::{Burst, Contention, Tail};

/// The storage model a mount serves its backing directory through.
///
/// The default is a plain read-only passthrough: no latency, no caps, page
/// cache on, no faults. Every part is optional and they compose; the crate
/// documentation gives the order in which a request meets them and
/// [`Model::expected_throughput_for`] the curve they make together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Fixed part of the latency added to every read request.
    pub latency: Duration,
    /// Jitter around `latency`: each request waits `latency + U(-jitter, +jitter)`,
    /// clamped at zero, so the mean stays `latency` while `jitter <= latency`.
    pub jitter: Duration,
    /// A heavy tail on top: a fraction of requests wait a multiple of their latency.
    pub tail: Option<Tail>,
    /// Bandwidth cap per stream (one open file handle), in bytes per second.
    pub stream_bw: Option<u64>,
    /// Bandwidth cap over all requests of the mount, in bytes per second
    /// (the sustained rate once burst credit, if any, is spent).
    pub total_bw: Option<u64>,
    /// Burst credit: a higher total cap until the credit is spent (cloud volumes).
    pub burst: Option<Burst>,
    /// Service times that grow once more streams than a limit are active.
    pub contention: Option<Contention>,
    /// Most read requests in service at once (models server slots); the rest queue.
    pub max_inflight: Option<usize>,
    /// Delay of every metadata request (lookup, getattr, open, readdir, readlink).
    pub meta_latency: Duration,
    /// Size in bytes of a server-side cache: re-read blocks are served at once.
    pub server_cache: Option<u64>,
    /// Direct I/O: nothing is kept in the page cache (a mount where warming cannot work).
    pub no_cache: bool,
    /// The FUSE background queue asked for in `init` (`max_background`; the
    /// kernel stops reading ahead past three quarters of it). None: 256.
    pub max_background: Option<u16>,
    /// Faults to inject for robustness tests.
    pub faults: Faults,
}

/// Faults a mount injects into read requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Reads of files matching this glob fail with EIO (from the first byte, or
    /// past `eio_after_bytes` when that is set too).
    pub eio_glob: Option<String>,
    /// Reads that reach past this byte offset of a file fail with EIO; limited
    /// to files matching `eio_glob` when that is set, else every file.
    pub eio_after_bytes: Option<u64>,
    /// The first read request of every open handle of a matching file waits this much longer.
    pub stall: Option<Stall>,
    /// Files matching this glob keep their full size in `stat` but read as if
    /// they had shrunk to half of it (the reader meets end of file early).
    pub shrink_glob: Option<String>,
}

/// A stall: the first read of every open handle of a matching file is delayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// Files the stall applies to.
    pub glob: String,
    /// Extra delay of that first read.
    pub duration: Duration,
}

/// `d x by`, saturating instead of panicking (`by` below zero or NaN gives zero).
pub(crate) fn scaled(d: Duration, by: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * by.max(0.0)).unwrap_or(Duration::MAX)
}

impl Model {
    /// A model with no latency, no caps and no faults (same as `Default`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the fixed per-request latency.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets the jitter around the latency.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Makes `fraction` of the read requests wait `factor` times their latency (see [`Tail`]).
    pub fn tail(mut self, fraction: f64, factor: f64) -> Self {
        self.tail = Some(Tail { fraction, factor });
        self
    }

    /// Caps each stream (open file handle) at `bytes_per_sec`.
    pub fn stream_bw(mut self, bytes_per_sec: u64) -> Self {
        self.stream_bw = Some(bytes_per_sec);
        self
    }

    /// Caps the whole mount at `bytes_per_sec`.
    pub fn total_bw(mut self, bytes_per_sec: u64) -> Self {
        self.total_bw = Some(bytes_per_sec);
        self
    }

    /// Starts with `bytes` of burst credit, during which the total cap is
    /// `rate` (see [`Burst`]); needs a `total_bw` below `rate`.
    pub fn burst(mut self, bytes: u64, rate: u64) -> Self {
        self.burst = Some(Burst { bytes, rate });
        self
    }

    /// Multiplies service times by `1 + factor x (streams - limit)` past
    /// `limit` active streams (see [`Contention`]).
    pub fn contention(mut self, limit: usize, factor: f64) -> Self {
        self.contention = Some(Contention { limit, factor });
        self
    }

    /// Limits the read requests in service at once.
    pub fn max_inflight(mut self, slots: usize) -> Self {
        self.max_inflight = Some(slots);
        self
    }

    /// Delays every metadata request (lookup, getattr, open, readdir, readlink) by `latency`.
    pub fn meta_latency(mut self, latency: Duration) -> Self {
        self.meta_latency = latency;
        self
    }

    /// Keeps the last `bytes` read (in 64 KiB blocks, least recently used out)
    /// in a server-side cache that answers re-reads at once.
    pub fn server_cache(mut self, bytes: u64) -> Self {
        self.server_cache = Some(bytes);
        self
    }

    /// Serves every file with direct I/O, so nothing stays in the page cache.
    pub fn no_cache(mut self, no_cache: bool) -> Self {
        self.no_cache = no_cache;
        self
    }

    /// Asks the kernel for a background queue of `requests` (readahead
    /// stops past three quarters of it, the kernel's own ratio, 9 of 12):
    /// 12 is what a daemon gets that leaves the kernel's default, as
    /// `mfsmount` does.
    pub fn max_background(mut self, requests: u16) -> Self {
        self.max_background = Some(requests);
        self
    }

    /// Replaces the injected faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The mean latency of a read request: `latency x (1 + fraction x (factor - 1))`
    /// with a tail (jitter is symmetric, so it does not move the mean while
    /// `jitter <= latency`).
    pub fn mean_latency(&self) -> Duration {
        let tail = self
            .tail
            .map_or(1.0, |t| 1.0 + t.fraction * (t.factor - 1.0));
        scaled(self.latency, tail)
    }

    /// Why this model cannot be served, if it cannot (checked by [`crate::mount`]).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(t) = self.tail
            && !((0.0..=1.0).contains(&t.fraction) && t.factor.is_finite() && t.factor >= 0.0)
        {
            return Err(format!(
                "tail {}:{}: the fraction must be in [0, 1] and the factor a finite number >= 0",
                t.fraction, t.factor
            ));
        }
        if let Some(c) = self.contention
            && !(c.factor.is_finite() && c.factor >= 0.0)
        {
            return Err(format!(
                "contention factor {} must be a finite number >= 0",
                c.factor
            ));
        }
        if let Some(b) = self.burst {
            match self.total_bw {
                None => {
                    return Err(
                        "burst credit needs a total bandwidth cap (the sustained rate)".into(),
                    );
                }
                Some(t) if b.rate <= t => {
                    return Err(format!(
                        "burst rate {} must be above the total bandwidth cap {}",
                        display::rate(Some(b.rate)),
                        display::rate(Some(t))
                    ));
                }
                Some(_) if b.bytes == 0 => return Err("burst credit must be above zero".into()),
                Some(_) => {}
            }
        }
        if self.server_cache == Some(0) {
            return Err("a server cache needs a size above zero".into());
        }
        if self.max_inflight == Some(0) {
            return Err("max-inflight must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn builder_sets_fields() {
        let m = Model::new()
            .latency(Duration::from_millis(2))
            .jitter(Duration::from_micros(500))
            .max_inflight(8)
            .no_cache(true)
            .tail(0.01, 20.0)
            .contention(8, 0.25)
            .burst(MIB, 4 * MIB)
            .total_bw(MIB)
            .meta_latency(Duration::from_millis(3))
            .server_cache(64 * MIB);
        assert_eq!(m.latency, Duration::from_millis(2));
        assert_eq!(m.jitter, Duration::from_micros(500));
        assert_eq!(m.max_inflight, Some(8));
        assert!(m.no_cache);
        assert_eq!(
            m.tail,
            Some(Tail {
                fraction: 0.01,
                factor: 20.0
            })
        );
        assert_eq!(
            m.contention,
            Some(Contention {
                limit: 8,
                factor: 0.25
            })
        );
        assert_eq!(
            m.burst,
            Some(Burst {
                bytes: MIB,
                rate: 4 * MIB
            })
        );
        assert_eq!(m.meta_latency, Duration::from_millis(3));
        assert_eq!(m.server_cache, Some(64 * MIB));
        assert_eq!(m.validate(), Ok(()));
    }

    #[test]
    fn mean_latency_counts_the_tail() {
        let m = Model::new().latency(Duration::from_millis(10));
        assert_eq!(m.mean_latency(), Duration::from_millis(10));
        let m = m.tail(0.1, 11.0);
        assert_eq!(m.mean_latency(), Duration::from_millis(20));
    }

    #[test]
    fn validate_names_what_is_wrong() {
        let burst_alone = Model::new().burst(MIB, 2 * MIB);
        assert!(
            burst_alone
                .validate()
                .unwrap_err()
                .contains("total bandwidth")
        );
        let slow_burst = Model::new().total_bw(2 * MIB).burst(MIB, MIB);
        assert!(slow_burst.validate().unwrap_err().contains("above"));
        assert!(Model::new().tail(1.5, 2.0).validate().is_err());
        assert!(Model::new().tail(0.1, f64::NAN).validate().is_err());
        assert!(Model::new().contention(2, -1.0).validate().is_err());
        assert!(Model::new().server_cache(0).validate().is_err());
        assert_eq!(Model::default().validate(), Ok(()));
    }
}
