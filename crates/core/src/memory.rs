//! How much the page cache can hold: MemAvailable and the cgroup limits.
//!
//! Page cache counts against the reader's memory cgroup, so inside a
//! container the room for warming is the lower of the host's MemAvailable
//! and the room left under the tightest limit of the process's own cgroup
//! and its ancestors ([`crate::cgroup`], v1 and v2).

use std::path::Path;

use preload_schema::MemoryCheck;

use crate::cgroup::{self, CgroupMemory};

/// Memory figures at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemorySnapshot {
    /// MemAvailable of /proc/meminfo, bytes (`u64::MAX` when unknown).
    pub mem_available: u64,
    /// The memory cgroup whose limit leaves the least room, when a limit applies.
    pub cgroup: Option<CgroupMemory>,
}

impl MemorySnapshot {
    /// Reads the current figures of this process.
    pub fn read() -> MemorySnapshot {
        MemorySnapshot::read_under(Path::new("/"))
    }

    /// Reads `proc/meminfo`, `proc/self/cgroup` and the cgroup files under
    /// `root` instead of `/` (for tests).
    pub fn read_under(root: &Path) -> MemorySnapshot {
        MemorySnapshot {
            // No /proc: nothing known, nothing refused.
            mem_available: mem_available(root).unwrap_or(u64::MAX),
            cgroup: cgroup::tightest(root),
        }
    }

    /// Whether `planned` bytes fit.
    pub fn assess(&self, planned: u64) -> MemoryCheck {
        let c = self.cgroup.as_ref();
        let available = c.map_or(self.mem_available, |c| {
            c.room_bytes().min(self.mem_available)
        });
        MemoryCheck {
            planned_bytes: planned,
            available_bytes: available,
            cgroup_limit_bytes: c.map(|c| c.limit_bytes),
            cgroup_path: c.map(|c| c.path.clone()),
            cgroup_version: c.map(|c| c.version),
            cgroup_limit_file: c.map(|c| c.limit_file.to_owned()),
            cgroup_used_bytes: c.map(|c| c.used_bytes),
            fits: planned <= available,
        }
    }
}

/// MemAvailable from `root/proc/meminfo`, bytes.
fn mem_available(root: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(root.join("proc/meminfo")).ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::fake::FakeRoot;

    fn cgroup(limit: u64, used: u64) -> Option<CgroupMemory> {
        Some(CgroupMemory {
            version: 2,
            path: "/app".into(),
            dir: "/sys/fs/cgroup/app".into(),
            limit_file: "memory.max",
            limit_bytes: limit,
            used_bytes: used,
        })
    }

    #[test]
    fn cgroup_limit_lowers_what_is_available() {
        let s = MemorySnapshot {
            mem_available: 20 << 30,
            cgroup: cgroup(8 << 30, 2 << 30),
        };
        let c = s.assess(7 << 30);
        assert_eq!(c.available_bytes, 6 << 30);
        assert_eq!(c.cgroup_limit_bytes, Some(8 << 30));
        assert_eq!(c.cgroup_path.as_deref(), Some("/app"));
        assert_eq!(c.cgroup_version, Some(2));
        assert_eq!(c.cgroup_limit_file.as_deref(), Some("memory.max"));
        assert_eq!(c.cgroup_used_bytes, Some(2 << 30));
        assert!(!c.fits);
        assert!(s.assess(6 << 30).fits);
    }

    #[test]
    fn without_cgroup_mem_available_decides() {
        let s = MemorySnapshot {
            mem_available: 1 << 30,
            cgroup: None,
        };
        assert!(s.assess(1 << 30).fits);
        assert!(!s.assess((1 << 30) + 1).fits);
        assert_eq!(s.assess(1).cgroup_path, None);
    }

    #[test]
    fn mem_available_caps_a_roomy_cgroup() {
        let s = MemorySnapshot {
            mem_available: 1 << 30,
            cgroup: cgroup(8 << 30, 0),
        };
        assert_eq!(s.assess(0).available_bytes, 1 << 30);
    }

    /// The case end to end over a fake root: a 1 GiB warm in a
    /// nested 200 MiB v1 cgroup on a host with 20 GiB available.
    #[test]
    fn a_nested_200_mib_cgroup_refuses_a_1_gib_warm() {
        let f = FakeRoot::new(
            "4:memory:/process_api/x/outer/inner\n0::/\n",
            "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
             41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
        );
        f.meminfo(20 << 20);
        let none = [
            ("memory.limit_in_bytes", "9223372036854771712"),
            ("memory.usage_in_bytes", "4096"),
        ];
        f.cgroup("/sys/fs/cgroup/memory/process_api/x", &none);
        f.cgroup(
            "/sys/fs/cgroup/memory/process_api/x/outer",
            &[
                ("memory.limit_in_bytes", "209715200"),
                ("memory.usage_in_bytes", "1048576"),
            ],
        );
        f.cgroup("/sys/fs/cgroup/memory/process_api/x/outer/inner", &none);
        let s = MemorySnapshot::read_under(f.root());
        assert_eq!(s.mem_available, 20 << 30);
        let c = s.assess(1 << 30);
        assert!(!c.fits);
        assert_eq!(c.available_bytes, 199 << 20);
        assert_eq!(c.cgroup_limit_bytes, Some(200 << 20));
        assert_eq!(c.cgroup_path.as_deref(), Some("/process_api/x/outer"));
        assert_eq!(c.cgroup_version, Some(1));
    }

    #[test]
    fn reading_this_machine_gives_nonzero_memory() {
        assert!(MemorySnapshot::read().mem_available > 0);
    }
}
