//! What a warm says to its user: one warning per finding, each saying what
//! to do about it.

use preload_schema::{Diagnosis, DiagnosisKind, FsInfo, MemoryCheck};

/// The warning that tells the user about one diagnosis and what to do;
/// `memory` is what was available when the run started.
pub(crate) fn diagnosis_warning(
    d: &Diagnosis,
    read: u64,
    filesystems: &[FsInfo],
    memory: &MemoryCheck,
) -> String {
    let what = format!(
        "{} read from {} file{} ({:.2}% of what was read) is not in the page cache",
        human_bytes(d.bytes),
        d.files,
        if d.files == 1 { "" } else { "s" },
        100.0 * d.bytes as f64 / read.max(1) as f64
    );
    match d.kind {
        DiagnosisKind::NotKept => {
            let fs: Vec<String> = filesystems
                .iter()
                .map(|f| format!("{} on {}", f.fs_type, f.mount_point))
                .collect();
            format!(
                "pages were not retained: {what}. Proof: {}. Warming cannot speed up a loader \
                 on this mount ({}); remount with caching enabled (e.g. sshfs -o kernel_cache, \
                 a FUSE mount without direct I/O)",
                d.evidence,
                fs.join(", ")
            )
        }
        // Reclaim also takes pages of files that fit: on this project's VM,
        // its page cache full of other data (22 GiB available), a warm of
        // 2 GiB on the loopback MooseFS lost up to 53% of it that way and
        // was told to warm a subset or add memory (see `promote::Promote`).
        DiagnosisKind::MemoryPressure if memory.fits => format!(
            "evicted under memory pressure: {what}. Evidence: {}. The files fit in the memory \
             available when the run started ({}): reclaim made room for other reads during the \
             run (this warm's later files, a FUSE daemon's own cache, another process) and took \
             these; warm again to read them back",
            d.evidence,
            human_bytes(memory.available_bytes)
        ),
        DiagnosisKind::MemoryPressure => format!(
            "evicted under memory pressure: {what}. Evidence: {}. The page cache has no room for \
             all of it: warm a subset with --include or give the machine (or container) more \
             memory",
            d.evidence
        ),
        DiagnosisKind::CacheDropped => format!(
            "the page cache was dropped during the run: {what}. Evidence: {}. Warm again",
            d.evidence
        ),
        DiagnosisKind::EvictedByOther => format!(
            "evicted without reclaim (by another process or the filesystem): {what}. Evidence: \
             {}. Warm again once it is done",
            d.evidence
        ),
        DiagnosisKind::ChangedWhileRead => {
            format!("files changed while read: {what}. Evidence: {}", d.evidence)
        }
    }
}

/// The warning for planned bytes that do not fit in the page cache, if any.
/// It names the cgroup limit that decided, so the user knows which knob to
/// turn (the container's limit, not the host's RAM).
pub fn memory_warning(memory: &MemoryCheck) -> Option<String> {
    (!memory.fits).then(|| {
        let limit = match (&memory.cgroup_limit_bytes, &memory.cgroup_path) {
            (Some(limit), Some(path)) => format!(
                ", under the {} limit of cgroup {path} (v{} {}, {} in use besides page cache)",
                human_bytes(*limit),
                memory.cgroup_version.unwrap_or(0),
                memory.cgroup_limit_file.as_deref().unwrap_or("limit"),
                human_bytes(memory.cgroup_used_bytes.unwrap_or(0)),
            ),
            _ => String::new(),
        };
        format!(
            "the files ({}) are larger than the memory available for the page cache ({}{limit}): \
             the first files read will be evicted before a loader gets to them; warm a subset \
             with --include or give the machine (or container) more memory",
            human_bytes(memory.planned_bytes),
            human_bytes(memory.available_bytes)
        )
    })
}

/// Bytes in binary units with one decimal (`1.5 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn reclaim_of_files_that_fit_does_not_ask_for_more_memory() {
        let d = Diagnosis {
            kind: DiagnosisKind::MemoryPressure,
            bytes: 16 << 10,
            files: 1,
            evidence: "memory reclaim evicted 4 pages of these files (cachestat)".into(),
        };
        let memory = |fits| MemoryCheck {
            planned_bytes: 2 << 30,
            available_bytes: 7 << 30,
            cgroup_limit_bytes: None,
            cgroup_path: None,
            cgroup_version: None,
            cgroup_limit_file: None,
            cgroup_used_bytes: None,
            fits,
        };
        let fitting = diagnosis_warning(&d, 2 << 30, &[], &memory(true));
        assert!(
            fitting.contains("fit in the memory available when the run started (7.0 GiB)"),
            "{fitting}"
        );
        assert!(fitting.contains("warm again"), "{fitting}");
        assert!(!fitting.contains("more memory"), "{fitting}");
        let short = diagnosis_warning(&d, 2 << 30, &[], &memory(false));
        assert!(
            short.contains("give the machine (or container) more memory"),
            "{short}"
        );
    }

    #[test]
    fn the_memory_warning_names_the_cgroup_limit() {
        let m = MemoryCheck {
            planned_bytes: 1 << 30,
            available_bytes: 199 << 20,
            cgroup_limit_bytes: Some(200 << 20),
            cgroup_path: Some("/a/outer".into()),
            cgroup_version: Some(1),
            cgroup_limit_file: Some("memory.limit_in_bytes".into()),
            cgroup_used_bytes: Some(1 << 20),
            fits: false,
        };
        let w = memory_warning(&m).unwrap();
        assert!(
            w.contains(
                "(199.0 MiB, under the 200.0 MiB limit of cgroup /a/outer \
                 (v1 memory.limit_in_bytes, 1.0 MiB in use besides page cache))"
            ),
            "{w}"
        );
        let host = MemoryCheck {
            cgroup_limit_bytes: None,
            cgroup_path: None,
            ..m.clone()
        };
        assert!(memory_warning(&host).unwrap().contains("(199.0 MiB):"));
        assert_eq!(memory_warning(&MemoryCheck { fits: true, ..m }), None);
    }
}
