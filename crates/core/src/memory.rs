//! How much the page cache can hold: MemAvailable and the cgroup limit.
//!
//! Page cache counts against a container's memory cgroup, so inside a
//! container the room for warming is the lower of the host's MemAvailable and
//! what is left under the cgroup's limit (v1 `memory.limit_in_bytes` or v2
//! `memory.max`, read by sysinfo).

use preload_schema::MemoryCheck;

/// Memory figures at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySnapshot {
    /// MemAvailable of /proc/meminfo, bytes.
    pub mem_available: u64,
    /// The cgroup's memory limit, when one is set.
    pub cgroup_limit: Option<u64>,
    /// What the cgroup may still use under its limit, when one is set.
    pub cgroup_free: Option<u64>,
}

impl MemorySnapshot {
    /// Reads the current figures.
    pub fn read() -> MemorySnapshot {
        let Ok(mut sys) = sysinfo::System::new() else {
            // No /proc: nothing known, nothing refused.
            return MemorySnapshot {
                mem_available: u64::MAX,
                cgroup_limit: None,
                cgroup_free: None,
            };
        };
        sys.refresh_memory();
        let limits = sys.cgroup_limits();
        MemorySnapshot {
            mem_available: sys.available_memory(),
            cgroup_limit: limits.as_ref().map(|l| l.total_memory),
            cgroup_free: limits.as_ref().map(|l| l.free_memory),
        }
    }

    /// Whether `planned` bytes fit.
    pub fn assess(&self, planned: u64) -> MemoryCheck {
        let available = match self.cgroup_free {
            Some(free) => free.min(self.mem_available),
            None => self.mem_available,
        };
        MemoryCheck {
            planned_bytes: planned,
            available_bytes: available,
            cgroup_limit_bytes: self.cgroup_limit,
            fits: planned <= available,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_limit_lowers_what_is_available() {
        let s = MemorySnapshot {
            mem_available: 20 << 30,
            cgroup_limit: Some(8 << 30),
            cgroup_free: Some(6 << 30),
        };
        let c = s.assess(7 << 30);
        assert_eq!(c.available_bytes, 6 << 30);
        assert!(!c.fits);
        assert!(s.assess(6 << 30).fits);
    }

    #[test]
    fn without_cgroup_mem_available_decides() {
        let s = MemorySnapshot {
            mem_available: 1 << 30,
            cgroup_limit: None,
            cgroup_free: None,
        };
        assert!(s.assess(1 << 30).fits);
        assert!(!s.assess((1 << 30) + 1).fits);
    }

    #[test]
    fn reading_this_machine_gives_nonzero_memory() {
        assert!(MemorySnapshot::read().mem_available > 0);
    }
}
