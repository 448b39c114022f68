//! Which filesystem a path lives on, and what its client settings mean.
//!
//! The mount is found in /proc/self/mountinfo by the path's device number
//! (so bind mounts and FUSE mounts resolve correctly), preferring the longest
//! mount point that is a prefix of the path.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use preload_schema::FsInfo;

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
    info
}

/// Advice about client settings known to limit streaming. (Whether a mount
/// keeps pages is not visible in its options, e.g. sshfs's `kernel_cache`
/// is not listed: that is judged from residency after reading instead.)
pub fn advice(fs: &FsInfo) -> Vec<String> {
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
        let a = advice(&fs);
        assert_eq!(a.len(), 1);
        assert!(a[0].contains("read_ahead_kb"));
    }

    #[test]
    fn this_machine_root_has_a_type() {
        assert!(!filesystem_of(Path::new("/")).fs_type.is_empty());
    }
}
