//! CPU time and peak RSS of work done in this process, for the strategies
//! that run in it (`sequential`, and `preload` without a binary to run).

/// A measurement started before in-process work.
#[derive(Debug)]
pub struct InProcess {
    start: libc::rusage,
    /// Whether the high-water mark was reset, so that `VmHWM` afterwards is
    /// the peak of this work rather than of the process's whole life.
    peak_reset: bool,
}

/// What in-process work used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// User CPU of the whole process during the work, seconds.
    pub user_s: f64,
    /// System CPU of the whole process during the work, seconds.
    pub system_s: f64,
    /// Peak RSS of this process during the work (its own baseline
    /// included), KiB; None where the peak could not be reset (Linux < 4.0,
    /// no /proc): the life-long peak would claim too much.
    pub peak_rss_kib: Option<u64>,
}

impl InProcess {
    /// Resets the RSS high-water mark (`5 > /proc/self/clear_refs`, Linux
    /// >= 4.0) and notes the CPU time so far.
    pub fn start() -> InProcess {
        let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        InProcess {
            start: rusage_self(),
            peak_reset,
        }
    }

    /// CPU time since [`InProcess::start`] and the peak RSS since then.
    pub fn finish(self) -> Usage {
        let now = rusage_self();
        let secs = crate::child::seconds;
        // Differences of microsecond counts, rounded back to microseconds
        // (else 0.000301 prints as 0.00030100000000000005).
        let delta =
            |a: libc::timeval, b: libc::timeval| ((secs(a) - secs(b)).max(0.0) * 1e6).round() / 1e6;
        Usage {
            user_s: delta(now.ru_utime, self.start.ru_utime),
            system_s: delta(now.ru_stime, self.start.ru_stime),
            peak_rss_kib: self.peak_reset.then(high_water_mark_kib).flatten(),
        }
    }
}

fn rusage_self() -> libc::rusage {
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF is valid and `usage` is a live local to write to.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage
}

/// `VmHWM` of /proc/self/status, KiB.
fn high_water_mark_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_of_the_work_not_of_the_process_life() {
        let _alone = crate::MEMORY_TESTS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // A 256 MiB peak before the measurement (freed: above malloc's mmap
        // threshold, it goes back to the OS)...
        let big = vec![1u8; 256 << 20];
        std::hint::black_box(&big);
        drop(big);
        let m = InProcess::start();
        // ...and 8 MiB touched during it.
        let small = vec![1u8; 8 << 20];
        std::hint::black_box(&small);
        let u = m.finish();
        drop(small);
        assert!(u.user_s >= 0.0 && u.system_s >= 0.0);
        let Some(peak) = u.peak_rss_kib else {
            return; // no clear_refs on this kernel: nothing is claimed
        };
        assert!(peak >= 8 * 1024, "{u:?}");
        // Other tests of this binary run in parallel threads (one holds
        // 64 MiB for a while); the old 256 MiB peak must not show.
        assert!(peak < 200 * 1024, "{u:?}");
    }
}
