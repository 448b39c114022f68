//! The memory cgroup this process is in, and the room its limits leave.
//!
//! Page cache is charged to the memory cgroup of the process that reads it,
//! so a warm inside a container is bounded by the container's limit, not by
//! the host's MemAvailable. The limit may sit on any ancestor of the
//! process's own cgroup (Kubernetes sets one on the pod and one on the
//! container, systemd on a slice), and the top-level files say nothing about
//! a nested cgroup. So this module reads `/proc/self/cgroup`, finds where
//! that hierarchy is mounted (`/proc/self/mountinfo`), and walks from the
//! process's cgroup up to the top of the mount, keeping the level that leaves
//! the least room.
//!
//! - Which hierarchy: the memory controller is bound to exactly one. A v1
//!   line whose controllers include `memory` wins (on a hybrid machine the v2
//!   `0::` line also exists but has no memory controller); otherwise the v2
//!   line `0::PATH`.
//! - v2 limit: the lower of `memory.max` and `memory.high`. Above
//!   `memory.high` the kernel reclaims the cgroup back under it on every
//!   charge, page cache first, so pages warmed past it are lost just as past
//!   `memory.max` (Kubernetes' MemoryQoS sets `memory.high` below the limit).
//!   `max` means no limit; the root cgroup has neither file.
//! - v1 limit: `memory.limit_in_bytes`; "unlimited" is a huge number
//!   (`PAGE_COUNTER_MAX` pages), anything from 2^62 up counts as none.
//!   `memory.soft_limit_in_bytes` acts only under host-wide pressure and
//!   `memory.memsw.limit_in_bytes` is never below the memory limit, so
//!   neither is read. An ancestor counts only while `memory.use_hierarchy`
//!   says its children are charged to it (always, on current kernels).
//! - Room: limit less what the cgroup uses and cannot give back: usage
//!   (`memory.current`, v1 `memory.usage_in_bytes`) less its page cache,
//!   inactive and active (`memory.stat`: v2 `inactive_file` and
//!   `active_file`, v1 `total_inactive_file` and `total_active_file`), just
//!   as MemAvailable counts all reclaimable cache as available on the host.
//!   Active cache counts as room because a warm promotes what it reads to
//!   the active list (`crate::promote`), so the cgroup's older active pages
//!   are aged out before the warm's. Measured in a 3 GiB v1 cgroup whose
//!   2.5 GiB of other files had been read twice: a 1 GiB warm stayed 100%
//!   resident (the other files went from 100% to 80%), where a build that
//!   did not promote kept 61%. Counting only inactive pages as room (the
//!   "working set" kubelet evicts on) had said 510 MiB of room there, and
//!   warned that the first files would be evicted.
//! - Namespaces: inside a cgroup namespace `/proc/self/cgroup` says `/` for
//!   the namespace's root, and a cgroupfs mounted in the namespace has root
//!   `/` too: the process's cgroup is the mount point itself. A mount whose
//!   root is not a prefix of the process's path (a host mount seen from a
//!   namespace shows a root like `/../..`) cannot be mapped: it is not used,
//!   so the limit is unknown rather than guessed. Ancestors above the
//!   namespace's root are invisible; runtimes set the container's own limit
//!   on that root.
//!
//! Everything is read under a root directory (`/` in production) so tests
//! can build a fake `/proc` and `/sys` in a temporary directory.

use std::path::{Path, PathBuf};

/// v1 values from this up mean "no limit". The kernel writes
/// `PAGE_COUNTER_MAX * PAGE_SIZE` (0x7FFF_FFFF_FFFF_F000 with 4 KiB pages,
/// less with larger pages); no machine has 4 EiB.
const V1_UNLIMITED: u64 = 1 << 62;

/// One memory cgroup with a limit, as read at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMemory {
    /// 1 or 2.
    pub version: u8,
    /// Path in the hierarchy, as `/proc/self/cgroup` writes it.
    pub path: String,
    /// Its directory in the cgroup filesystem.
    pub dir: PathBuf,
    /// The file the limit came from: `memory.max`, `memory.high` or
    /// `memory.limit_in_bytes`.
    pub limit_file: &'static str,
    /// The limit, bytes.
    pub limit_bytes: u64,
    /// Usage less page cache (inactive and active file pages), bytes.
    pub used_bytes: u64,
}

impl CgroupMemory {
    /// What the cgroup may still take before the kernel must evict from it.
    pub fn room_bytes(&self) -> u64 {
        self.limit_bytes.saturating_sub(self.used_bytes)
    }
}

/// Of the process's own memory cgroup and its ancestors, the one with a limit
/// that leaves the least room (the innermost on a tie); `None` when no limit
/// applies or the cgroup cannot be found. `root` is `/` except in tests.
pub fn tightest(root: &Path) -> Option<CgroupMemory> {
    chain(root).into_iter().min_by_key(CgroupMemory::room_bytes)
}

/// Every level with a limit, from the process's own cgroup upwards.
pub fn chain(root: &Path) -> Vec<CgroupMemory> {
    let Ok(own) = std::fs::read_to_string(root.join("proc/self/cgroup")) else {
        return Vec::new();
    };
    let Some((version, path)) = memory_cgroup(&own) else {
        return Vec::new();
    };
    let mountinfo = std::fs::read_to_string(root.join("proc/self/mountinfo")).unwrap_or_default();
    let Some((dir, top)) = locate(root, &parse_mountinfo(&mountinfo), version, &path) else {
        return Vec::new();
    };
    levels(version, &path, dir, &top)
}

/// The hierarchy holding the memory controller and the process's path in
/// it, from the text of `/proc/self/cgroup`.
fn memory_cgroup(text: &str) -> Option<(u8, String)> {
    let mut v2 = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if controllers.split(',').any(|c| c == "memory") {
            return Some((1, path.to_owned()));
        }
        if id == "0" && controllers.is_empty() {
            v2 = Some((2, path.to_owned()));
        }
    }
    v2
}

/// One line of `/proc/self/mountinfo`, the fields used here.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    /// The directory of the filesystem that is mounted (for cgroupfs: the
    /// cgroup at the mount point).
    root: PathBuf,
    /// Where it is mounted.
    point: PathBuf,
    fs_type: String,
    super_options: String,
}

/// Lines are `ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER`.
fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let dash = fields.iter().position(|&f| f == "-")?;
            Some(Mount {
                root: PathBuf::from(unescape(fields.get(3)?)),
                point: PathBuf::from(unescape(fields.get(4)?)),
                fs_type: (*fields.get(dash + 1)?).to_owned(),
                super_options: fields.get(dash + 3).copied().unwrap_or("").to_owned(),
            })
        })
        .collect()
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The process's cgroup directory and the top of its mount, under `root`.
fn locate(root: &Path, mounts: &[Mount], version: u8, path: &str) -> Option<(PathBuf, PathBuf)> {
    let holds_memory = |m: &&Mount| match version {
        1 => m.fs_type == "cgroup" && m.super_options.split(',').any(|o| o == "memory"),
        _ => m.fs_type == "cgroup2",
    };
    let candidates: Vec<&Mount> = mounts.iter().filter(holds_memory).collect();
    let (point, rel) = if candidates.is_empty() {
        // No mountinfo, or it lists no such mount: the usual places, each
        // assumed mounted at the hierarchy's root.
        let (usual, marker): (&[&str], &str) = match version {
            1 => (&["/sys/fs/cgroup/memory"], "memory.limit_in_bytes"),
            _ => (
                &["/sys/fs/cgroup", "/sys/fs/cgroup/unified"],
                "cgroup.controllers",
            ),
        };
        let point = usual
            .iter()
            .map(PathBuf::from)
            .find(|p| under(root, p).join(marker).exists())?;
        let rel = Path::new(path).strip_prefix("/").ok()?.to_owned();
        (point, rel)
    } else {
        // The mount whose root is the longest prefix of the path; on a tie
        // the last listed, which is the one on top at its mount point.
        let (m, rel) = candidates
            .iter()
            .filter_map(|m| Path::new(path).strip_prefix(&m.root).ok().map(|r| (m, r)))
            .max_by_key(|(m, _)| m.root.components().count())?;
        (m.point.clone(), rel.to_owned())
    };
    let top = under(root, &point);
    let dir = top.join(rel);
    dir.is_dir().then_some((dir, top))
}

/// `path` (absolute) inside `root`.
fn under(root: &Path, path: &Path) -> PathBuf {
    root.join(path.strip_prefix("/").unwrap_or(path))
}

/// Limits from `dir` (the cgroup `path`) up to `top`, levels without a limit
/// left out.
fn levels(version: u8, path: &str, mut dir: PathBuf, top: &Path) -> Vec<CgroupMemory> {
    let mut path = PathBuf::from(path);
    let mut out = Vec::new();
    loop {
        out.extend(read_level(version, &path, &dir));
        if dir == top || !dir.starts_with(top) {
            break;
        }
        let Some(parent) = dir.parent().map(Path::to_owned) else {
            break;
        };
        // v1 without hierarchy: the parent's limit does not cover its children.
        if version == 1 && read_text(&parent.join("memory.use_hierarchy")).as_deref() == Some("0") {
            break;
        }
        dir = parent;
        path = path
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_owned);
    }
    out
}

/// The limit and use of one cgroup, if it has a limit.
fn read_level(version: u8, path: &Path, dir: &Path) -> Option<CgroupMemory> {
    // Each list's key, most preferred first: v1's `total_` keys count the
    // children too, as its usage does.
    type Keys = &'static [&'static str];
    let (limit_file, limit_bytes, usage_file, file_lists): (_, _, _, [Keys; 2]) = if version == 1 {
        let limit = read_u64(&dir.join("memory.limit_in_bytes")).filter(|&l| l < V1_UNLIMITED)?;
        (
            "memory.limit_in_bytes",
            limit,
            "memory.usage_in_bytes",
            [
                &["total_inactive_file", "inactive_file"],
                &["total_active_file", "active_file"],
            ],
        )
    } else {
        // "max" does not parse and so counts as no limit.
        let max = read_u64(&dir.join("memory.max")).map(|v| ("memory.max", v));
        let high = read_u64(&dir.join("memory.high")).map(|v| ("memory.high", v));
        let (file, limit) = match (max, high) {
            (Some(m), Some(h)) if h.1 < m.1 => h,
            (Some(m), _) => m,
            (None, h) => h?,
        };
        (
            file,
            limit,
            "memory.current",
            [&["inactive_file"], &["active_file"]],
        )
    };
    // A missing usage counts as nothing used: the limit still caps the room.
    let usage = read_u64(&dir.join(usage_file)).unwrap_or(0);
    let stat = read_text(&dir.join("memory.stat")).unwrap_or_default();
    let cache: u64 = file_lists
        .iter()
        .filter_map(|keys| keys.iter().find_map(|key| stat_value(&stat, key)))
        .sum();
    Some(CgroupMemory {
        version,
        path: path.to_string_lossy().into_owned(),
        dir: dir.to_owned(),
        limit_file,
        limit_bytes,
        used_bytes: usage.saturating_sub(cache),
    })
}

/// The value of `key` in a `memory.stat` text (`key value` lines).
fn stat_value(stat: &str, key: &str) -> Option<u64> {
    stat.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn read_u64(path: &Path) -> Option<u64> {
    read_text(path)?.parse().ok()
}

#[cfg(test)]
pub(crate) mod fake {
    //! A fake `/proc/self` and cgroup filesystem in a temporary directory.

    use std::path::{Path, PathBuf};

    /// A temporary root with `proc/self/{cgroup,mountinfo}` and cgroup
    /// directories under it.
    pub(crate) struct FakeRoot {
        pub dir: tempfile::TempDir,
    }

    impl FakeRoot {
        pub fn new(proc_cgroup: &str, mountinfo: &str) -> FakeRoot {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
            std::fs::write(dir.path().join("proc/self/cgroup"), proc_cgroup).unwrap();
            std::fs::write(dir.path().join("proc/self/mountinfo"), mountinfo).unwrap();
            FakeRoot { dir }
        }

        pub fn root(&self) -> &Path {
            self.dir.path()
        }

        /// Creates the cgroup directory `abs` (an absolute path such as
        /// `/sys/fs/cgroup/memory/a`) with the given files.
        pub fn cgroup(&self, abs: &str, files: &[(&str, &str)]) -> PathBuf {
            let d = self.dir.path().join(abs.trim_start_matches('/'));
            std::fs::create_dir_all(&d).unwrap();
            for (name, text) in files {
                std::fs::write(d.join(name), format!("{text}\n")).unwrap();
            }
            d
        }

        pub fn meminfo(&self, mem_available_kib: u64) {
            std::fs::write(
                self.dir.path().join("proc/meminfo"),
                format!(
                    "MemTotal:       32000000 kB\nMemFree:         1000 kB\n\
                     MemAvailable:   {mem_available_kib} kB\n"
                ),
            )
            .unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeRoot;
    use super::*;

    const MIB: u64 = 1 << 20;
    const V1_NONE: &str = "9223372036854771712";

    /// The hybrid layout of the machine these tests were written on: memory
    /// on v1, an empty v2 beside it.
    const HYBRID_MOUNTS: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    const V2_MOUNTS: &str = "\
29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    fn v1(limit: u64, usage: u64) -> Vec<(&'static str, String)> {
        vec![
            ("memory.limit_in_bytes", limit.to_string()),
            ("memory.usage_in_bytes", usage.to_string()),
            ("memory.use_hierarchy", "1".into()),
        ]
    }

    fn files<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        v.iter().map(|(k, s)| (*k, s.as_str())).collect()
    }

    #[test]
    fn v1_nested_limit_two_levels_up_is_found() {
        let f = FakeRoot::new(
            "9:name=systemd:/\n4:memory:/outer/inner\n0::/\n",
            HYBRID_MOUNTS,
        );
        let none = [
            ("memory.limit_in_bytes", V1_NONE),
            ("memory.usage_in_bytes", "0"),
        ];
        f.cgroup("/sys/fs/cgroup/memory", &none);
        f.cgroup(
            "/sys/fs/cgroup/memory/outer",
            &files(&v1(200 * MIB, 50 * MIB)),
        );
        f.cgroup("/sys/fs/cgroup/memory/outer/inner", &none);
        let c = tightest(f.root()).expect("a limit");
        assert_eq!(c.version, 1);
        assert_eq!(c.path, "/outer");
        assert_eq!(c.limit_file, "memory.limit_in_bytes");
        assert_eq!(c.limit_bytes, 200 * MIB);
        assert_eq!(c.room_bytes(), 150 * MIB);
        assert_eq!(c.dir, f.root().join("sys/fs/cgroup/memory/outer"));
    }

    #[test]
    fn the_level_with_least_room_wins_not_the_smallest_limit() {
        let f = FakeRoot::new("4:memory:/a/b\n", HYBRID_MOUNTS);
        // a: limit 1 GiB, 900 MiB used -> 124 MiB room; b: 200 MiB, 10 used.
        f.cgroup(
            "/sys/fs/cgroup/memory/a",
            &files(&v1(1024 * MIB, 900 * MIB)),
        );
        f.cgroup(
            "/sys/fs/cgroup/memory/a/b",
            &files(&v1(200 * MIB, 10 * MIB)),
        );
        let c = tightest(f.root()).unwrap();
        assert_eq!((c.path.as_str(), c.room_bytes()), ("/a", 124 * MIB));
        assert_eq!(chain(f.root()).len(), 2);
    }

    #[test]
    fn page_cache_inactive_and_active_does_not_count_as_used() {
        let f = FakeRoot::new("4:memory:/a\n", HYBRID_MOUNTS);
        let d = f.cgroup("/sys/fs/cgroup/memory/a", &files(&v1(200 * MIB, 150 * MIB)));
        std::fs::write(
            d.join("memory.stat"),
            format!(
                "cache 1\ninactive_file 1\nactive_file 2\ntotal_inactive_file {}\n\
                 total_active_file {}\n",
                100 * MIB,
                30 * MIB
            ),
        )
        .unwrap();
        let c = tightest(f.root()).unwrap();
        assert_eq!(c.used_bytes, 20 * MIB);
        assert_eq!(c.room_bytes(), 180 * MIB);
    }

    #[test]
    fn v1_without_hierarchy_stops_at_the_parent() {
        let f = FakeRoot::new("4:memory:/a/b\n", HYBRID_MOUNTS);
        let mut parent = v1(100 * MIB, 0);
        parent[2].1 = "0".into();
        f.cgroup("/sys/fs/cgroup/memory/a", &files(&parent));
        f.cgroup("/sys/fs/cgroup/memory/a/b", &files(&v1(500 * MIB, 0)));
        assert_eq!(tightest(f.root()).unwrap().limit_bytes, 500 * MIB);
    }

    #[test]
    fn v2_takes_the_lower_of_max_and_high_and_max_means_none() {
        let f = FakeRoot::new("0::/kubepods/pod1/ctr\n", V2_MOUNTS);
        f.cgroup("/sys/fs/cgroup", &[("cgroup.controllers", "cpu memory")]);
        f.cgroup(
            "/sys/fs/cgroup/kubepods",
            &[
                ("memory.max", "max"),
                ("memory.high", "max"),
                ("memory.current", "5"),
            ],
        );
        f.cgroup(
            "/sys/fs/cgroup/kubepods/pod1",
            &[
                ("memory.max", &(1024 * MIB).to_string()),
                ("memory.high", "max"),
                ("memory.current", &(10 * MIB).to_string()),
            ],
        );
        f.cgroup(
            "/sys/fs/cgroup/kubepods/pod1/ctr",
            &[
                ("memory.max", &(800 * MIB).to_string()),
                ("memory.high", &(600 * MIB).to_string()),
                ("memory.current", &(100 * MIB).to_string()),
                (
                    "memory.stat",
                    &format!(
                        "anon 5\nactive_file {}\ninactive_file {}\n",
                        15 * MIB,
                        40 * MIB
                    ),
                ),
            ],
        );
        let c = tightest(f.root()).unwrap();
        assert_eq!(c.version, 2);
        assert_eq!(c.path, "/kubepods/pod1/ctr");
        assert_eq!(c.limit_file, "memory.high");
        assert_eq!(c.limit_bytes, 600 * MIB);
        assert_eq!(c.used_bytes, 45 * MIB);
        let levels: Vec<_> = chain(f.root()).into_iter().map(|c| c.path).collect();
        assert_eq!(levels, ["/kubepods/pod1/ctr", "/kubepods/pod1"]);
    }

    #[test]
    fn v2_with_no_limit_anywhere_is_none() {
        let f = FakeRoot::new("0::/user.slice/session-1.scope\n", V2_MOUNTS);
        f.cgroup("/sys/fs/cgroup", &[("cgroup.controllers", "memory")]);
        f.cgroup("/sys/fs/cgroup/user.slice", &[("memory.max", "max")]);
        f.cgroup(
            "/sys/fs/cgroup/user.slice/session-1.scope",
            &[("memory.max", "max"), ("memory.high", "max")],
        );
        assert_eq!(tightest(f.root()), None);
    }

    #[test]
    fn v2_in_a_namespace_is_the_mount_root_itself() {
        // A container with its own cgroup namespace: "/" and a mount of "/".
        let f = FakeRoot::new(
            "0::/\n",
            "600 500 0:30 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n",
        );
        f.cgroup(
            "/sys/fs/cgroup",
            &[
                ("memory.max", "268435456"),
                ("memory.current", "0"),
                ("cgroup.controllers", "memory"),
            ],
        );
        let c = tightest(f.root()).unwrap();
        assert_eq!((c.path.as_str(), c.limit_bytes), ("/", 256 * MIB));
    }

    #[test]
    fn v1_namespace_mount_is_chosen_over_a_shadowed_host_mount() {
        // What `unshare --cgroup --mount` plus a fresh mount shows: the host's
        // mount, root "/../..", still listed under the new one.
        let f = FakeRoot::new(
            "4:memory:/\n",
            "52 48 0:32 /../.. /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
             66 65 0:32 / /sys/fs/cgroup/memory rw - cgroup none rw,memory\n",
        );
        f.cgroup("/sys/fs/cgroup/memory", &files(&v1(200 * MIB, 0)));
        let c = tightest(f.root()).unwrap();
        assert_eq!((c.path.as_str(), c.limit_bytes), ("/", 200 * MIB));
    }

    #[test]
    fn a_host_mount_seen_from_a_namespace_is_not_guessed_at() {
        let f = FakeRoot::new(
            "4:memory:/\n",
            "52 48 0:32 /../.. /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
        );
        // The host's root cgroup, which is not the process's.
        f.cgroup("/sys/fs/cgroup/memory", &files(&v1(64 * MIB, 0)));
        assert_eq!(tightest(f.root()), None);
    }

    #[test]
    fn a_bind_mounted_subtree_maps_the_path_below_its_root() {
        // Docker without a cgroup namespace: the container's cgroup mounted
        // at the usual place, /proc/self/cgroup naming the host path.
        let f = FakeRoot::new(
            "4:memory:/docker/abc/sub\n",
            "70 60 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
        );
        f.cgroup("/sys/fs/cgroup/memory", &files(&v1(300 * MIB, 0)));
        f.cgroup("/sys/fs/cgroup/memory/sub", &files(&v1(V1_UNLIMITED, 0)));
        let c = tightest(f.root()).unwrap();
        assert_eq!((c.path.as_str(), c.limit_bytes), ("/docker/abc", 300 * MIB));
    }

    #[test]
    fn without_mountinfo_the_usual_places_are_tried() {
        let f = FakeRoot::new("0::/app\n", "");
        f.cgroup(
            "/sys/fs/cgroup/unified",
            &[("cgroup.controllers", "memory")],
        );
        f.cgroup("/sys/fs/cgroup/unified/app", &[("memory.max", "1048576")]);
        let c = tightest(f.root()).unwrap();
        assert_eq!((c.path.as_str(), c.limit_bytes), ("/app", MIB));
    }

    #[test]
    fn missing_files_and_cgroups_mean_no_limit_not_an_error() {
        // The cgroup named in /proc/self/cgroup does not exist.
        let f = FakeRoot::new("4:memory:/gone\n", HYBRID_MOUNTS);
        f.cgroup("/sys/fs/cgroup/memory", &[]);
        assert_eq!(tightest(f.root()), None);
        // No /proc at all.
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(tightest(empty.path()), None);
    }

    #[test]
    fn proc_cgroup_prefers_the_v1_memory_line() {
        assert_eq!(
            memory_cgroup("5:cpu,memory:/a\n0::/b\n"),
            Some((1, "/a".into()))
        );
        assert_eq!(
            memory_cgroup("1:name=systemd:/x\n0::/b\n"),
            Some((2, "/b".into()))
        );
        assert_eq!(memory_cgroup("1:cpu:/x\n"), None);
    }

    #[test]
    fn mountinfo_fields_are_unescaped() {
        let m = parse_mountinfo(
            "36 25 0:31 /a\\040b /sys/fs/cgroup/my\\134mem rw shared:1 - cgroup cg rw,memory\n",
        );
        assert_eq!(m[0].root, Path::new("/a b"));
        assert_eq!(m[0].point, Path::new("/sys/fs/cgroup/my\\mem"));
        assert_eq!(m[0].fs_type, "cgroup");
        assert_eq!(m[0].super_options, "rw,memory");
    }
}
