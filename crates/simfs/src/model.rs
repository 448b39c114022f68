//! The storage model: what a mount costs per request, and which faults it injects.
//!
//! [`Model`] is plain data; [`crate::mount`] turns it into a running filesystem.
//! Globs in [`Faults`] are matched against the path relative to the backing
//! directory (`a/b.bin`, no leading slash), with [`globset`] defaults: `*`
//! also matches `/`, so `*.bin` matches `a/b.bin`.

use std::time::Duration;

/// The storage model a mount serves its backing directory through.
///
/// The default is a plain read-only passthrough: no latency, no caps, page
/// cache on, no faults. See the crate documentation for the throughput formula.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// Fixed part of the latency added to every read request.
    pub latency: Duration,
    /// Jitter around `latency`: each request waits `latency + U(-jitter, +jitter)`,
    /// clamped at zero, so the mean stays `latency` while `jitter <= latency`.
    pub jitter: Duration,
    /// Bandwidth cap per stream (one open file handle), in bytes per second.
    pub stream_bw: Option<u64>,
    /// Bandwidth cap over all requests of the mount, in bytes per second.
    pub total_bw: Option<u64>,
    /// Most read requests in service at once (models server slots); the rest queue.
    pub max_inflight: Option<usize>,
    /// Direct I/O: nothing is kept in the page cache (a mount where warming cannot work).
    pub no_cache: bool,
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

    /// Limits the read requests in service at once.
    pub fn max_inflight(mut self, slots: usize) -> Self {
        self.max_inflight = Some(slots);
        self
    }

    /// Serves every file with direct I/O, so nothing stays in the page cache.
    pub fn no_cache(mut self, no_cache: bool) -> Self {
        self.no_cache = no_cache;
        self
    }

    /// Replaces the injected faults.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The throughput the model predicts for `readers` sequential readers on
    /// distinct files, in bytes per second: `min(P x stream_bw, total_bw)`, or
    /// `None` when neither cap is set (the limit is then this machine's CPU).
    ///
    /// `max_inflight` is not part of the formula; see the crate documentation.
    pub fn expected_throughput(&self, readers: usize) -> Option<u64> {
        let streams = self.stream_bw.map(|bw| bw.saturating_mul(readers as u64));
        match (streams, self.total_bw) {
            (Some(s), Some(t)) => Some(s.min(t)),
            (Some(s), None) => Some(s),
            (None, Some(t)) => Some(t),
            (None, None) => None,
        }
    }
}

/// One line for logs: `latency 2ms, jitter 500us, stream-bw 50 MiB/s, ...`.
impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = |bw: Option<u64>| {
            bw.map_or_else(
                || "unlimited".to_owned(),
                |b| format!("{:.1} MiB/s", b as f64 / f64::from(1u32 << 20)),
            )
        };
        write!(
            f,
            "latency {:?}, jitter {:?}, stream-bw {}, total-bw {}, max-inflight {}, cache {}",
            self.latency,
            self.jitter,
            rate(self.stream_bw),
            rate(self.total_bw),
            self.max_inflight
                .map_or_else(|| "unlimited".to_owned(), |n| n.to_string()),
            if self.no_cache {
                "off (direct I/O)"
            } else {
                "on"
            },
        )?;
        let faults = &self.faults;
        if let Some(g) = &faults.eio_glob {
            write!(f, ", EIO on {g:?}")?;
        }
        if let Some(n) = faults.eio_after_bytes {
            write!(f, ", EIO past byte {n}")?;
        }
        if let Some(s) = &faults.stall {
            write!(f, ", stall {:?} on {:?}", s.duration, s.glob)?;
        }
        if let Some(g) = &faults.shrink_glob {
            write!(f, ", shrink {g:?}")?;
        }
        Ok(())
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
    }

    #[test]
    fn display_is_one_readable_line() {
        let m = Model::new()
            .latency(Duration::from_millis(2))
            .stream_bw(50 * MIB)
            .faults(Faults {
                eio_glob: Some("*.bad".into()),
                ..Faults::default()
            });
        assert_eq!(
            m.to_string(),
            "latency 2ms, jitter 0ns, stream-bw 50.0 MiB/s, total-bw unlimited, \
             max-inflight unlimited, cache on, EIO on \"*.bad\""
        );
    }

    #[test]
    fn builder_sets_fields() {
        let m = Model::new()
            .latency(Duration::from_millis(2))
            .jitter(Duration::from_micros(500))
            .max_inflight(8)
            .no_cache(true);
        assert_eq!(m.latency, Duration::from_millis(2));
        assert_eq!(m.jitter, Duration::from_micros(500));
        assert_eq!(m.max_inflight, Some(8));
        assert!(m.no_cache);
    }
}
