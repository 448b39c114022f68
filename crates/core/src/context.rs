//! The context a measurement ran in: machine, kernel, filesystem, date.

use std::path::Path;

use preload_schema::RunContext;

use crate::fsinfo::filesystem_of;
use crate::memory::MemorySnapshot;

/// Describes this machine and the filesystem holding `path`, now.
pub fn run_context(path: &Path) -> RunContext {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mem = MemorySnapshot::read();
    let total = sysinfo::System::new()
        .map(|mut s| {
            s.refresh_memory();
            s.total_memory()
        })
        .unwrap_or(0);
    RunContext {
        host: read("/proc/sys/kernel/hostname"),
        kernel: read("/proc/sys/kernel/osrelease"),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_bytes: mem.cgroup.map_or(total, |c| c.limit_bytes.min(total)),
        preload_version: env!("CARGO_PKG_VERSION").to_owned(),
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        filesystem: filesystem_of(path),
    }
}
