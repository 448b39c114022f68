//! CPU seconds spent by the reading command and by the storage's own
//! processes during one run. With two cores and the servers on loopback,
//! CPU is what limits these mounts, so CPU per byte explains a gap between
//! two ways of reading that wall time alone cannot.

use std::path::Path;

use crate::realfs::proc;

/// User + system seconds of every waited-for child of this process so far
/// (a child's own waited-for children included, as `xargs`' `cat`s).
pub fn children() -> f64 {
    // SAFETY: getrusage writes only into the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_CHILDREN is valid; `ru` is a valid out pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(ru.ru_utime) + secs(ru.ru_stime)
}

/// User + system seconds so far of the storage daemons of the backend
/// whose state folder is `state` (MooseFS master, chunkservers and
/// `mfsmount`; glusterd, the brick and the FUSE client), all threads.
pub fn storage(state: &Path) -> f64 {
    // SAFETY: sysconf has no preconditions.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    proc::find(&state.to_string_lossy())
        .into_iter()
        .filter(|(_, cmd)| is_daemon(cmd))
        .filter_map(|(pid, _)| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| ticks(&stat))
        .sum::<u64>() as f64
        / tick
}

/// True for a MooseFS or GlusterFS process (not a reader whose arguments
/// name the mount).
fn is_daemon(cmdline: &str) -> bool {
    let exe = cmdline.split_whitespace().next().unwrap_or_default();
    let name = exe.rsplit('/').next().unwrap_or_default();
    name.starts_with("mfs") || name.starts_with("gluster")
}

/// utime + stime of a `/proc/PID/stat` line (fields 14 and 15, counted
/// after the parenthesised command name, which may hold spaces).
fn ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // `rest` starts at field 3 (state).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_fields_14_and_15_even_with_spaces_in_the_name() {
        let stat = "2253 (mfs mount) S 1 2253 2253 0 -1 4194624 100 0 0 0 1234 567 0 0 20 0 9 0";
        assert_eq!(ticks(stat), Some(1234 + 567));
    }

    #[test]
    fn daemons_are_told_from_readers_of_the_mount() {
        assert!(is_daemon("mfsmount (mounted on: /x/moosefs/mnt)"));
        assert!(is_daemon(
            "/usr/sbin/glusterfsd -s 127.1 --brick-name /x/brick"
        ));
        assert!(!is_daemon(
            "target/bin/preload warm /x/moosefs/mnt/model --json"
        ));
        assert!(!is_daemon("sh -c find /x/moosefs/mnt | xargs cat"));
    }
}
