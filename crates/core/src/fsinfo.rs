//! Which filesystem a path lives on, and what its client settings mean.
//!
//! The mount is found in /proc/self/mountinfo by the path's device number
//! (so bind mounts and FUSE mounts resolve correctly), preferring the longest
//! mount point that is a prefix of the path.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use preload_schema::{FsInfo, FuseQueue};

/// Where fusectl shows each FUSE connection (mounted by systemd at boot;
/// `mount -t fusectl none /sys/fs/fuse/connections` elsewhere).
const FUSE_CONNECTIONS: &str = "/sys/fs/fuse/connections";

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MountEntry {
    device: String,
    mount_point: String,
    fs_type: String,
    source: String,
    options: String,
}

/// Describes the filesystem holding `path`; fields stay empty where the
/// kernel does not say (no /proc).
pub fn filesystem_of(path: &Path) -> FsInfo {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let device = std::fs::metadata(&canonical)
        .map(|m| {
            let dev = m.dev();
            format!("{}:{}", libc::major(dev), libc::minor(dev))
        })
        .unwrap_or_default();
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mounts = parse_mountinfo(&text);
    let mut info = match pick_mount(&mounts, &canonical.to_string_lossy(), &device) {
        Some(m) => FsInfo {
            fs_type: m.fs_type.clone(),
            mount_point: m.mount_point.clone(),
            source: m.source.clone(),
            options: m.options.clone(),
            device: m.device.clone(),
            read_ahead_kb: None,
            fuse_queue: None,
        },
        None => FsInfo {
            device: device.clone(),
            ..FsInfo::default()
        },
    };
    info.read_ahead_kb =
        std::fs::read_to_string(format!("/sys/class/bdi/{}/read_ahead_kb", info.device))
            .ok()
            .and_then(|s| s.trim().parse().ok());
    if info.fs_type.starts_with("fuse") {
        info.fuse_queue = fuse_queue(Path::new(FUSE_CONNECTIONS), &info.device);
    }
    info
}

/// The background queue of the FUSE connection of device `major:minor`
/// under `connections` (fusectl names each connection by the device's
/// minor number); None when fusectl is not mounted or does not show it,
/// and for anyone but root (the files are mode 0600).
fn fuse_queue(connections: &Path, device: &str) -> Option<FuseQueue> {
    let (_, minor) = device.split_once(':')?;
    let dir = connections.join(minor);
    let read = |name: &str| -> Option<u32> {
        std::fs::read_to_string(dir.join(name))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some(FuseQueue {
        max_background: read("max_background")?,
        congestion_threshold: read("congestion_threshold")?,
    })
}

/// Advice about client settings known to limit streaming by `readers`
/// parallel readers. (Whether a mount keeps pages is not visible in its
/// options, e.g. sshfs's `kernel_cache` is not listed: that is judged from
/// residency after reading instead.)
pub fn advice(fs: &FsInfo, readers: usize) -> Vec<String> {
    let mut out = Vec::new();
    let opts: Vec<&str> = fs.options.split(',').collect();
    if fs.fs_type.starts_with("fuse")
        && let Some(kb) = fs.read_ahead_kb.filter(|&kb| kb < 1024)
    {
        out.push(format!(
            "{} ({}) reads ahead only {kb} KiB per stream; single-stream reads on FUSE \
             get faster with `echo 1024 > /sys/class/bdi/{}/read_ahead_kb`",
            fs.mount_point, fs.fs_type, fs.device
        ));
    }
    // Readahead goes through the connection's background queue: at most
    // max_background requests in flight, and past congestion_threshold
    // queued the kernel drops what is left of each readahead it set up.
    // A streaming reader queues one to four requests, more the longer each
    // takes (reports/2026-12-03-vm/fuse-background): on simfs with 20 ms
    // requests the kernel's 12/9 capped -P 3 at 339 MiB/s against 516 with
    // 256/192, and every -P from 8 up near 530 (1422-1941 with 256/192); on
    // the loopback MooseFS (mfsmount keeps 12/9) -P 16 had 76% of the
    // tree's pages set up and dropped, -P 8 15%, -P 4 0.1%; on GlusterFS
    // (64/48) -P 16 4-10%, -P 32 45-56%. So advised from four per reader.
    if let Some(q) = fs.fuse_queue
        && 4 * readers > q.congestion_threshold as usize
    {
        let minor = fs.device.split_once(':').map_or("N", |d| d.1);
        let (max, threshold) = queue_for(readers);
        out.push(format!(
            "{} ({}): its FUSE connection keeps at most {} readahead requests in flight and \
             stops reading ahead past {} queued, and {readers} readers queue up to four each: \
             the queue can cap the throughput and make the kernel drop readahead it had set \
             up (more CPU per byte); raise it with `echo {max} > \
             {FUSE_CONNECTIONS}/{minor}/max_background; echo {threshold} > \
             {FUSE_CONNECTIONS}/{minor}/congestion_threshold`",
            fs.mount_point, fs.fs_type, q.max_background, q.congestion_threshold
        ));
    }
    let rsize = opts.iter().find_map(|o| o.strip_prefix("rsize="));
    if fs.fs_type.starts_with("nfs")
        && let Some(rsize) = rsize
        && rsize.parse::<u64>().is_ok_and(|r| r < 1 << 20)
    {
        out.push(format!(
            "{} is mounted with rsize={rsize}; rsize=1048576 lets each request carry 1 MiB",
            fs.mount_point
        ));
    }
    out
}

/// The queue to advise for `readers` as (max_background,
/// congestion_threshold): the threshold with room for four requests per
/// reader (at least GlusterFS's own 48), the maximum a third above it (the
/// kernel's own ratio, 9 of 12).
fn queue_for(readers: usize) -> (usize, usize) {
    let threshold = (4 * readers).max(48);
    (threshold + threshold / 3, threshold)
}

fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<MountEntry> {
    let (left, right) = line.split_once(" - ")?;
    let l: Vec<&str> = left.split(' ').collect();
    let r: Vec<&str> = right.split(' ').collect();
    if l.len() < 6 || r.len() < 3 {
        return None;
    }
    Some(MountEntry {
        device: l[2].to_owned(),
        mount_point: unescape(l[4]),
        fs_type: r[0].to_owned(),
        source: unescape(r[1]),
        // Per-mount options first (ro, noatime), then the superblock's.
        options: format!("{},{}", l[5], r[2]),
    })
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4].iter().all(u8::is_ascii_digit)
        {
            let v = u8::from_str_radix(&s[i + 1..i + 4], 8).unwrap_or(b'?');
            out.push(v);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_under(path: &str, mount_point: &str) -> bool {
    mount_point == "/"
        || path == mount_point
        || path
            .strip_prefix(mount_point)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn pick_mount<'a>(mounts: &'a [MountEntry], path: &str, device: &str) -> Option<&'a MountEntry> {
    let best = |same_dev: bool| {
        mounts
            .iter()
            .filter(|m| is_under(path, &m.mount_point) && (!same_dev || m.device == device))
            // max_by_key keeps the last of equals: the mount on top wins.
            .max_by_key(|m| m.mount_point.len())
    };
    best(true).or_else(|| best(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 22 0:45 / /mnt/mfs rw,nosuid,nodev,relatime - fuse.mfs mfs#127.0.0.1:9421 rw,user_id=0,group_id=0
41 22 0:46 / /mnt/my\\040models rw,relatime - fuse.sshfs root@127.0.0.1:/srv rw,user_id=0
";

    #[test]
    fn parses_and_picks_by_device_and_longest_prefix() {
        let m = parse_mountinfo(SAMPLE);
        assert_eq!(m.len(), 3);
        assert_eq!(m[2].mount_point, "/mnt/my models");
        let hit = pick_mount(&m, "/mnt/mfs/models/x", "0:45").unwrap();
        assert_eq!(hit.fs_type, "fuse.mfs");
        let root = pick_mount(&m, "/mnt/mfsx/y", "254:0").unwrap();
        assert_eq!(root.fs_type, "ext4");
    }

    #[test]
    fn advice_names_the_fix() {
        let fs = FsInfo {
            fs_type: "fuse.sshfs".into(),
            mount_point: "/mnt/s".into(),
            options: "rw,relatime,rw,user_id=0".into(),
            device: "0:46".into(),
            read_ahead_kb: Some(128),
            ..FsInfo::default()
        };
        let a = advice(&fs, 16);
        assert_eq!(a.len(), 1);
        assert!(a[0].contains("read_ahead_kb"));
    }

    #[test]
    fn a_fuse_queue_below_the_readers_is_advised_with_its_connection() {
        let fs = |threshold| FsInfo {
            fs_type: "fuse.mfs".into(),
            mount_point: "/mnt/mfs".into(),
            device: "0:40".into(),
            read_ahead_kb: Some(1024),
            fuse_queue: Some(FuseQueue {
                max_background: threshold * 4 / 3,
                congestion_threshold: threshold,
            }),
            ..FsInfo::default()
        };
        let a = advice(&fs(9), 16);
        assert_eq!(a.len(), 1, "{a:?}");
        assert!(a[0].contains("at most 12 readahead requests"), "{}", a[0]);
        assert!(a[0].contains("past 9 queued, and 16 readers"), "{}", a[0]);
        assert!(
            a[0].contains(
                "echo 85 > /sys/fs/fuse/connections/40/max_background; \
                 echo 64 > /sys/fs/fuse/connections/40/congestion_threshold"
            ),
            "{}",
            a[0]
        );
        // Following the advice silences it.
        assert!(advice(&fs(64), 16).is_empty());
        // Two readers on the kernel's default queue fit; three may not.
        assert!(advice(&fs(9), 2).is_empty());
        assert_eq!(advice(&fs(9), 3).len(), 1);
        // GlusterFS asks for 64/48: room for 12 readers.
        assert!(advice(&fs(48), 12).is_empty());
        assert!(advice(&fs(48), 13)[0].contains("echo 69 >"));
    }

    #[test]
    fn the_fuse_queue_is_read_from_fusectl_by_the_minor_number() {
        let dir = tempfile::tempdir().unwrap();
        let conn = dir.path().join("40");
        std::fs::create_dir(&conn).unwrap();
        std::fs::write(conn.join("max_background"), "12\n").unwrap();
        std::fs::write(conn.join("congestion_threshold"), "9\n").unwrap();
        assert_eq!(
            fuse_queue(dir.path(), "0:40"),
            Some(FuseQueue {
                max_background: 12,
                congestion_threshold: 9
            })
        );
        assert_eq!(fuse_queue(dir.path(), "0:41"), None);
        assert_eq!(fuse_queue(dir.path(), "garbage"), None);
    }

    #[test]
    fn this_machine_root_has_a_type() {
        assert!(!filesystem_of(Path::new("/")).fs_type.is_empty());
    }
}
