//! After a warm: what is resident, and, for what is not, why — each cause
//! proven by its own evidence, so that "this mount keeps nothing" (exit 3)
//! is said only when a read-then-check probe shows it.
//!
//! Evidence used:
//! - the file's size and inode now against the plan (changed while read);
//! - a retention probe per filesystem: read the first MiB of a file that
//!   came up short, then measure those bytes at once (the mount keeps
//!   nothing when they are gone);
//! - cachestat's `nr_evicted`: reclaim leaves shadow entries for the pages
//!   it evicts, fadvise(DONTNEED) and drop_caches leave none (memory
//!   pressure, where the kernel tells this caller);
//! - /proc/vmstat's `drop_pagecache` (someone wrote drop_caches) and
//!   `pgsteal_*` (reclaim happened on the host or in a cgroup) counters,
//!   before and after the run.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use preload_schema::{Diagnosis, DiagnosisKind, Failure, Residency, name};

use crate::human_bytes;
use crate::pagecache::{file_residency, range_residency, reclaimed_pages};
use crate::par;
use crate::read::{open_for_warming, page_size};
use crate::walk::FileEntry;

/// Bytes a retention probe reads from the front of a file.
const PROBE_BYTES: u64 = 1 << 20;

/// Below this fraction of the bytes read still resident, a filesystem is
/// said not to keep pages (warm's diagnosis, bench's warning).
pub const RETAINED_FRACTION: f64 = 0.5;

/// Kernel counters that tell reclaim and cache drops apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VmCounters {
    /// Times `/proc/sys/vm/drop_caches` was written with 1 or 3.
    pub drop_pagecache: u64,
    /// File pages reclaimed (`pgsteal_file`).
    pub pgsteal: u64,
}

impl VmCounters {
    /// Reads /proc/vmstat; None where it is missing.
    pub fn read() -> Option<VmCounters> {
        std::fs::read_to_string("/proc/vmstat")
            .ok()
            .map(|t| Self::parse(&t))
    }

    fn parse(text: &str) -> VmCounters {
        let mut c = VmCounters::default();
        for line in text.lines() {
            let mut it = line.split_whitespace();
            let (Some(name), Some(Ok(v))) = (it.next(), it.next().map(str::parse::<u64>)) else {
                continue;
            };
            match name {
                "drop_pagecache" => c.drop_pagecache = v,
                // pgsteal_{kswapd,direct,khugepaged,proactive} split the same
                // total by reclaimer, pgsteal_{anon,file} by page kind: only
                // file pages matter here.
                "pgsteal_file" => c.pgsteal = v,
                _ => {}
            }
        }
        c
    }
}

/// What the check found.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Residency of the planned files now.
    pub residency: Residency,
    /// Causes of read bytes that are missing, with evidence.
    pub diagnoses: Vec<Diagnosis>,
    /// The part of `residency.unknown_bytes` in files whose read failed:
    /// their failure (permission denied, gone) already says why.
    pub unknown_failed_bytes: u64,
}

/// Measures the residency of `files` and explains what is missing of those
/// read without failure. `before` are the counters from before the run.
pub fn verify(
    files: &[FileEntry],
    failures: &[Failure],
    before: Option<VmCounters>,
) -> Verification {
    let failed: HashSet<std::path::PathBuf> = failures
        .iter()
        .map(|f| name::raw_path(&f.path, f.path_bytes.as_deref()))
        .collect();
    let after = VmCounters::read();
    let mut residency = Residency::default();
    let mut changed = Vec::new();
    let mut short: Vec<(&FileEntry, u64)> = Vec::new();
    let mut unknown_failed_bytes = 0;
    // Every file's pages at once: serially, a lookup per file behind 5 ms
    // of metadata latency made this check 15-30 s on 3000 files.
    let measured = par::map_all(files, |f| file_residency(&f.path));
    for (f, measured) in files.iter().zip(measured) {
        let r = match measured {
            Ok(r) => r,
            Err(_) => Residency {
                total_bytes: f.size,
                unknown_bytes: f.size,
                ..Residency::default()
            },
        };
        residency = residency.plus(r);
        if failed.contains(&f.path) {
            unknown_failed_bytes += r.unknown_bytes;
            continue;
        }
        if has_changed(f) {
            changed.push((f, f.size.saturating_sub(r.resident_bytes)));
            continue;
        }
        if r.unknown_bytes > 0 {
            continue;
        }
        let missing = r.total_bytes - r.resident_bytes;
        // A sampled estimate is off by a few samples; an exact count is not.
        let slack = if r.sampled_bytes > 0 {
            r.total_bytes / 20
        } else {
            0
        };
        if missing > slack {
            short.push((f, missing));
        }
    }
    let mut diagnoses = Vec::new();
    if !changed.is_empty() {
        diagnoses.push(diagnosis(
            DiagnosisKind::ChangedWhileRead,
            &changed,
            format!(
                "size or inode differs from when the files were planned (e.g. {}); \
                 warm again once the writer is done",
                name::escaped(&changed[0].0.path)
            ),
        ));
    }
    diagnoses.extend(explain_shortfall(&short, before, after));
    Verification {
        residency,
        diagnoses,
        unknown_failed_bytes,
    }
}

fn has_changed(f: &FileEntry) -> bool {
    match std::fs::metadata(&f.path) {
        Ok(m) => m.len() != f.size || m.ino() != f.ino,
        Err(_) => true,
    }
}

fn diagnosis(kind: DiagnosisKind, files: &[(&FileEntry, u64)], evidence: String) -> Diagnosis {
    Diagnosis {
        kind,
        bytes: files.iter().map(|(_, m)| m).sum(),
        files: files.len() as u64,
        evidence,
    }
}

/// Causes for files that are short of what was read.
fn explain_shortfall(
    short: &[(&FileEntry, u64)],
    before: Option<VmCounters>,
    after: Option<VmCounters>,
) -> Vec<Diagnosis> {
    let mut by_cause: BTreeMap<Cause, Vec<(&FileEntry, u64)>> = BTreeMap::new();
    let mut by_dev: BTreeMap<u64, Vec<(&FileEntry, u64)>> = BTreeMap::new();
    for &(f, m) in short {
        by_dev.entry(f.dev).or_default().push((f, m));
    }
    let delta = |pick: fn(&VmCounters) -> u64| match (before, after) {
        (Some(b), Some(a)) => pick(&a).saturating_sub(pick(&b)),
        _ => 0,
    };
    let drops = delta(|c| c.drop_pagecache);
    let reclaimed = delta(|c| c.pgsteal);
    let mut probes = Vec::new();
    for files in by_dev.values() {
        let probe = retention_probe(&files[0].0.path);
        if let Some(p) = probe
            .as_ref()
            .filter(|p| p.kept_fraction() < RETAINED_FRACTION)
        {
            probes.push(p.describe());
            by_cause.entry(Cause::NotKept).or_default().extend(files);
            continue;
        }
        for &(f, missing) in files {
            // Reclaim traces explain as many pages as they count; the rest
            // of a file's shortfall has another cause.
            let traced = reclaimed_pages(&f.path);
            let reclaimed_bytes = traced.map_or(0, |n| (n * page_size()).min(missing));
            if reclaimed_bytes > 0 {
                by_cause
                    .entry(Cause::Reclaimed)
                    .or_default()
                    .push((f, reclaimed_bytes));
            }
            let rest = missing - reclaimed_bytes;
            if rest == 0 {
                continue;
            }
            let cause = if drops > 0 {
                Cause::Dropped
            } else if traced.is_none() && reclaimed > 0 {
                // Not the owner, or overlayfs: no per-file traces, only the
                // host's counters.
                Cause::HostReclaim
            } else {
                Cause::Other
            };
            by_cause.entry(cause).or_default().push((f, rest));
        }
    }
    by_cause
        .into_iter()
        .map(|(cause, files)| {
            let (kind, evidence) = match cause {
                Cause::NotKept => (
                    DiagnosisKind::NotKept,
                    format!(
                        "{}; this mount does not keep what is read",
                        probes.join("; ")
                    ),
                ),
                Cause::Reclaimed => {
                    let pages: u64 = files
                        .iter()
                        .filter_map(|(f, _)| reclaimed_pages(&f.path))
                        .sum();
                    (
                        DiagnosisKind::MemoryPressure,
                        format!(
                            "memory reclaim evicted {pages} pages of these files (cachestat), \
                             e.g. {}",
                            name::escaped(&files[0].0.path)
                        ),
                    )
                }
                Cause::HostReclaim => (
                    DiagnosisKind::MemoryPressure,
                    format!(
                        "the kernel reclaimed {reclaimed} pages during the run (/proc/vmstat \
                         pgsteal); per-file traces are visible only to the files' owner, and \
                         not through a stacking filesystem (overlayfs)"
                    ),
                ),
                Cause::Dropped => (
                    DiagnosisKind::CacheDropped,
                    format!("/proc/sys/vm/drop_caches was written {drops} time(s) during the run"),
                ),
                Cause::Other => (
                    DiagnosisKind::EvictedByOther,
                    format!(
                        "pages gone without reclaim traces, and a read-then-check probe shows \
                         the mount keeps pages: another process evicted them (posix_fadvise \
                         DONTNEED, vmtouch -e, preload evict), or the filesystem invalidated \
                         them (FUSE and NFS clients drop a file's pages when they see it \
                         change), e.g. {}",
                        name::escaped(&files[0].0.path)
                    ),
                ),
            };
            diagnosis(kind, &files, evidence)
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    NotKept,
    Reclaimed,
    HostReclaim,
    Dropped,
    Other,
}

/// A read-then-check: the front of a file read with `pread`, then measured.
#[derive(Debug, Clone)]
struct RetentionProbe {
    path: std::path::PathBuf,
    read: u64,
    resident: Residency,
}

impl RetentionProbe {
    fn kept_fraction(&self) -> f64 {
        if self.read == 0 {
            1.0
        } else {
            self.resident.resident_bytes as f64 / self.read as f64
        }
    }

    fn describe(&self) -> String {
        format!(
            "read-then-check probe: {} of {} just read were in the page cache right after \
             ({:.0}%{})",
            human_bytes(self.resident.resident_bytes),
            name::escaped(&self.path),
            100.0 * self.kept_fraction(),
            if self.resident.sampled_bytes > 0 {
                ", sampled"
            } else {
                ""
            }
        )
    }
}

/// None when the file cannot be read or its residency cannot be measured.
fn retention_probe(path: &Path) -> Option<RetentionProbe> {
    let file = open_for_warming(path).ok()?;
    let len = file.metadata().ok()?.len().min(PROBE_BYTES);
    let mut buf = vec![0u8; len as usize];
    file.read_exact_at(&mut buf, 0).ok()?;
    drop(file);
    let resident = range_residency(path, 0, len).ok()?;
    (resident.unknown_bytes == 0).then(|| RetentionProbe {
        path: path.to_owned(),
        read: len,
        resident,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan's view of a file as it is now.
    fn entry(p: &Path) -> FileEntry {
        let m = std::fs::metadata(p).unwrap();
        FileEntry {
            path: p.to_owned(),
            size: m.len(),
            dev: m.dev(),
            ino: m.ino(),
        }
    }

    #[test]
    fn vmstat_counters_count_file_reclaim_once() {
        let c = VmCounters::parse(
            "nr_free_pages 5\npgsteal_kswapd 10\npgsteal_direct 3\npgsteal_khugepaged 1\n\
             pgsteal_anon 4\npgsteal_file 10\ndrop_pagecache 2\ndrop_slab 7\n",
        );
        assert_eq!(
            c,
            VmCounters {
                drop_pagecache: 2,
                pgsteal: 10
            }
        );
    }

    #[test]
    fn a_file_evicted_by_fadvise_is_blamed_on_another_process_not_the_mount() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 4 << 20]).unwrap();
        std::fs::File::open(&p).unwrap().sync_all().unwrap();
        let entry = entry(&p);
        let before = VmCounters::read();
        let _ = std::fs::read(&p).unwrap();
        crate::pagecache::evict(&p).unwrap();
        let v = verify(std::slice::from_ref(&entry), &[], before);
        if v.residency.resident_bytes == 4 << 20 {
            return; // tmpfs: nothing can be evicted
        }
        let kinds: Vec<_> = v.diagnoses.iter().map(|d| d.kind).collect();
        assert!(
            !kinds.contains(&DiagnosisKind::NotKept),
            "{:?}",
            v.diagnoses
        );
        assert_eq!(v.diagnoses.len(), 1, "{:?}", v.diagnoses);
    }

    #[test]
    fn a_truncated_file_is_changed_while_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![1u8; 8192]).unwrap();
        let entry = entry(&p);
        std::fs::write(&p, b"short").unwrap();
        let v = verify(&[entry], &[], None);
        assert_eq!(v.diagnoses.len(), 1);
        assert_eq!(v.diagnoses[0].kind, DiagnosisKind::ChangedWhileRead);
    }
}
