//! A model in one line, for the startup message and logs.

use std::fmt;

use super::Model;

/// `50.0 MiB/s`, or `unlimited`.
pub(super) fn rate(bw: Option<u64>) -> String {
    bw.map_or_else(
        || "unlimited".to_owned(),
        |b| format!("{:.1} MiB/s", b as f64 / f64::from(1u32 << 20)),
    )
}

fn size(bytes: u64) -> String {
    bytesize::ByteSize::b(bytes).display().iec().to_string()
}

/// `latency 2ms, jitter 500us, stream-bw 50 MiB/s, ...`: the basic parts
/// always, the others only when set, each named as its command-line flag.
impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        if let Some(t) = self.tail {
            write!(
                f,
                ", tail {}% of requests x{} latency (mean {:?})",
                t.fraction * 100.0,
                t.factor,
                self.mean_latency()
            )?;
        }
        if let Some(b) = self.burst {
            write!(
                f,
                ", burst {} of credit at {} (then total-bw)",
                size(b.bytes),
                rate(Some(b.rate))
            )?;
        }
        if let Some(c) = self.contention {
            write!(
                f,
                ", contention past {} streams (service time x(1 + {} x excess))",
                c.limit, c.factor
            )?;
        }
        if !self.meta_latency.is_zero() {
            write!(f, ", meta-latency {:?}", self.meta_latency)?;
        }
        if let Some(bytes) = self.server_cache {
            write!(f, ", server-cache {}", size(bytes))?;
        }
        if let Some(n) = self.max_background {
            write!(f, ", max-background {n}")?;
        }
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
    use std::time::Duration;

    use super::super::Faults;
    use super::*;

    const MIB: u64 = 1024 * 1024;

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
    fn display_names_every_part_that_is_set() {
        let m = Model::new()
            .latency(Duration::from_millis(2))
            .total_bw(100 * MIB)
            .tail(0.01, 21.0)
            .burst(1 << 30, 400 * MIB)
            .contention(8, 0.25)
            .meta_latency(Duration::from_millis(5))
            .server_cache(256 * MIB);
        assert_eq!(
            m.to_string(),
            "latency 2ms, jitter 0ns, stream-bw unlimited, total-bw 100.0 MiB/s, \
             max-inflight unlimited, cache on, tail 1% of requests x21 latency (mean 2.4ms), \
             burst 1.0 GiB of credit at 400.0 MiB/s (then total-bw), \
             contention past 8 streams (service time x(1 + 0.25 x excess)), \
             meta-latency 5ms, server-cache 256.0 MiB"
        );
    }
}
